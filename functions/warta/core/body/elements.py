"""Element classes of CMS HTML, and the walk over an lxml tree without recursion."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lxml.html import HtmlElement


def tag_set(names: str) -> frozenset[str]:
    return frozenset(names.split())


# Never rendered and never read: their text is not article text. (<embed> is not here: libxml2
# does not know it is empty and nests the content after it inside it; having no text of its
# own, it is simply transparent.)
DROP = tag_set(
    "script style noscript template form input select textarea button option optgroup datalist "
    "output object applet param head meta link title base svg math canvas frameset frame "
    "noframes noembed dialog"
)
HEADINGS = frozenset(f"h{n}" for n in range(1, 7))
LISTS = frozenset(("ul", "ol"))
MEDIA = frozenset(("img", "iframe", "video", "audio"))
FORMATTING = {"strong": "strong", "b": "strong", "em": "em", "i": "em", "a": "link"}
# Elements that end the paragraph before them and start a new one after them.
BLOCK_CONTAINERS = tag_set(
    "p div section article main header footer aside nav center address pre dl dt dd details "
    "summary hgroup figcaption caption li tr td th thead tbody tfoot body html fieldset legend "
    "search menu"
)
# In inline-only contexts (a heading, a list item, a table cell) these become line breaks.
BLOCK_LEVEL = BLOCK_CONTAINERS | HEADINGS | LISTS | frozenset(("blockquote", "figure", "table", "hr"))


@dataclass(frozen=True, slots=True)
class Context:
    """What every step of a parse knows: the article's URL, which relative URLs resolve against."""

    base_url: str


# --- the walk ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Then:
    """A step to run once an element's content has been walked (close a wrapper, end a paragraph)."""

    run: Callable[[], None]


Item = str | HtmlElement | Then
Visit = Callable[[HtmlElement], list[Item]]


def tag_of(element: HtmlElement) -> str | None:
    tag = element.tag
    return tag.lower() if isinstance(tag, str) else None  # comments and PIs have no str tag


def content_items(element: HtmlElement) -> list[Item]:
    """An element's text and children in document order (each child followed by its tail)."""
    items: list[Item] = []
    if element.text:
        items.append(element.text)
    for child in element:
        items.append(child)
        if child.tail:
            items.append(child.tail)
    return items


def walk(root: HtmlElement, visit: Visit, on_text: Callable[[str], None]) -> None:
    """Walk root's content without recursion; visit says what of an element to walk next."""
    walk_items(content_items(root), visit, on_text)


def walk_items(items: list[Item], visit: Visit, on_text: Callable[[str], None]) -> None:
    stack = items[::-1]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            on_text(item)
        elif isinstance(item, Then):
            item.run()
        else:
            stack.extend(reversed(visit(item)))


def class_names(element: HtmlElement) -> set[str]:
    return set((element.get("class") or "").split())
