"""Blocks: paragraphs, headings, lists, tables, quotes and figures, with captions attached."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from functools import partial

from lxml.html import HtmlElement

from warta.core.body.elements import (
    BLOCK_CONTAINERS,
    DROP,
    FORMATTING,
    HEADINGS,
    LISTS,
    MEDIA,
    Context,
    Item,
    Then,
    class_names,
    content_items,
    tag_of,
    walk,
    walk_items,
)
from warta.core.body.embeds import FACEBOOK_SDK_CLASSES, facebook_sdk, social_embed
from warta.core.body.inline import InlineBuilder, collect_inline, formatting, plain, visit_inline
from warta.core.body.media import media_block
from warta.core.body.model import (
    Audio,
    Block,
    Embed,
    Figure,
    Heading,
    Inline,
    ListBlock,
    Paragraph,
    Quote,
    Table,
    TableCell,
    Video,
    inline_text,
)
from warta.core.text import clean_line

# Quotes and figures are the only recursive structures of the model; deeper ones are flattened.
_MAX_NESTING = 16


class BlockBuilder:
    """Turns an element's content into blocks; loose inline content becomes paragraphs."""

    def __init__(self, ctx: Context, depth: int = 0, skip: Collection[HtmlElement] = ()) -> None:
        self.ctx = ctx
        self.depth = depth
        self.skip = skip
        self.blocks: list[Block] = []
        self.inline = InlineBuilder()

    def build(self, root: HtmlElement) -> list[Block]:
        walk(root, self._visit, self.inline.text)
        self._end_paragraph()
        return self.blocks

    def _end_paragraph(self) -> None:
        children = self.inline.take()
        if children:
            self.blocks.append(Paragraph(children))

    def _emit(self, blocks: Sequence[Block | None]) -> list[Item]:
        self._end_paragraph()
        self.blocks.extend(block for block in blocks if block is not None)
        return []

    def _visit(self, element: HtmlElement) -> list[Item]:
        tag = tag_of(element)
        if tag is None or tag in DROP or element in self.skip:
            return []
        structure = self._structure(element, tag)
        if structure is not None:
            return self._emit(structure)
        if tag == "br":
            self.inline.line_break()
            return []
        if tag == "hr":
            return self._emit(())
        if tag in FORMATTING:
            return formatting(element, tag, self.inline, self.ctx)
        if tag in BLOCK_CONTAINERS:
            self._end_paragraph()
            return [*content_items(element), Then(self._end_paragraph)]
        return content_items(element)  # span, font, u, unknown elements: transparent

    def _structure(self, element: HtmlElement, tag: str) -> Sequence[Block | None] | None:
        """The blocks of an element the model has a structure for; None for anything else."""
        ctx = self.ctx
        if tag in HEADINGS:
            return [_heading(element, tag, ctx)]
        if tag in LISTS:
            # A list of images (a gallery grid) would lose its images as a ListBlock, which
            # holds text only; walked as blocks, each item's images and text are kept.
            return None if _has_media(element) else [_list(element, ctx)]
        if tag == "table":
            return _table(element, ctx)
        if tag in MEDIA:
            return [media_block(element, tag, ctx)]
        nested_ok = self.depth < _MAX_NESTING
        if tag == "blockquote" and nested_ok:
            return _blockquote(element, ctx, self.depth)
        if tag == "figure" and nested_ok:
            return _figure(element, ctx, self.depth, _own_descendant(element, "figcaption", "figure"))
        classes = class_names(element)
        if tag in ("div", "dl") and classes & _CLASSIC_FIGURES and nested_ok:
            return _figure(element, ctx, self.depth, _classic_caption(element))
        if tag == "div" and classes & FACEBOOK_SDK_CLASSES and (post := facebook_sdk(element, ctx)):
            return [post]
        return None  # not a Facebook post after all: an ordinary div, its text kept


def _heading(element: HtmlElement, tag: str, ctx: Context) -> Heading | None:
    children = collect_inline(element, ctx)
    # The page title is the only h1, and deeper levels than h4 look alike everywhere.
    return Heading(min(max(int(tag[1]), 2), 4), children) if children else None


def _list(element: HtmlElement, ctx: Context) -> ListBlock | None:
    """Nested lists are flattened: every item, at any depth, is one item of this list."""
    items: list[tuple[Inline, ...]] = []
    builder = InlineBuilder()

    def end_item() -> None:
        children = builder.take()
        if children:
            items.append(children)

    walk(element, partial(visit_inline, builder=builder, ctx=ctx, split=end_item), builder.text)
    end_item()
    return ListBlock(ordered=tag_of(element) == "ol", items=tuple(items)) if items else None


