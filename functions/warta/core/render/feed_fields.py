"""What every feed format says of an article, computed in one place so RSS, Atom and JSON Feed agree.

Titles, links and ids are the article's own strings; dates keep the article's own UTC offset
(the time its page shows) in every format, as the sitemaps do.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from warta.core.articles import Article
from warta.core.config import SiteConfig
from warta.core.render.body_html import render_body_html

GENERATOR = "warta"
# A fixed table, not `mimetypes`: that reads the machine's /etc/mime.types, and output must not
# depend on the machine.
IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
}


@dataclass(frozen=True, slots=True)
class FeedOptions:
    """What one feed document carries besides its articles."""

    hubs: tuple[str, ...] = ()  # WebSub hubs, announced as link rel="hub"
    enclosure: bool = False  # the hero image also as an RSS <enclosure>
    snf_logo: str = ""  # SmartNews channel logo; declares the snf namespace


def guid(site: SiteConfig, article: Article) -> str:
    """The item's id: stable across edits and URL changes, so readers never show it twice.

    The same string in every format; it is also a syntactically valid IRI (scheme = site id),
    as Atom's id requires.
    """
    return f"{site.id}:{article.id}"


def categories(article: Article) -> list[str]:
    """The section, then the tags, without repeating the section's name."""
    seen = {article.section.name.casefold()}
    terms = [article.section.name]
    for tag in article.tags:
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            terms.append(tag)
    return terms


def rfc3339(moment: datetime) -> str:
    """RFC 3339 to the second in the value's own offset: the sitemaps' W3C datetime, too."""
    return moment.isoformat(timespec="seconds")


def summary(article: Article) -> str:
    return article.summary or article.title


# A body's HTML, kept across calls: every variant of every feed that lists an article (and the
# next publish's feeds, which share all but one item) would otherwise render it again.
_body_html = functools.lru_cache(maxsize=1_024)(render_body_html)


def full_text(article: Article) -> str | None:
    """The clean body HTML, or None for subscriber articles: the body never leaves the paywall."""
    if article.access != "free":
        return None
    return _body_html(article.body)


def newest_modification(articles: Sequence[Article]) -> datetime | None:
    """When a feed last changed: its newest item's change, never the clock (repeatable output)."""
    return max((article.modified_at for article in articles), default=None)


def image_type(url: str) -> str | None:
    """The MIME type an image URL's file name says, or None when it says nothing."""
    path = urlsplit(url).path.lower()
    suffix = path[path.rfind(".") :] if "." in path.rsplit("/", 1)[-1] else ""
    return IMAGE_TYPES.get(suffix)
