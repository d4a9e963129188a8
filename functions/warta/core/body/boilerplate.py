"""Site-configured clean-up of a parsed body: boilerplate paragraphs and caption credits.

Pure functions over the model; the rules come from the site configuration (`[[boilerplate]]`
and `[captions] credit_pattern`), so no site's wording lives in code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar

from warta.core.body.model import (
    Audio,
    Block,
    Body,
    Embed,
    Emphasis,
    Figure,
    Inline,
    Link,
    Paragraph,
    RelatedLinks,
    Strong,
    Video,
    inline_text,
)
from warta.core.text import clean_line

if TYPE_CHECKING:
    from warta.core.config import BoilerplateRule


def apply_boilerplate(
    body: Body, rules: Sequence[BoilerplateRule], caption_credit: re.Pattern[str] | None
) -> Body:
    """Drop or gather boilerplate paragraphs and split credits off media captions.

    Only top-level paragraphs are candidates: a quote that happens to say "Baca juga: ..." is
    the quoted person's words, not the CMS's. Links of "related" paragraphs end up in one
    RelatedLinks block at the end of the body (merged with one already there, so applying the
    rules twice changes nothing).
    """
    kept: list[Block] = []
    related: list[Link] = []
    for block in body:
        if isinstance(block, RelatedLinks):
            related.extend(block.links)
            continue
        if isinstance(block, Paragraph):
            rule = _matching_rule(block, rules)
            if rule is not None:
                if rule.action == "related":
                    related.extend(_links(block.children))
                continue
        if isinstance(block, Figure | Embed | Video | Audio) and caption_credit is not None:
            block = split_credit(block, caption_credit)
        kept.append(block)
    if related:
        kept.append(RelatedLinks(_unique(related)))
    return tuple(kept)


def _matching_rule(paragraph: Paragraph, rules: Sequence[BoilerplateRule]) -> BoilerplateRule | None:
    # The rule must describe the whole paragraph, so a story sentence that merely starts with
    # "Baca juga" and goes on is never removed by a pattern without a trailing ".*".
    text = clean_line(inline_text(paragraph.children))
    return next((rule for rule in rules if rule.pattern.fullmatch(text)), None)


def _links(children: tuple[Inline, ...]) -> Iterator[Link]:
    for node in children:
        if isinstance(node, Link):
            yield node
        elif isinstance(node, Strong | Emphasis):
            yield from _links(node.children)


def _unique(links: list[Link]) -> tuple[Link, ...]:
    seen: set[str] = set()
    kept = []
    for link in links:
        if link.href not in seen:
            seen.add(link.href)
            kept.append(link)
    return tuple(kept)


Captioned = TypeVar("Captioned", bound=Figure | Embed | Video | Audio)


def split_credit(figure: Captioned, pattern: re.Pattern[str]) -> Captioned:
    """Split "Caption Sumber: CNN" into caption "Caption" and credit "CNN" (group `credit`).

    Works on every captioned media block; one that already has a credit keeps everything as it is.
    """
    if figure.credit or not figure.caption:
        return figure
    match = pattern.search(figure.caption)
    credit = clean_line(match.groupdict().get("credit") or "") if match else ""
    if not match or not credit:
        return figure
    caption = clean_line(figure.caption[: match.start()] + figure.caption[match.end() :])
    return replace(figure, caption=caption, credit=credit)
