"""CMS HTML → the clean body model (`warta.core.body.model`).

Nothing in the CMS HTML is trusted. The parser keeps the text and a small set of structures and
drops everything else, so renderers never see markup, scripts, styles, forms or unsafe URLs.

Two rules shape the code:

* Text is never lost. Markup the model has no place for (div, section, font, center, marquee,
  custom elements, ...) is transparent: its children are processed as if it were not there.
* Deep or broken trees must not crash anything. The walks over the tree are iterative (an
  explicit stack instead of recursion), and the few tag patterns that make libxml2 silently
  lose text (nesting beyond its depth limit, content after </html>) are removed before parsing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from urllib.parse import parse_qs, quote, urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from warta.core.body.model import (
    Audio,
    Block,
    Body,
    Embed,
    Emphasis,
    Figure,
    Heading,
    Image,
    Inline,
    LineBreak,
    Link,
    ListBlock,
    PageBreak,
    Paragraph,
    Quote,
    Strong,
    Table,
    TableCell,
    Text,
    Video,
    inline_text,
)
from warta.core.body.shortcodes import expand_shortcodes
from warta.core.text import clean_line, clean_text
from warta.core.urls import InvalidUrl, http_parts

# --- element classes --------------------------------------------------------------------------


def _tags(names: str) -> frozenset[str]:
    return frozenset(names.split())


# Never rendered and never read: their text is not article text. (<embed> is not here: libxml2
# does not know it is empty and nests the content after it inside it; having no text of its
# own, it is simply transparent.)
_DROP = _tags(
    "script style noscript template form input select textarea button option optgroup datalist "
    "output object applet param head meta link title base svg math canvas frameset frame "
    "noframes noembed dialog"
)
_HEADINGS = frozenset(f"h{n}" for n in range(1, 7))
_LISTS = frozenset(("ul", "ol"))
_MEDIA = frozenset(("img", "iframe", "video", "audio"))
_FORMATTING = {"strong": "strong", "b": "strong", "em": "em", "i": "em", "a": "link"}
# Elements that end the paragraph before them and start a new one after them.
_BLOCK_CONTAINERS = _tags(
    "p div section article main header footer aside nav center address pre dl dt dd details "
    "summary hgroup figcaption caption li tr td th thead tbody tfoot body html fieldset legend "
    "search menu"
)
# In inline-only contexts (a heading, a list item, a table cell) these become line breaks.
_BLOCK_LEVEL = _BLOCK_CONTAINERS | _HEADINGS | _LISTS | frozenset(("blockquote", "figure", "table", "hr"))

# Quotes and figures are the only recursive structures of the model; deeper ones are flattened.
_MAX_NESTING = 16

_WHITESPACE = re.compile(r"[ \t\n\r\f\v\xa0]+")


@dataclass(frozen=True, slots=True)
class _Context:
    base_url: str


# --- URLs -------------------------------------------------------------------------------------

_URL_TRIM = " \t\n\r\f\v\xa0"
_SAFE_URL_CHARS = "!#$%&'()*+,-./:;=?@[]_~"


def _safe_url(raw: str | None, base: str, *, mailto: bool = False) -> str | None:
    """An absolute http(s) URL (or mailto:), or None: `javascript:` and friends never pass.

    lxml has already decoded character references (`&#106;avascript:`), and urlsplit strips
    tabs and newlines the way browsers do, so the scheme seen here is the one a browser sees.
    """
    if raw is None:
        return None
    value = clean_text(raw).strip(_URL_TRIM)
    if not value:
        return None
    try:
        parts = urlsplit(urljoin(base, value))
    except ValueError:  # e.g. an unbalanced "[" in the host
        return None
    scheme, netloc = parts.scheme.lower(), parts.netloc
    if scheme in ("http", "https"):
        try:  # the one rule (core.urls): a real host, a port in range, no userinfo
            _, host, port, _ = http_parts(urlunsplit(parts))
        except InvalidUrl:
            return None
        # The host in ASCII: lxml's HTML serialiser percent-escapes non-ASCII in href and src,
        # which would turn "ü.example" into the non-host "%C3%BC.example".
        netloc = host if port is None else f"{host}:{port}"
    elif not (mailto and scheme == "mailto"):
        return None
    return urlunsplit(
        (
            scheme,
            netloc,
            quote(parts.path, safe=_SAFE_URL_CHARS),
            quote(parts.query, safe=_SAFE_URL_CHARS),
            quote(parts.fragment, safe=_SAFE_URL_CHARS),
        )
    )


def _dimension(value: str | None) -> int | None:
    """A width/height attribute as pixels; percentages and junk mean "unknown"."""
    match = re.fullmatch(r"\s*(\d{1,6})(?:\.\d*)?\s*(?:px)?\s*", value or "")
    number = int(match.group(1)) if match else 0
    return number or None


# --- inline content ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Frame:
    """An open Strong / Emphasis / Link (or the root) while its content is being collected."""

    kind: str  # "root", "strong", "em" or "link"
    href: str = ""
    children: list[str | LineBreak | _Frame] = field(default_factory=list)


class _InlineBuilder:
    """Collects inline content with HTML whitespace rules applied across element boundaries.

    Runs of white space collapse to one space even when they span elements ("a <b> b</b>"),
    and leading/trailing space and line breaks are trimmed when the content is taken.
    """

    def __init__(self) -> None:
        self._stack: list[_Frame] = [_Frame("root")]
        self._reset_flags()

    def _reset_flags(self) -> None:
        self._space_before = True  # leading white space is dropped at the start of content
        self._has_text = False
        self._last_text: tuple[list[str | LineBreak | _Frame], int] | None = None
        self._trailing_breaks: list[tuple[list[str | LineBreak | _Frame], int]] = []

    def text(self, raw: str) -> None:
        value = _WHITESPACE.sub(" ", clean_text(raw))
        if self._space_before:
            value = value.lstrip(" ")
        if not value:
            return
        children = self._stack[-1].children
        children.append(value)
        self._last_text = (children, len(children) - 1)
        self._space_before = value.endswith(" ")
        self._has_text = True
        self._trailing_breaks.clear()

    def line_break(self, *, soft: bool = False) -> None:
        """A <br> (hard) or a block boundary inside inline-only content (soft, never doubled)."""
        if not self._has_text or (soft and self._trailing_breaks):
            return
        self._trim_trailing_space()
        children = self._stack[-1].children
        children.append(LineBreak())
        self._trailing_breaks.append((children, len(children) - 1))
        self._space_before = True

    def open(self, kind: str, href: str = "") -> bool:
        """Open a wrapper; False (and nothing to close) when one of the kind is already open.

        Refusing to nest a kind inside itself keeps the model at most three wrappers deep
        whatever the HTML does (<b><b><b>..., <a> inside <a>).
        """
        if any(frame.kind == kind for frame in self._stack):
            return False
        frame = _Frame(kind, href)
        self._stack[-1].children.append(frame)
        self._stack.append(frame)
        return True

    def close(self) -> None:
        self._stack.pop()

    def take(self) -> tuple[Inline, ...]:
        """The content so far; wrappers still open continue, empty, in what comes next."""
        self._trim_trailing_space()
        for children, index in reversed(self._trailing_breaks):
            del children[index]
        result = _freeze(self._stack[0].children) if self._has_text else ()
        still_open = self._stack[1:]
        self._stack = [_Frame("root")]
        for frame in still_open:
            self.open(frame.kind, frame.href)
        self._reset_flags()
        return result

    def _trim_trailing_space(self) -> None:
        if self._last_text is not None and not self._trailing_breaks:
            children, index = self._last_text
            text = children[index]
            if isinstance(text, str):
                children[index] = text.rstrip(" ")
        self._space_before = True


def _freeze(children: Sequence[str | LineBreak | _Frame]) -> tuple[Inline, ...]:
    """Turn collected content into model nodes: merge adjacent text, unwrap blank wrappers."""
    out: list[Inline] = []
    for child in children:
        if isinstance(child, str):
            _append(out, Text(child))
        elif isinstance(child, LineBreak):
            out.append(child)
        else:
            inner = _freeze(child.children)
            if inline_text(inner).strip():
                out.append(_wrap(child, inner))
            else:  # "a<b> </b>b": the space stays, the bold around nothing goes
                for node in inner:
                    _append(out, node)
    return tuple(out)


def _append(out: list[Inline], node: Inline) -> None:
    if isinstance(node, Text) and out and isinstance(out[-1], Text):
        out[-1] = Text(out[-1].text + node.text)
    elif not isinstance(node, Text) or node.text:
        out.append(node)


def _wrap(frame: _Frame, children: tuple[Inline, ...]) -> Inline:
    if frame.kind == "strong":
        return Strong(children)
    if frame.kind == "em":
        return Emphasis(children)
    return Link(frame.href, children)


# --- the walk ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Then:
    """A step to run once an element's content has been walked (close a wrapper, end a paragraph)."""

    run: Callable[[], None]


