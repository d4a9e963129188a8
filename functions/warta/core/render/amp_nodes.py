"""What every part of the AMP page is built with: the page's state, its markup, safe links.

Parts write their HTML as strings into a list (`Out`) with the helpers of `html_out`, which
escape every piece of text and every attribute value exactly as lxml's serializer did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from warta.core.render.html_out import attr, element, escape_text, raw_attr, start_tag, text
from warta.core.urls import is_valid_link

__all__ = ["Out", "Page", "attr", "element", "escape_text", "raw_attr", "safe_href", "start_tag", "text"]

Out = list[str]  # the page's HTML, piece by piece


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