def _table_rows(table: HtmlElement) -> list[list[HtmlElement]]:
    """The cells of each row; cells standing outside any <tr> form rows of their own."""
    rows: list[list[HtmlElement]] = []
    loose: list[HtmlElement] = []
    groups = [table, *(child for child in table if tag_of(child) in ("thead", "tbody", "tfoot"))]
    for group in groups:
        for child in group:
            tag = tag_of(child)
            if tag in ("td", "th"):
                loose.append(child)
            elif tag == "tr":
                if loose:
                    rows.append(loose)
                    loose = []
                rows.append([cell for cell in child if tag_of(cell) in ("td", "th")])
        if loose:
            rows.append(loose)
            loose = []
    return rows


_TABLE_PARTS = frozenset(("thead", "tbody", "tfoot", "tr", "td", "th", "caption", "colgroup", "col"))


def _stray_table_content(table: HtmlElement) -> list[Item]:
    """Text and elements inside a table but outside its cells (libxml2 leaves them there)."""
    items: list[Item] = []
    containers = [table]
    while containers:
        container = containers.pop(0)
        if container.text:
            items.append(container.text)
        for child in container:
            tag = tag_of(child)
            if tag in ("thead", "tbody", "tfoot", "tr"):
                containers.append(child)
            elif tag not in _TABLE_PARTS:
                items.append(child)
            if child.tail:
                items.append(child.tail)
    return items


def _table(element: HtmlElement, ctx: Context) -> list[Block | None]:
    """The table, after a paragraph of whatever stood between its cells (as browsers do)."""
    builder = InlineBuilder()
    visit = partial(visit_inline, builder=builder, ctx=ctx, split=None)
    walk_items(_stray_table_content(element), visit, builder.text)
    stray = builder.take()
    return [Paragraph(stray) if stray else None, _table_cells(element, ctx)]


def _table_cells(element: HtmlElement, ctx: Context) -> Table | None:
    rows: list[tuple[TableCell, ...]] = []
    for row in _table_rows(element):
        cells = tuple(TableCell(tag_of(cell) == "th", collect_inline(cell, ctx)) for cell in row)
        if cells:
            rows.append(cells)
    if not rows:
        return None
    return Table(rows=tuple(rows), caption=plain(element.find("caption"), ctx))


def _own_descendant(element: HtmlElement, tag: str, boundary: str) -> HtmlElement | None:
    """The first `tag` inside element that does not belong to a nested `boundary` element."""
    for found in element.iterdescendants(tag):
        owner = next(found.iterancestors(boundary), None)
        if owner is None or owner is element:
            return found
    return None


def _blockquote(element: HtmlElement, ctx: Context, depth: int) -> list[Block]:
    embed = social_embed(element, ctx)
    if embed is not None:
        return [embed]
    cite_element = _own_descendant(element, "cite", "blockquote")
    cite = plain(cite_element, ctx)
    skip = (cite_element,) if cite_element is not None else ()
    blocks = BlockBuilder(ctx, depth + 1, skip).build(element)
    if not blocks and not cite:
        return []
    return [Quote(tuple(blocks), cite)]


# Pre-block-editor WordPress: [caption] makes div.wp-caption > img + p.wp-caption-text, and
# [gallery] makes dl.gallery-item > dt > img + dd.gallery-caption.
_CLASSIC_FIGURES = frozenset(("wp-caption", "gallery-item"))
_CLASSIC_CAPTIONS = frozenset(("wp-caption-text", "gallery-caption"))


def _has_media(element: HtmlElement) -> bool:
    return next(element.iterdescendants(*MEDIA), None) is not None


def _classic_caption(element: HtmlElement) -> HtmlElement | None:
    return next((e for e in element.iterdescendants() if class_names(e) & _CLASSIC_CAPTIONS), None)


def _figure(
    element: HtmlElement, ctx: Context, depth: int, caption_element: HtmlElement | None
) -> list[Block]:
    skip = (caption_element,) if caption_element is not None else ()
    blocks = BlockBuilder(ctx, depth + 1, skip).build(element)
    caption = collect_inline(caption_element, ctx) if caption_element is not None else ()
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