_Item = str | HtmlElement | _Then
_Visit = Callable[[HtmlElement], list[_Item]]


def _tag(element: HtmlElement) -> str | None:
    tag = element.tag
    return tag.lower() if isinstance(tag, str) else None  # comments and PIs have no str tag


def _content(element: HtmlElement) -> list[_Item]:
    """An element's text and children in document order (each child followed by its tail)."""
    items: list[_Item] = []
    if element.text:
        items.append(element.text)
    for child in element:
        items.append(child)
        if child.tail:
            items.append(child.tail)
    return items


def _walk(root: HtmlElement, visit: _Visit, on_text: Callable[[str], None]) -> None:
    """Walk root's content without recursion; visit says what of an element to walk next."""
    _walk_items(_content(root), visit, on_text)


def _walk_items(items: list[_Item], visit: _Visit, on_text: Callable[[str], None]) -> None:
    stack = items[::-1]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            on_text(item)
        elif isinstance(item, _Then):
            item.run()
        else:
            stack.extend(reversed(visit(item)))


def _formatting(element: HtmlElement, tag: str, builder: _InlineBuilder, ctx: _Context) -> list[_Item]:
    kind = _FORMATTING[tag]
    href = ""
    if kind == "link":
        # A link to nowhere safe degrades to its text.
        href = _safe_url(element.get("href"), ctx.base_url, mailto=True) or ""
        if not href:
            return _content(element)
    if builder.open(kind, href):
        return [*_content(element), _Then(builder.close)]
    return _content(element)


