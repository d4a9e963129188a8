"""What every part of the AMP page is built with: the page's state, elements, text, safe links."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from warta.core.text import clean_text
from warta.core.urls import is_valid_link


@dataclass
class Page:
    """What the body renderer needs to know, and what it found out while walking the body."""

    labels: dict[str, Any]
    host: str  # where the AMP page itself is served
    components: set[str] = field(default_factory=set)


def safe_href(url: str) -> str | None:
    """The URL when it is http(s) or mailto; None for anything else (javascript:, data:, ...)."""
    url = url.strip()
    return url if is_valid_link(url, mailto=True) else None


def el(parent: etree._Element, tag: str, text: str = "", **attrs: str) -> etree._Element:
    """A child element; attribute names use `_` for `-` (data_videoid → data-videoid)."""
    node = etree.SubElement(parent, tag)
    for name, value in attrs.items():
        node.set(name.rstrip("_").replace("_", "-"), clean_text(value))
    if text:
        node.text = clean_text(text)
    return node


def append_text(parent: etree._Element, text: str) -> None:
    """Append text after the parent's last child (lxml keeps such text in a tail)."""
    if not text:
        return
    # The model's text is already XML-legal; cleaning again costs little and turns an upstream
    # slip into a readable page instead of an lxml ValueError.
    text = clean_text(text)
    if len(parent):
        last = parent[-1]
        last.tail = (last.tail or "") + text
    else:
        parent.text = (parent.text or "") + text
