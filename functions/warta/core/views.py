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
class KeptNewsEntry:
    """A news sitemap entry as the index keeps it beside its article: its bytes, with the site's
    name left out (`core.render.sitemaps.news_fragment`), so a new process splices it."""

    url: str
    fragment: bytes


@dataclass(frozen=True, slots=True)
class IndexedSitemap:
    """A sitemap file the sitemap index lists."""

    loc: str
    lastmod: datetime | None


@dataclass(frozen=True, slots=True)
class ListingBlock:
    """One period's entries in the sitemap index, kept in the index between renders.

    A publish changes one shard part, so the index file is put together from these blocks
    (`core.render.sitemaps.assemble_sitemap_indexes`) instead of serialising every entry again.
    """

    period: str
    stamp: str  # the config the entries' <loc>s were made under (app.outputs.sitemaps.listing_stamp)
    body: bytes  # the `<sitemap>…</sitemap>` fragments of the period's parts, in part order
    # Per part, "length:bound" comma-separated: its fragment's length in `body` and the size
    # bound the index split counts. Read only when a block crosses an index file's limit.
    sizes: str
    entries: int  # the parts listed
    bound: int  # the sum of their size bounds
    url_count: int  # the URLs of the period's parts together

    def entry_sizes(self) -> list[tuple[int, int]]:
        if not self.sizes:
            return []
        pairs = (pair.split(":") for pair in self.sizes.split(","))
        return [(int(length), int(bound)) for length, bound in pairs]