def _visit_inline(
    element: HtmlElement,
    builder: _InlineBuilder,
    ctx: _Context,
    split: Callable[[], None] | None,
) -> list[_Item]:
    """Inline-only content: blocks inside become line breaks, media are left out."""
    tag = _tag(element)
    if tag is None or tag in _DROP or tag in _MEDIA:
        return []
    if tag == "br":
        builder.line_break()
        return []
    if tag in _FORMATTING:
        return _formatting(element, tag, builder, ctx)
    if split is not None and (tag == "li" or tag in _LISTS):
        split()
        return [*_content(element), _Then(split)]
    if tag in _BLOCK_LEVEL:
        soft_break = _Then(partial(builder.line_break, soft=True))
        return [soft_break, *_content(element), soft_break]
    return _content(element)


def _collect_inline(element: HtmlElement, ctx: _Context) -> tuple[Inline, ...]:
    builder = _InlineBuilder()
    _walk(element, partial(_visit_inline, builder=builder, ctx=ctx, split=None), builder.text)
    return builder.take()


def _plain(element: HtmlElement | None, ctx: _Context) -> str:
    if element is None:
        return ""
    return clean_line(inline_text(_collect_inline(element, ctx)))


# --- blocks -----------------------------------------------------------------------------------


class _BlockBuilder:
    """Turns an element's content into blocks; loose inline content becomes paragraphs."""

    def __init__(self, ctx: _Context, depth: int = 0, skip: Collection[HtmlElement] = ()) -> None:
        self.ctx = ctx
        self.depth = depth
        self.skip = skip
        self.blocks: list[Block] = []
        self.inline = _InlineBuilder()

    def build(self, root: HtmlElement) -> list[Block]:
        _walk(root, self._visit, self.inline.text)
        self._end_paragraph()
        return self.blocks

    def _end_paragraph(self) -> None:
        children = self.inline.take()
        if children:
            self.blocks.append(Paragraph(children))

    def _emit(self, blocks: Sequence[Block | None]) -> list[_Item]:
        self._end_paragraph()
        self.blocks.extend(block for block in blocks if block is not None)
        return []

    def _visit(self, element: HtmlElement) -> list[_Item]:
        tag = _tag(element)
        if tag is None or tag in _DROP or element in self.skip:
            return []
        structure = self._structure(element, tag)
        if structure is not None:
            return self._emit(structure)
        if tag == "br":
            self.inline.line_break()
            return []
        if tag == "hr":
            return self._emit(())
        if tag in _FORMATTING:
            return _formatting(element, tag, self.inline, self.ctx)
        if tag in _BLOCK_CONTAINERS:
            self._end_paragraph()
            return [*_content(element), _Then(self._end_paragraph)]
        return _content(element)  # span, font, u, unknown elements: transparent

    def _structure(self, element: HtmlElement, tag: str) -> Sequence[Block | None] | None:
        """The blocks of an element the model has a structure for; None for anything else."""
        ctx = self.ctx
        if tag in _HEADINGS:
            return [_heading(element, tag, ctx)]
        if tag in _LISTS:
            # A list of images (a gallery grid) would lose its images as a ListBlock, which
            # holds text only; walked as blocks, each item's images and text are kept.
            return None if _has_media(element) else [_list(element, ctx)]
        if tag == "table":
            return _table(element, ctx)
        if tag in _MEDIA:
            return [_media(element, tag, ctx)]
        nested_ok = self.depth < _MAX_NESTING
        if tag == "blockquote" and nested_ok:
            return _blockquote(element, ctx, self.depth)
        if tag == "figure" and nested_ok:
            return _figure(element, ctx, self.depth, _own_descendant(element, "figcaption", "figure"))
        classes = _classes(element)
        if tag in ("div", "dl") and classes & _CLASSIC_FIGURES and nested_ok:
            return _figure(element, ctx, self.depth, _classic_caption(element))
        if tag == "div" and classes & _FACEBOOK_SDK_CLASSES and (post := _facebook_sdk(element, ctx)):
            return [post]
        return None  # not a Facebook post after all: an ordinary div, its text kept


