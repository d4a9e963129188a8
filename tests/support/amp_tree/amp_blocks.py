"""The AMP page's body: inline content, blocks, and the ad slots between paragraphs."""

from __future__ import annotations

from lxml import etree

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
from warta.core.config import AmpAds
from warta.core.text import clean_text

from support.amp_tree.amp_media import render_audio, render_embed, render_figure, render_video
from support.amp_tree.amp_nodes import Page, append_text, el, safe_href

# --- inline content ---------------------------------------------------------------------------


def _inlines(parent: etree._Element, children: tuple[Inline, ...]) -> None:
    for node in children:
        if isinstance(node, Text):
            append_text(parent, node.text)
        elif isinstance(node, LineBreak):
            el(parent, "br")
        elif isinstance(node, Strong):
            _inlines(el(parent, "strong"), node.children)
        elif isinstance(node, Emphasis):
            _inlines(el(parent, "em"), node.children)
        elif isinstance(node, Link):
            href = safe_href(node.href)
            # An unsafe link keeps its words but loses the link.
            _inlines(el(parent, "a", href=href) if href else parent, node.children)


# --- blocks -----------------------------------------------------------------------------------


def _blocks(parent: etree._Element, blocks: Body, page: Page) -> None:
    for block in blocks:
        render_block(parent, block, page)


def render_block(parent: etree._Element, block: Block, page: Page) -> None:
    if isinstance(block, Paragraph):
        _inlines(el(parent, "p"), block.children)
    elif isinstance(block, Heading):
        level = min(max(block.level, 2), 4)  # the page title is the only h1
        _inlines(el(parent, f"h{level}"), block.children)
    elif isinstance(block, ListBlock):
        lst = el(parent, "ol" if block.ordered else "ul")
        for item in block.items:
            _inlines(el(lst, "li"), item)
    elif isinstance(block, Quote):
        quote = el(parent, "blockquote")
        _blocks(quote, block.blocks, page)
        if block.cite:
            el(quote, "cite", block.cite)
    elif isinstance(block, Table):
        wrap = el(parent, "div", class_="table")
        table = el(wrap, "table")
        if block.caption:
            el(table, "caption", block.caption)
        tbody = el(table, "tbody")
        for row in block.rows:
            tr = el(tbody, "tr")
            for cell in row:
                _inlines(el(tr, "th" if cell.header else "td"), cell.children)
    elif isinstance(block, Figure):
        render_figure(parent, block.image, block.caption, block.credit, page, link=block.link)
    elif isinstance(block, Embed):
        render_embed(parent, block, page)
    elif isinstance(block, Video):
        render_video(parent, block, page)
    elif isinstance(block, Audio):
        render_audio(parent, block, page)
    elif isinstance(block, RelatedLinks):
        links = [(link, safe_href(link.href)) for link in block.links]
        links = [(link, href) for link, href in links if href]
        if links:
            aside = el(parent, "aside", class_="related")
            el(aside, "h2", page.labels["related"])
            ul = el(aside, "ul")
            for link, href in links:
                _inlines(el(el(ul, "li"), "a", href=href or ""), link.children)
    elif isinstance(block, PageBreak):
        # The AMP page joins every CMS page into one; the break leaves no mark.
        pass


def render_body(parent: etree._Element, blocks: Body, ads: AmpAds | None, page: Page) -> None:
    """The body, with an ad slot after each configured top-level paragraph that exists."""
    if ads is None:
        _blocks(parent, blocks, page)
        return
    paragraphs = 0
    for block in blocks:
        render_block(parent, block, page)
        if isinstance(block, Paragraph):
            paragraphs += 1
            if paragraphs in ads.after_paragraphs:
                _ad(parent, ads, page)


def _ad(parent: etree._Element, ads: AmpAds, page: Page) -> None:
    box = el(parent, "aside", class_="ad")
    el(box, "span", page.labels["ad"], class_="ad-label")
    node = el(box, "amp-ad", type=ads.type, layout="fixed", width=str(ads.width), height=str(ads.height))
    for name, value in sorted((ads.data or {}).items()):
        node.set(f"data-{name}", clean_text(value))
    # Shown while the ad loads, and where none is served, so the slot never looks broken.
    el(node, "div", page.labels["ad"], placeholder="", class_="placeholder")
    el(node, "div", "", fallback="")
    page.components.add("amp-ad")
