"""The clean body model and how CMS HTML becomes it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from warta.core.body.boilerplate import apply_boilerplate
from warta.core.body.model import Body
from warta.core.body.parse import parse_body

if TYPE_CHECKING:
    from warta.core.config import SiteConfig

__all__ = ["apply_boilerplate", "build_body", "parse_body"]


def build_body(pages: Sequence[str], article_url: str, site: SiteConfig) -> Body:
    """The body as published: parsed, then cleaned of the site's boilerplate."""
    return apply_boilerplate(parse_body(pages, article_url), site.boilerplate, site.caption_credit)