def _heading(element: HtmlElement, tag: str, ctx: _Context) -> Heading | None:
    children = _collect_inline(element, ctx)
    # The page title is the only h1, and deeper levels than h4 look alike everywhere.
    return Heading(min(max(int(tag[1]), 2), 4), children) if children else None


def _list(element: HtmlElement, ctx: _Context) -> ListBlock | None:
    """Nested lists are flattened: every item, at any depth, is one item of this list."""
    items: list[tuple[Inline, ...]] = []
    builder = _InlineBuilder()

    def end_item() -> None:
        children = builder.take()
        if children:
            items.append(children)

    _walk(element, partial(_visit_inline, builder=builder, ctx=ctx, split=end_item), builder.text)
    end_item()
    return ListBlock(ordered=_tag(element) == "ol", items=tuple(items)) if items else None


def _table_rows(table: HtmlElement) -> list[list[HtmlElement]]:
    """The cells of each row; cells standing outside any <tr> form rows of their own."""
    rows: list[list[HtmlElement]] = []
    loose: list[HtmlElement] = []
    groups = [table, *(child for child in table if _tag(child) in ("thead", "tbody", "tfoot"))]
    for group in groups:
        for child in group:
            tag = _tag(child)
            if tag in ("td", "th"):
                loose.append(child)
            elif tag == "tr":
                if loose:
                    rows.append(loose)
                    loose = []
                rows.append([cell for cell in child if _tag(cell) in ("td", "th")])
        if loose:
            rows.append(loose)
            loose = []
    return rows


_TABLE_PARTS = frozenset(("thead", "tbody", "tfoot", "tr", "td", "th", "caption", "colgroup", "col"))


def _stray_table_content(table: HtmlElement) -> list[_Item]:
    """Text and elements inside a table but outside its cells (libxml2 leaves them there)."""
    items: list[_Item] = []
    containers = [table]
    while containers:
        container = containers.pop(0)
        if container.text:
            items.append(container.text)
        for child in container:
            tag = _tag(child)
            if tag in ("thead", "tbody", "tfoot", "tr"):
                containers.append(child)
            elif tag not in _TABLE_PARTS:
                items.append(child)
            if child.tail:
                items.append(child.tail)
    return items


def _table(element: HtmlElement, ctx: _Context) -> list[Block | None]:
    """The table, after a paragraph of whatever stood between its cells (as browsers do)."""
    builder = _InlineBuilder()
    visit = partial(_visit_inline, builder=builder, ctx=ctx, split=None)
    _walk_items(_stray_table_content(element), visit, builder.text)
    stray = builder.take()
    return [Paragraph(stray) if stray else None, _table_cells(element, ctx)]


def _table_cells(element: HtmlElement, ctx: _Context) -> Table | None:
    rows: list[tuple[TableCell, ...]] = []
    for row in _table_rows(element):
        cells = tuple(TableCell(_tag(cell) == "th", _collect_inline(cell, ctx)) for cell in row)
        if cells:
            rows.append(cells)
    if not rows:
        return None
    return Table(rows=tuple(rows), caption=_plain(element.find("caption"), ctx))


def _own_descendant(element: HtmlElement, tag: str, boundary: str) -> HtmlElement | None:
    """The first `tag` inside element that does not belong to a nested `boundary` element."""
    for found in element.iterdescendants(tag):
        owner = next(found.iterancestors(boundary), None)
        if owner is None or owner is element:
            return found
    return None


def _blockquote(element: HtmlElement, ctx: _Context, depth: int) -> list[Block]:
    embed = _social_embed(element, ctx)
    if embed is not None:
        return [embed]
    cite_element = _own_descendant(element, "cite", "blockquote")
    cite = _plain(cite_element, ctx)
    skip = (cite_element,) if cite_element is not None else ()
    blocks = _BlockBuilder(ctx, depth + 1, skip).build(element)
    if not blocks and not cite:
        return []
    return [Quote(tuple(blocks), cite)]


# Pre-block-editor WordPress: [caption] makes div.wp-caption > img + p.wp-caption-text, and
# [gallery] makes dl.gallery-item > dt > img + dd.gallery-caption.
_CLASSIC_FIGURES = frozenset(("wp-caption", "gallery-item"))
_CLASSIC_CAPTIONS = frozenset(("wp-caption-text", "gallery-caption"))


def _has_media(element: HtmlElement) -> bool:
    return next(element.iterdescendants(*_MEDIA), None) is not None


def _classic_caption(element: HtmlElement) -> HtmlElement | None:
    return next((e for e in element.iterdescendants() if _classes(e) & _CLASSIC_CAPTIONS), None)


