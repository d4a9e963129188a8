"""Small read-only views that renderers take besides `Article`.

Renderers are pure: they get these values, never the index or the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class FeedView:
    """One concrete feed: the home feed, or the feed of one section or tag."""

    path: str  # output path, relative to the site's public root
    title: str
    link: str  # the HTML page the feed stands for (home or section page)
    description: str
    ttl_minutes: int


@dataclass(frozen=True, slots=True)
class SitemapImage:
    url: str
    caption: str = ""


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    """What a sitemap shard needs of an article; the index serves it without the body."""

    url: str
    lastmod: datetime  # aware
    images: tuple[SitemapImage, ...] = ()


# Where an article sits in its shard: (published_at in epoch microseconds, article id). Shards
# list articles in this order, and a shard output key names the position a change touched.
ShardPosition = tuple[int, str]


def position_text(position: ShardPosition) -> str:
    """A position as the indexes store it (a shard part's cut): "<published_us>/<article id>"."""
    return f"{position[0]}/{position[1]}"


def parse_position(text: str) -> ShardPosition:
    """The position `position_text` wrote (the id may hold "/": only the first one parts)."""
    published_us, article_id = text.split("/", 1)
    return int(published_us), article_id


@dataclass(frozen=True, slots=True)
class ShardRow:
    """One article of a shard as the index serves it: its `<url>` element, already rendered."""

    position: ShardPosition
    fragment: bytes  # the exact `<url>…</url>` bytes (core.render.sitemaps.url_fragment)
    lastmod: datetime  # aware
    cut: bool  # the article ends a shard part (core.render.sitemaps.ends_part)


@dataclass(frozen=True, slots=True)
class SitemapPart:
    """One rendered file of a shard, and what the sitemap index says of it."""

    body: bytes
    url_count: int
    lastmod: datetime | None
    cut: ShardPosition | None = None  # the part ends at this article's cut (None: at a limit or the end)


@dataclass(frozen=True, slots=True)
class NewsEntry:
    """What the Google News sitemap needs of an article; the index serves it without the body."""

    url: str
    title: str
    language: str
    published_at: datetime  # aware


@dataclass(frozen=True, slots=True)
class IndexedSitemap:
    """A sitemap file the sitemap index lists."""

    loc: str
    lastmod: datetime | None
