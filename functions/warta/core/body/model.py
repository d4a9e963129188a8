"""The clean body model: what every renderer reads instead of the CMS's HTML.

The CMS HTML of all pages is parsed once (`warta.core.body.parse`) into a tuple of blocks.
Every string in the model is already clean text (XML-legal, NFC); every URL is absolute and
http(s). Renderers escape text themselves; nothing in the model is markup.

Inline content is a tuple of `Inline` nodes. The model round-trips through JSON
(`body_to_json` / `body_from_json`) so the article index can store it once per revision.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal

# --- inline content -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Strong:
    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Emphasis:
    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Link:
    href: str  # absolute http(s) or mailto
    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class LineBreak:
    pass


Inline = Text | Strong | Emphasis | Link | LineBreak

# --- blocks ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Paragraph:
    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Heading:
    level: int  # 2..4: the page title is the only h1
    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class ListBlock:
    ordered: bool
    items: tuple[tuple[Inline, ...], ...]


@dataclass(frozen=True, slots=True)
class Quote:
    blocks: tuple[Block, ...]
    cite: str = ""


@dataclass(frozen=True, slots=True)
class TableCell:
    header: bool
    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Table:
    rows: tuple[tuple[TableCell, ...], ...]
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Image:
    src: str
    alt: str = ""
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class Figure:
    image: Image
    caption: str = ""
    credit: str = ""
    link: str = ""  # where a link around the image went (often the full-size file); http(s)


EmbedProvider = Literal["youtube", "vimeo", "twitter", "instagram", "facebook", "tiktok", "iframe"]


@dataclass(frozen=True, slots=True)
class Embed:
    provider: EmbedProvider
    url: str  # the canonical URL of the embedded thing (a watch page, a post, the iframe src)
    media_id: str = ""  # provider id: YouTube video id, tweet id, Instagram shortcode, ...
    title: str = ""
    width: int | None = None
    height: int | None = None
    caption: str = ""  # a figcaption around the embed, credit split off like a Figure's
    credit: str = ""


@dataclass(frozen=True, slots=True)
class Video:
    src: str
    poster: str = ""
    width: int | None = None
    height: int | None = None
    caption: str = ""
    credit: str = ""


@dataclass(frozen=True, slots=True)
class Audio:
    src: str
    caption: str = ""
    credit: str = ""


@dataclass(frozen=True, slots=True)
class RelatedLinks:
    """ "Baca juga" links gathered into one box when the site config asks for it."""

    links: tuple[Link, ...]


@dataclass(frozen=True, slots=True)
class PageBreak:
    """Where one CMS page ends and the next begins (multi-page articles)."""

    number: int  # the page that starts here, 2-based


Block = (
    Paragraph
    | Heading
    | ListBlock
    | Quote
    | Table
    | Figure
    | Embed
    | Video
    | Audio
    | RelatedLinks
    | PageBreak
)
Body = tuple[Block, ...]


_NODE_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        Text,
        Strong,
        Emphasis,
        Link,
        LineBreak,
        Paragraph,
        Heading,
        ListBlock,
        Quote,
        TableCell,
        Table,
        Image,
        Figure,
        Embed,
        Video,
        Audio,
        RelatedLinks,
        PageBreak,
    )
}


def _dump(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_dump(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        out: dict[str, Any] = {"@": type(value).__name__}
        for f in fields(value):
            out[f.name] = _dump(getattr(value, f.name))
        return out
    return value


def _load(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_load(v) for v in value)
    if isinstance(value, dict):
        cls = _NODE_TYPES[value["@"]]
        return cls(**{k: _load(v) for k, v in value.items() if k != "@"})
    return value


def body_to_json(body: Body) -> list[Any]:
    dumped: list[Any] = _dump(body)
    return dumped


def body_from_json(data: list[Any]) -> Body:
    body: Body = _load(data)
    return body


def inline_text(children: tuple[Inline, ...]) -> str:
    """The plain text of inline content, as a reader sees it."""
    parts: list[str] = []
    for node in children:
        if isinstance(node, Text):
            parts.append(node.text)
        elif isinstance(node, LineBreak):
            parts.append("\n")
        else:
            parts.append(inline_text(node.children))
    return "".join(parts)


def iter_images(body: Body) -> list[Image]:
    """Every image the body shows, in order (for sitemaps and feed thumbnails)."""
    found: list[Image] = []
    for block in body:
        if isinstance(block, Figure):
            found.append(block.image)
        elif isinstance(block, Quote):
            found.extend(iter_images(block.blocks))
    return found