def _figure(
    element: HtmlElement, ctx: _Context, depth: int, caption_element: HtmlElement | None
) -> list[Block]:
    skip = (caption_element,) if caption_element is not None else ()
    blocks = _BlockBuilder(ctx, depth + 1, skip).build(element)
    caption = _collect_inline(caption_element, ctx) if caption_element is not None else ()
    return _attach_caption(blocks, caption)


_CAPTIONED = (Figure, Table, Embed, Video, Audio)


def _attach_caption(blocks: list[Block], caption: tuple[Inline, ...]) -> list[Block]:
    """The figcaption goes to the one image, table or medium it describes; else it stays as text.

    A gallery's caption describes all its images (each of which may have its own caption), so
    it becomes a paragraph after the gallery's figures (no text is lost).
    """
    text = clean_line(inline_text(caption))
    if not text:
        return blocks
    targets = [i for i, block in enumerate(blocks) if isinstance(block, _CAPTIONED)]
    if len(targets) == 1:
        target = blocks[targets[0]]
        if isinstance(target, _CAPTIONED) and not target.caption:
            blocks[targets[0]] = replace(target, caption=text)
            return blocks
    return [*blocks, Paragraph(caption)]


# --- media and embeds -------------------------------------------------------------------------


def _media(element: HtmlElement, tag: str, ctx: _Context) -> Block | None:
    if tag == "img":
        return _image(element, ctx)
    if tag == "iframe":
        return _iframe(element, ctx)
    if tag == "video":
        return _video(element, ctx)
    return _audio(element, ctx)


def _image(element: HtmlElement, ctx: _Context) -> Figure | None:
    raw = element.get("src")
    if not raw or raw.strip().lower().startswith("data:"):
        # Lazy-loading plugins keep the real URL in a data attribute behind a placeholder.
        raw = element.get("data-src") or element.get("data-lazy-src") or element.get("data-original")
    src = _largest_candidate(element, ctx) or _safe_url(raw, ctx.base_url)
    if src is None:
        return None
    image = Image(
        src=src,
        alt=clean_line(element.get("alt") or ""),
        # The img's own size gives the aspect ratio, whichever candidate is chosen.
        width=_dimension(element.get("width")),
        height=_dimension(element.get("height")),
    )
    return Figure(image, link=_image_link(element, ctx))


def _srcset(value: str) -> list[tuple[str, str]]:
    """(URL, descriptor) pairs of a srcset, split the way the HTML spec does.

    URLs may hold commas (image CDNs write "w_400,h_300"), so a candidate's URL runs to the
    next white space, and only a comma after it (or at its very end) separates candidates.
    """
    found: list[tuple[str, str]] = []
    position, length = 0, len(value)
    while position < length:
        while position < length and (value[position].isspace() or value[position] == ","):
            position += 1
        start = position
        while position < length and not value[position].isspace():
            position += 1
        url = value[start:position]
        if not url:
            break
        descriptor = ""
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            comma = value.find(",", position)
            end = length if comma < 0 else comma
            descriptor = value[position:end].strip().lower()
            position = end + 1
        found.append((url, descriptor))
    return found


_DESCRIPTOR = re.compile(r"(\d+(?:\.\d+)?)([wx])")


def _largest_candidate(img: HtmlElement, ctx: _Context) -> str | None:
    """The widest candidate of the img's srcset and its <picture>'s sources, if any has one.

    Width descriptors ("1600w") are compared with each other; density descriptors ("2x") are
    used only where no width is given. AMP scales the image down; a small one would blur.
    """
    elements = [img]
    # libxml2 does not know <source> is empty and nests what follows inside it, so the img
    # may sit in a source, itself in the picture.
    picture = next((a for a in img.iterancestors() if _tag(a) != "source"), None)
    if picture is not None and _tag(picture) == "picture":
        elements += list(picture.iterdescendants("source"))
    best: dict[str, tuple[float, str]] = {}
    for element in elements:
        srcset = element.get("srcset") or element.get("data-srcset") or ""
        for raw, descriptor in _srcset(srcset):
            match = _DESCRIPTOR.fullmatch(descriptor) if descriptor else None
            size, unit = (float(match.group(1)), match.group(2)) if match else (1.0, "x")
            url = _safe_url(raw, ctx.base_url)
            if url is not None and (unit not in best or size > best[unit][0]):
                best[unit] = (size, url)
    chosen = best.get("w") or best.get("x")
    return chosen[1] if chosen else None


def _image_link(img: HtmlElement, ctx: _Context) -> str:
    """The href of a link that wraps just this image (a few levels up), else ""."""
    node = img
    for _ in range(3):
        parent = node.getparent()
        if parent is None or _tag(parent) in _BLOCK_LEVEL:
            return ""
        node = parent
        if _tag(node) == "a":
            if (node.text_content() or "").strip() or len(list(node.iterdescendants("img"))) > 1:
                return ""  # the link has words or other images of its own: it is not the image's
            return _safe_url(node.get("href"), ctx.base_url) or ""
    return ""


