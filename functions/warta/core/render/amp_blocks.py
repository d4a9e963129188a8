"""The AMP page's body: inline content, blocks, and the ad slots between paragraphs."""

from __future__ import annotations

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
from warta.core.render.amp_media import render_audio, render_embed, render_figure, render_video
from warta.core.render.amp_nodes import Out, Page, attr, element, safe_href, start_tag, text

# --- inline content ---------------------------------------------------------------------------


def _inlines(out: Out, children: tuple[Inline, ...]) -> None:
    for node in children:
        if isinstance(node, Text):
            out.append(text(node.text))
        elif isinstance(node, LineBreak):
            out.append("<br>")
        elif isinstance(node, Strong):
            out.append("<strong>")
            _inlines(out, node.children)
            out.append("</strong>")
        elif isinstance(node, Emphasis):
            out.append("<em>")
            _inlines(out, node.children)
            out.append("</em>")
        elif isinstance(node, Link):
            href = safe_href(node.href)
            # An unsafe link keeps its words but loses the link.
            if href:
                out.append(start_tag("a", attr("href", href)))
            _inlines(out, node.children)
            if href:
                out.append("</a>")


def _makes_node(children: tuple[Inline, ...]) -> bool:
    """Whether inline content puts any node in its parent (even an empty text node)."""
    for node in children:
        if isinstance(node, Text):
            made = bool(node.text)
        elif isinstance(node, Link):
            made = safe_href(node.href) is not None or _makes_node(node.children)
        else:
            made = isinstance(node, LineBreak | Strong | Emphasis)
        if made:
            return True
    return False


def _wrapped(out: Out, tag: str, children: tuple[Inline, ...]) -> None:
    out.append(f"<{tag}>")
    _inlines(out, children)
    out.append(f"</{tag}>")


# --- blocks -----------------------------------------------------------------------------------


def _blocks(out: Out, blocks: Body, page: Page) -> None:
    for block in blocks:
        render_block(out, block, page)


def render_block(out: Out, block: Block, page: Page) -> None:
    if isinstance(block, Paragraph):
        _wrapped(out, "p", block.children)
    elif isinstance(block, Heading):
        level = min(max(block.level, 2), 4)  # the page title is the only h1
        _wrapped(out, f"h{level}", block.children)
    elif isinstance(block, ListBlock):
        tag = "ol" if block.ordered else "ul"
        out.append(f"<{tag}>")
        for item in block.items:
            if _makes_node(item):
                _wrapped(out, "li", item)
            else:
                out.append(element("li"))  # an item with nothing in it has no end tag
        out.append(f"</{tag}>")
    elif isinstance(block, Quote):
        out.append("<blockquote>")
        _blocks(out, block.blocks, page)
        if block.cite:
            out.append(element("cite", block.cite))
        out.append("</blockquote>")
    elif isinstance(block, Table):
        out.append('<div class="table"><table>')
        if block.caption:
            out.append(element("caption", block.caption))
        out.append("<tbody>")
        for row in block.rows:
            out.append("<tr>")
            for cell in row:
                _wrapped(out, "th" if cell.header else "td", cell.children)
            out.append("</tr>")
        out.append("</tbody></table></div>")
    elif isinstance(block, Figure):
        render_figure(out, block.image, block.caption, block.credit, page, link=block.link)
    elif isinstance(block, Embed):
        render_embed(out, block, page)
    elif isinstance(block, Video):
        render_video(out, block, page)
    elif isinstance(block, Audio):
        render_audio(out, block, page)
    elif isinstance(block, RelatedLinks):
        links = [(link, safe_href(link.href)) for link in block.links]
        links = [(link, href) for link, href in links if href]
        if links:
            out.append(f'<aside class="related">{element("h2", page.labels["related"])}<ul>')
            for link, href in links:
                out.append(f"<li>{start_tag('a', attr('href', href or ''))}")
                _inlines(out, link.children)
                out.append("</a></li>")
            out.append("</ul></aside>")
    elif isinstance(block, PageBreak):
        # The AMP page joins every CMS page into one; the break leaves no mark.
        pass


def render_body(out: Out, blocks: Body, ads: AmpAds | None, page: Page) -> None:
    """The body, with an ad slot after each configured top-level paragraph that exists."""
    if ads is None:
        _blocks(out, blocks, page)
        return
    paragraphs = 0
    for block in blocks:
        render_block(out, block, page)
        if isinstance(block, Paragraph):
            paragraphs += 1
            if paragraphs in ads.after_paragraphs:
                _ad(out, ads, page)


def _ad(out: Out, ads: AmpAds, page: Page) -> None:
    label = page.labels["ad"]
    attrs = [attr("type", ads.type), ' layout="fixed"', attr("width", str(ads.width))]
    attrs.append(attr("height", str(ads.height)))
    attrs += [attr(f"data-{name}", value) for name, value in sorted((ads.data or {}).items())]
    slot = start_tag("amp-ad", *attrs)
    out.append('<aside class="ad">' + element("span", label, ' class="ad-label"') + slot)
    # Shown while the ad loads, and where none is served, so the slot never looks broken.
    out.append(element("div", label, ' placeholder=""', ' class="placeholder"'))
    out.append('<div fallback=""></div></amp-ad></aside>')
    page.components.add("amp-ad")
