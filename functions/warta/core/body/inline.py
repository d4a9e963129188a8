"""Inline content: text under HTML's white-space rules, in Strong, Emphasis and Link wrappers."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

from lxml.html import HtmlElement

from warta.core.body.attributes import safe_url
from warta.core.body.elements import (
    BLOCK_LEVEL,
    DROP,
    FORMATTING,
    LISTS,
    MEDIA,
    Context,
    Item,
    Then,
    content_items,
    tag_of,
    walk,
)
from warta.core.body.model import Emphasis, Inline, LineBreak, Link, Strong, Text, inline_text
from warta.core.text import clean_line, clean_text

_WHITESPACE = re.compile(r"[ \t\n\r\f\v\xa0]+")


@dataclass(slots=True)
class _Frame:
    """An open Strong / Emphasis / Link (or the root) while its content is being collected."""

    kind: str  # "root", "strong", "em" or "link"
    href: str = ""
    children: list[str | LineBreak | _Frame] = field(default_factory=list)


class InlineBuilder:
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


def formatting(element: HtmlElement, tag: str, builder: InlineBuilder, ctx: Context) -> list[Item]:
    kind = FORMATTING[tag]
    href = ""
    if kind == "link":
        # A link to nowhere safe degrades to its text.
        href = safe_url(element.get("href"), ctx.base_url, mailto=True) or ""
        if not href:
            return content_items(element)
    if builder.open(kind, href):
        return [*content_items(element), Then(builder.close)]
    return content_items(element)


def visit_inline(
    element: HtmlElement,
    builder: InlineBuilder,
    ctx: Context,
    split: Callable[[], None] | None,
) -> list[Item]:
    """Inline-only content: blocks inside become line breaks, media are left out."""
    tag = tag_of(element)
    if tag is None or tag in DROP or tag in MEDIA:
        return []
    if tag == "br":
        builder.line_break()
        return []
    if tag in FORMATTING:
        return formatting(element, tag, builder, ctx)
    if split is not None and (tag == "li" or tag in LISTS):
        split()
        return [*content_items(element), Then(split)]
    if tag in BLOCK_LEVEL:
        soft_break = Then(partial(builder.line_break, soft=True))
        return [soft_break, *content_items(element), soft_break]
    return content_items(element)


def collect_inline(element: HtmlElement, ctx: Context) -> tuple[Inline, ...]:
    builder = InlineBuilder()
    walk(element, partial(visit_inline, builder=builder, ctx=ctx, split=None), builder.text)
    return builder.take()


def plain(element: HtmlElement | None, ctx: Context) -> str:
    if element is None:
        return ""
    return clean_line(inline_text(collect_inline(element, ctx)))