def _media_src(element: HtmlElement, ctx: _Context) -> str | None:
    src = _safe_url(element.get("src"), ctx.base_url)
    for source in element.iterdescendants("source"):
        if src is not None:
            break
        src = _safe_url(source.get("src"), ctx.base_url)
    return src


def _video(element: HtmlElement, ctx: _Context) -> Video | None:
    src = _media_src(element, ctx)
    if src is None:
        return None
    return Video(
        src=src,
        poster=_safe_url(element.get("poster"), ctx.base_url) or "",
        width=_dimension(element.get("width")),
        height=_dimension(element.get("height")),
    )


def _audio(element: HtmlElement, ctx: _Context) -> Audio | None:
    src = _media_src(element, ctx)
    return Audio(src) if src is not None else None


_YOUTUBE_HOSTS = frozenset(("youtube.com", "youtube-nocookie.com"))
_YOUTUBE_EMBED = re.compile(r"/embed/([A-Za-z0-9_-]{6,})/?")
_YOUTU_BE = re.compile(r"/([A-Za-z0-9_-]{6,})/?")
_VIMEO_PLAYER = re.compile(r"/video/(\d+)/?")
_TIKTOK_PLAYER = re.compile(r"/(?:embed(?:/v\d+)?|player/v\d+)/(\d+)")
_INSTAGRAM_POST = re.compile(r"/(p|reel|tv)/([A-Za-z0-9_-]+)")
_TWEET = re.compile(r"/([A-Za-z0-9_]+)/status(?:es)?/(\d+)")
_TWITTER_HOSTS = frozenset(("twitter.com", "x.com", "mobile.twitter.com"))


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.").removeprefix("m.")


def _iframe(element: HtmlElement, ctx: _Context) -> Embed | None:
    src = _safe_url(element.get("src") or element.get("data-src"), ctx.base_url)
    if src is None:
        return None
    embed = _provider_embed(src) or Embed("iframe", src)
    return replace(
        embed,
        title=clean_line(element.get("title") or ""),
        width=_dimension(element.get("width")),
        height=_dimension(element.get("height")),
    )


def _provider_embed(src: str) -> Embed | None:
    """Recognise the players of the big platforms; None means a generic iframe."""
    host, parts = _host(src), urlsplit(src)
    path = parts.path
    if host in _YOUTUBE_HOSTS and (match := _YOUTUBE_EMBED.fullmatch(path)):
        return _youtube(match.group(1))
    if host == "youtu.be" and (match := _YOUTU_BE.fullmatch(path)):
        return _youtube(match.group(1))
    if host == "player.vimeo.com" and (match := _VIMEO_PLAYER.fullmatch(path)):
        return Embed("vimeo", f"https://vimeo.com/{match.group(1)}", match.group(1))
    if host.endswith("facebook.com") and path.startswith("/plugins/"):
        href = _safe_url(parse_qs(parts.query).get("href", [""])[0], src)
        return Embed("facebook", href, _facebook_id(href)) if href else None
    if host.endswith("tiktok.com") and (match := _TIKTOK_PLAYER.match(path)):
        return Embed("tiktok", src, match.group(1))
    if host == "platform.twitter.com" and (tweet_id := parse_qs(parts.query).get("id", [""])[0]).isdigit():
        return Embed("twitter", f"https://twitter.com/i/status/{tweet_id}", tweet_id)
    if host == "instagram.com" and (match := _INSTAGRAM_POST.match(path)):
        kind, code = match.groups()
        return Embed("instagram", f"https://www.instagram.com/{kind}/{code}/", code)
    return None


_FACEBOOK_PATH_ID = re.compile(r"/(?:posts|videos|photos/[^/]+|reel|permalink)/(?:[^/]+/)?(\d+)/?")
_FACEBOOK_QUERY_IDS = ("story_fbid", "fbid", "v")
_FACEBOOK_SDK_CLASSES = frozenset(("fb-post", "fb-video"))


def _facebook_id(url: str) -> str:
    """The numeric id of a Facebook post, video or photo URL; "" when it has none."""
    parts = urlsplit(url)
    if match := _FACEBOOK_PATH_ID.search(parts.path):
        return match.group(1)
    query = parse_qs(parts.query)
    for key in _FACEBOOK_QUERY_IDS:
        value = query.get(key, [""])[0]
        if value.isascii() and value.isdigit():
            return value
    return ""


def _facebook_sdk(element: HtmlElement, ctx: _Context) -> Embed | None:
    """div.fb-post / div.fb-video of Facebook's JS SDK; its inner text is the post's preview."""
    href = _safe_url(element.get("data-href"), ctx.base_url)
    if href is None or not _host(href).endswith("facebook.com"):
        return None
    return Embed("facebook", href, _facebook_id(href), _plain(element, ctx))


