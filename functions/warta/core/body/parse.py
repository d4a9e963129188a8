"""CMS HTML → the clean body model (`warta.core.body.model`).

Nothing in the CMS HTML is trusted. The parser keeps the text and a small set of structures and
drops everything else, so renderers never see markup, scripts, styles, forms or unsafe URLs.

Two rules shape the code:

* Text is never lost. Markup the model has no place for (div, section, font, center, marquee,
  custom elements, ...) is transparent: its children are processed as if it were not there.
* Deep or broken trees must not crash anything. The walks over the tree are iterative (an
  explicit stack instead of recursion), and the few tag patterns that make libxml2 silently
  lose text (nesting beyond its depth limit, content after </html>) are removed before parsing.

A page goes through the sibling modules in order: `shortcodes` (WordPress [shortcodes]),
`autop` (plain-text paragraphs), `tag_scan` (tags removed before libxml2 parses), then the walk
(`elements`) builds `blocks`, with `inline` content, `media` and `embeds`; URLs and sizes in
attributes are read by `attributes`.
"""

from __future__ import annotations

from collections.abc import Sequence

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from warta.core.body.autop import autop
from warta.core.body.blocks import BlockBuilder
from warta.core.body.elements import Context
from warta.core.body.media import srcset_candidates as _srcset  # noqa: F401  (tests import it from here)
from warta.core.body.model import Block, Body, PageBreak
from warta.core.body.shortcodes import expand_shortcodes
from warta.core.body.tag_scan import defuse
from warta.core.text import clean_text

__all__ = ["autop", "parse_body"]

_PARSER = lxml.html.HTMLParser(
    encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True, no_network=True
)


def _parse_page(html: str) -> HtmlElement | None:
    # Characters XML cannot hold are dropped before parsing: lone surrogates cannot even be
    # encoded for libxml2, and control characters would otherwise reach the model.
    data = defuse(autop(expand_shortcodes(clean_text(html)))).encode("utf-8")
    if not data.strip():
        return None
    try:
        root = etree.fromstring(data, _PARSER)
    except (etree.LxmlError, ValueError):
        return None
    return root if isinstance(root, HtmlElement) else None


def parse_body(pages: Sequence[str], article_url: str) -> Body:
    """Every page's blocks in order, with a PageBreak where page 2, 3, ... begins."""
    ctx = Context(base_url=article_url)
    blocks: list[Block] = []
    for number, page in enumerate(pages, start=1):
        if number > 1:
            blocks.append(PageBreak(number))
        root = _parse_page(page)
        if root is not None:
            blocks.extend(BlockBuilder(ctx).build(root))
    return tuple(blocks)
