"""The clean body as a safe HTML fragment for feed readers (content:encoded, Atom, JSON Feed).

Feed readers run their own sanitisers and many drop anything unusual, so the fragment keeps to
the plainest elements and to the attributes href, src, alt, width and height. Embeds, video and
audio become plain links: readers strip iframes and play <video>/<audio> inconsistently.

The fragment is also well-formed XML (void elements self-closed, only XML's predefined entities)
so it can later go into an Atom `type="xhtml"` content element unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from warta.core.body.model import (
    Audio,
    Block,
    Body,
    Embed,
    Emphasis,
    Figure,
    Heading,
    Inline,
    LineBreak,
    Link,
    ListBlock,
    PageBreak,
    Paragraph,
    Quote,
    RelatedLinks,
    Strong,
    Table,
    Text,
    Video,
)
from warta.core.render.labels import FEED_LABELS
from warta.core.urls import is_valid_link

# What an embed's link says when the CMS gave it no title (iframes say their host instead), and
# the links that stand for video and audio: the [feed] table of labels.toml.
EMBED_LABELS: dict[str, str] = FEED_LABELS["embeds"]
VIDEO_LABEL: str = FEED_LABELS["video"]
AUDIO_LABEL: str = FEED_LABELS["audio"]
CREDIT_SEPARATOR = " — "

# The model promises these schemes; checking again is cheap and keeps a parser bug from
# turning into a javascript: link in every feed reader.
_LINK_SCHEMES = ("http://", "https://", "mailto:")
_MEDIA_SCHEMES = ("http://", "https://")

# Text escaping by str.translate: one pass, and it also covers attribute values (quotes).
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def escape(text: str) -> str:
    """Text or attribute value as HTML/XML character data."""
    return text.translate(_ESCAPES)


def _safe(url: str, schemes: tuple[str, ...]) -> bool:
    return url[:8].lower().startswith(schemes) and is_valid_link(url, mailto="mailto:" in schemes)


# --- inline ---------------------------------------------------------------------------------


def _inlines(children: tuple[Inline, ...], out: list[str]) -> None:
    for node in children:
        if type(node) is Text:
            out.append(escape(node.text))
        elif type(node) is LineBreak:
            out.append("<br />")
        elif type(node) is Strong:
            out.append("<strong>")
            _inlines(node.children, out)
            out.append("</strong>")
        elif type(node) is Emphasis:
            out.append("<em>")
            _inlines(node.children, out)
            out.append("</em>")
        elif type(node) is Link:
            _link(node, out)


def _link(node: Link, out: list[str]) -> None:
    if not _safe(node.href, _LINK_SCHEMES):
        _inlines(node.children, out)
        return
    out.append(f'<a href="{escape(node.href)}">')
    # A link with no text would be invisible; show where it goes instead.
    if node.children:
        _inlines(node.children, out)
    else:
        out.append(escape(node.href))
    out.append("</a>")


def _text_link(href: str, label: str, out: list[str]) -> None:
    out.append(f'<p><a href="{escape(href)}">{escape(label)}</a></p>')


# --- blocks ---------------------------------------------------------------------------------


def _paragraph(block: Paragraph, out: list[str]) -> None:
    out.append("<p>")
    _inlines(block.children, out)
    out.append("</p>")


def _heading(block: Heading, out: list[str]) -> None:
    # h1 belongs to the reader's own title; keep within h2..h4 whatever the model holds.
    tag = f"h{min(max(block.level, 2), 4)}"
    out.append(f"<{tag}>")
    _inlines(block.children, out)
    out.append(f"</{tag}>")


def _list(block: ListBlock, out: list[str]) -> None:
    tag = "ol" if block.ordered else "ul"
    out.append(f"<{tag}>")
    for item in block.items:
        out.append("<li>")
        _inlines(item, out)
        out.append("</li>")
    out.append(f"</{tag}>")


def _quote(block: Quote, out: list[str]) -> None:
    out.append("<blockquote>")
    _blocks(block.blocks, out)
    if block.cite:
        cite = escape(block.cite)
        if _safe(block.cite, _MEDIA_SCHEMES):
            cite = f'<a href="{cite}">{cite}</a>'
        out.append(f"<p><cite>{cite}</cite></p>")
    out.append("</blockquote>")


def _table(block: Table, out: list[str]) -> None:
    out.append("<table>")
    if block.caption:
        out.append(f"<caption>{escape(block.caption)}</caption>")
    for row in block.rows:
        out.append("<tr>")
        for cell in row:
            tag = "th" if cell.header else "td"
            out.append(f"<{tag}>")
            _inlines(cell.children, out)
            out.append(f"</{tag}>")
        out.append("</tr>")
    out.append("</table>")


def _figure(block: Figure, out: list[str]) -> None:
    image = block.image
    if not _safe(image.src, _MEDIA_SCHEMES):
        return
    attrs = f' src="{escape(image.src)}" alt="{escape(image.alt)}"'
    if image.width and image.height:
        attrs += f' width="{image.width}" height="{image.height}"'
    caption = CREDIT_SEPARATOR.join(part for part in (block.caption, block.credit) if part)
    out.append(f"<figure><img{attrs} />")
    if caption:
        out.append(f"<figcaption>{escape(caption)}</figcaption>")
    out.append("</figure>")


def _embed(block: Embed, out: list[str]) -> None:
    if not _safe(block.url, _MEDIA_SCHEMES):
        return
    label = block.title or EMBED_LABELS.get(block.provider) or urlsplit(block.url).hostname
    _text_link(block.url, label or block.url, out)


def _video(block: Video, out: list[str]) -> None:
    if _safe(block.src, _MEDIA_SCHEMES):
        _text_link(block.src, VIDEO_LABEL, out)


def _audio(block: Audio, out: list[str]) -> None:
    if _safe(block.src, _MEDIA_SCHEMES):
        _text_link(block.src, AUDIO_LABEL, out)


def _related(block: RelatedLinks, out: list[str]) -> None:
    links = [link for link in block.links if _safe(link.href, _LINK_SCHEMES)]
    if not links:
        return
    out.append("<ul>")
    for link in links:
        out.append("<li>")
        _link(link, out)
        out.append("</li>")
    out.append("</ul>")


def _page_break(block: PageBreak, out: list[str]) -> None:
    """Feed readers show the whole article as one page."""


# Dispatch on the exact type: one dict lookup per block instead of an isinstance chain.
_BLOCK_RENDERERS: dict[type, Callable[[Any, list[str]], None]] = {
    Paragraph: _paragraph,
    Heading: _heading,
    ListBlock: _list,
    Quote: _quote,
    Table: _table,
    Figure: _figure,
    Embed: _embed,
    Video: _video,
    Audio: _audio,
    RelatedLinks: _related,
    PageBreak: _page_break,
}


def _blocks(blocks: tuple[Block, ...], out: list[str]) -> None:
    renderers = _BLOCK_RENDERERS
    for block in blocks:
        renderers[type(block)](block, out)


def render_body_html(body: Body) -> str:
    """The body as an HTML fragment: escaped text, safe URLs, no scripts, styles or classes."""
    out: list[str] = []
    _blocks(body, out)
    return "".join(out)


def body_html_is_empty(body: Body) -> bool:
    """Whether `render_body_html(body)` is the empty string, rendering blocks only until one
    writes something (an aggregator's body rule asks this of 50 articles a cold publish, whose
    first paragraph answers it)."""
    renderers = _BLOCK_RENDERERS
    out: list[str] = []
    for block in body:
        renderers[type(block)](block, out)
        if any(out):
            return False
        out.clear()
    return True