def _youtube(video_id: str) -> Embed:
    return Embed("youtube", f"https://www.youtube.com/watch?v={video_id}", video_id)


def _classes(element: HtmlElement) -> set[str]:
    return set((element.get("class") or "").split())


def _social_embed(blockquote: HtmlElement, ctx: _Context) -> Embed | None:
    """A tweet, Instagram post or TikTok blockquote whose script we drop; None for a real quote."""
    classes = _classes(blockquote)
    if classes & {"twitter-tweet", "twitter-video"}:
        return _tweet(blockquote, ctx)
    if "instagram-media" in classes:
        return _instagram(blockquote, ctx)
    if "tiktok-embed" in classes:
        return _tiktok(blockquote, ctx)
    return None


def _links(element: HtmlElement, ctx: _Context) -> list[str]:
    found = (_safe_url(a.get("href"), ctx.base_url) for a in element.iterdescendants("a"))
    return [href for href in found if href]


def _tweet(blockquote: HtmlElement, ctx: _Context) -> Embed | None:
    # The tweet's own status link is the date link at the end; links in its text come first.
    for href in reversed(_links(blockquote, ctx)):
        match = _TWEET.match(urlsplit(href).path)
        if _host(href) in _TWITTER_HOSTS and match:
            user, tweet_id = match.groups()
            host = urlsplit(href).hostname
            return Embed(
                "twitter", f"https://{host}/{user}/status/{tweet_id}", tweet_id, _plain(blockquote, ctx)
            )
    return None


def _instagram(blockquote: HtmlElement, ctx: _Context) -> Embed | None:
    permalink = _safe_url(blockquote.get("data-instgrm-permalink"), ctx.base_url)
    candidates = ([permalink] if permalink else []) + _links(blockquote, ctx)
    for href in candidates:
        match = _INSTAGRAM_POST.match(urlsplit(href).path)
        if _host(href) == "instagram.com" and match:
            kind, code = match.groups()
            # The visible text of the embed markup is in its paragraphs ("A post shared by ...").
            title = clean_line(" ".join(_plain(p, ctx) for p in blockquote.iterdescendants("p")))
            return Embed("instagram", f"https://www.instagram.com/{kind}/{code}/", code, title)
    return None


def _tiktok(blockquote: HtmlElement, ctx: _Context) -> Embed | None:
    url = _safe_url(blockquote.get("cite"), ctx.base_url)
    if url is None or not _host(url).endswith("tiktok.com"):
        return None
    video_id = blockquote.get("data-video-id") or ""
    return Embed("tiktok", url, video_id if video_id.isdigit() else "", _plain(blockquote, ctx))


# --- parsing ----------------------------------------------------------------------------------

_PARSER = lxml.html.HTMLParser(
    encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True, no_network=True
)

# Two things make libxml2 silently lose text, so the tags that cause them are removed before
# parsing (the text stays, only tags go):
# * nesting deeper than its limit (256 elements, or about 2,048 with huge_tree) ends the parse
#   there: start and end tags beyond _MAX_DEPTH open elements are removed;
# * everything after </html> is discarded: </html> and </body> are removed.
_MAX_DEPTH = 256
# Only the void elements libxml2 knows are empty; it nests what follows embed, source, track
# and wbr inside them, so those count towards the depth.
_VOID = _tags("area base br col hr img input link meta param")
# Elements whose end tag is optional: counting them would make the depth of ordinary documents
# (<p>one<p>two) look ever-growing.
_IMPLIED_END = _tags(
    "p li dt dd tr td th thead tbody tfoot option optgroup colgroup caption rb rt rp rtc html head body"
)
_DOCUMENT_END = _tags("html body")
# Removing these would let content escape from an element that is dropped with its content.
_NO_UNWRAP = _DROP | _MEDIA
_TAG_OPEN = re.compile(r"<(?:(!--)|(/?)([A-Za-z][A-Za-z0-9:-]*))")
_RAW_TEXT_END = {tag: re.compile(rf"</{tag}\s*>", re.IGNORECASE) for tag in ("script", "style")}


class _TagCutter:
    """Finds the tags to remove; tracks open elements roughly the way libxml2 does."""

    def __init__(self) -> None:
        self.open_tags: list[tuple[str, bool]] = []  # (tag, removed)
        self.counts: dict[str, int] = {}
        self.kept_depth = 0
        self.cuts: list[tuple[int, int]] = []

    def tag(self, tag: str, is_end: bool, span: tuple[int, int], self_closing: bool) -> None:
        if is_end and tag in _DOCUMENT_END:
            self.cuts.append(span)
        elif tag in _VOID or tag in _IMPLIED_END or self_closing:
            return
        elif is_end:
            self._end(tag, span)
        else:
            self._start(tag, span)

    def _start(self, tag: str, span: tuple[int, int]) -> None:
        removed = self.kept_depth >= _MAX_DEPTH and tag not in _NO_UNWRAP
        self.open_tags.append((tag, removed))
        self.counts[tag] = self.counts.get(tag, 0) + 1
        self.kept_depth += not removed
        if removed:
            self.cuts.append(span)

    def _end(self, tag: str, span: tuple[int, int]) -> None:
        """An end tag closes the nearest open element of its name and everything inside it."""
        if not self.counts.get(tag):
            return  # a stray end tag: libxml2 ignores it too
        while self.open_tags:
            open_tag, removed = self.open_tags.pop()
            self.counts[open_tag] -= 1
            self.kept_depth -= not removed
            if open_tag == tag:
                if removed:
                    self.cuts.append(span)
                return


def _scan_tags(html: str, cutter: _TagCutter) -> None:
    """Feed every tag to the cutter, skipping comments and script/style content, in linear time.

    A tag ends at the next ">" (a ">" inside a quoted attribute value ends it early; this only
    makes the depth count rougher). The position of the next ">" is remembered, so junk such as
    thousands of "<a href=x" without any ">" is not scanned again and again.
    """
    position, next_gt = 0, -1
    while match := _TAG_OPEN.search(html, position):
        if match.group(1):  # a comment runs to "-->" or to the end
            close = html.find("-->", match.end())
            position = len(html) if close < 0 else close + 3
            continue
        if next_gt < match.end():
            next_gt = html.find(">", match.end())
            if next_gt < 0:
                return
        tag, is_end = match.group(3).lower(), bool(match.group(2))
        position = next_gt + 1
        if tag in _RAW_TEXT_END and not is_end:  # self-contained: its content holds no tags
            raw_end = _RAW_TEXT_END[tag].search(html, position)
            position = len(html) if raw_end is None else raw_end.end()
        else:
            cutter.tag(tag, is_end, (match.start(), position), html[next_gt - 1] == "/")


def _defuse(html: str) -> str:
    cutter = _TagCutter()
    _scan_tags(html, cutter)
    if not cutter.cuts:
        return html
    pieces, position = [], 0
    for start, end in cutter.cuts:
        pieces.append(html[position:start])
        position = end
    pieces.append(html[position:])
    return "".join(pieces)


# WordPress's classic editor stores text, not HTML: blank lines part paragraphs and a single line
# break is a <br> (wpautop, wp-includes/formatting.php). A chunk that begins with a block tag is
# HTML already and is left as it is; <pre> keeps its line breaks.
_AUTOP_BLOCK = re.compile(
    r"\s*</?(?:p|div|figure|figcaption|ul|ol|li|dl|dt|dd|table|thead|tbody|tfoot|tr|td|th|caption|"
    r"blockquote|h[1-6]|pre|hr|section|article|aside|header|footer|nav|main|iframe|video|audio|"
    r"object|embed|form|fieldset|address|details|summary|math|svg|style|script|noscript)\b|\s*<!--",
    re.IGNORECASE,
)
_PRE = re.compile(r"(<pre\b.*?</pre\s*>)", re.IGNORECASE | re.DOTALL)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def autop(html: str) -> str:
    """Plain-text paragraphs (blank-line separated) as <p>, single line breaks as <br>."""
    if "\n" not in html:
        return html
    out: list[str] = []
    for number, part in enumerate(_PRE.split(html)):
        if number % 2:  # a <pre> block, as it is
            out.append(part)
            continue
        for chunk in _BLANK_LINE.split(part):
            if not chunk.strip():
                continue
            if _AUTOP_BLOCK.match(chunk):
                out.append(chunk)
            else:
                out.append("<p>" + chunk.strip().replace("\n", "<br>\n") + "</p>")
    return "\n".join(out)


def _parse_page(html: str) -> HtmlElement | None:
    # Characters XML cannot hold are dropped before parsing: lone surrogates cannot even be
    # encoded for libxml2, and control characters would otherwise reach the model.
    data = _defuse(autop(expand_shortcodes(clean_text(html)))).encode("utf-8")
    if not data.strip():
        return None
    try:
        root = etree.fromstring(data, _PARSER)
    except (etree.LxmlError, ValueError):
        return None
    return root if isinstance(root, HtmlElement) else None


def parse_body(pages: Sequence[str], article_url: str) -> Body:
    """Every page's blocks in order, with a PageBreak where page 2, 3, ... begins."""
    ctx = _Context(base_url=article_url)
    blocks: list[Block] = []
    for number, page in enumerate(pages, start=1):
        if number > 1:
            blocks.append(PageBreak(number))
        root = _parse_page(page)
        if root is not None:
            blocks.extend(_BlockBuilder(ctx).build(root))
    return tuple(blocks)
