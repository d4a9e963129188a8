"""The narrow interfaces between the core and the outside: index, render queue, object store.

Local adapters (SQLite, a directory) and AWS adapters (DynamoDB, SQS, S3) implement them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from warta.core.articles import Article, ArticleState
from warta.core.operator_records import Rejection
from warta.core.planner import OutputKey
from warta.core.views import (
    KeptNewsEntry,
    ListingBlock,
    NewsEntry,
    ShardPosition,
    ShardRow,
    SitemapEntry,
    SitemapPart,
)

PutOutcome = Literal["written", "unchanged"]


class UrlHeld(Exception):
    """An index write refused: the article's URL belongs to another live article."""

    def __init__(self, url: str, holder_id: str) -> None:
        super().__init__(f"{url!r} is the URL of live article {holder_id!r}")
        self.url = url
        self.holder_id = holder_id


@dataclass(frozen=True, slots=True)
class WriteResult:
    applied: bool  # False: the stored revision was not below the event's (stale or duplicate)
    previous: ArticleState | None  # the stored state before the write (or the newer one kept)


@dataclass(frozen=True, slots=True)
class ShardPart:
    """What the sitemap index needs of one rendered shard file."""

    period: str
    part: int  # 1-based
    url_count: int
    lastmod: datetime | None
    cut: ShardPosition | None = None  # the article whose cut ends this part (None: a limit or the end)


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One article's finished feed item (an RSS <item>, an Atom <entry>, a JSON Feed item) as a
    renderer made it, kept by the index so a process that never rendered it can splice it; or,
    kept the same way, what aggregator profiles' rules read of its body (`feed_profiles.BodyFacts`),
    so a feed reads its articles without bodies."""

    article_id: str
    revision: int  # the article revision it was made of: served for that revision only
    variant: str  # the renderer, its item format and the options the bytes depend on
    data: bytes


@dataclass(frozen=True, slots=True)
class Facets:
    """Everything a full rebuild has to render for one site."""

    urls: tuple[str, ...]
    # "section" -> section ids, "tag" -> tag slugs, "author" -> author slugs
    feed_values: dict[str, tuple[str, ...]]
    periods: tuple[str, ...]


class ArticleIndex(Protocol):
    def get(self, site: str, article_id: str) -> ArticleState | None: ...

    def write(self, state: ArticleState, period: str | None, released: bool) -> WriteResult:
        """Store the state unless the stored revision is not below it."""
        ...

    def live_by_url(self, site: str, url: str, now: datetime) -> Article | None: ...

    def live_by_urls(self, site: str, urls: Sequence[str], now: datetime) -> dict[str, Article]:
        """`live_by_url` of many URLs at once (a rebuild worker's run of pages): each URL that
        has a live article, to that article."""
        ...

    def latest(
        self,
        site: str,
        now: datetime,
        limit: int,
        section: str | None = None,
        tag: str | None = None,
        author: str | None = None,
        bodies: bool = True,
    ) -> list[Article]:
        """The newest visible live articles, newest first; of a section, a tag slug and/or an
        author slug (`core.authors.author_slug`) when given. `bodies=False`: every article's
        body is left out (`core.articles.left_out_body`), for a caller that reads all else (a
        feed splicing kept items)."""
        ...

    def shard_entries(self, site: str, period: str, now: datetime) -> Iterator[SitemapEntry]:
        """The visible live articles of a shard, oldest first."""
        ...

    def shard_rows(
        self,
        site: str,
        period: str,
        now: datetime,
        after: ShardPosition | None = None,
        until: ShardPosition | None = None,
    ) -> Iterator[ShardRow]:
        """The visible live articles of a shard with after < position <= until, oldest first."""
        ...

    def shard_files(
        self,
        site: str,
        period: str,
        now: datetime,
        after: ShardPosition | None = None,
        until: ShardPosition | None = None,
    ) -> list[SitemapPart]:
        """The `<urlset>` files of those articles: what `core.render.sitemaps.iter_shard_files`
        makes of `shard_rows` with the same arguments (an index may put them together faster)."""
        ...

    def shard_cuts(self, site: str, period: str, now: datetime) -> list[ShardPosition]:
        """The positions of the visible live articles of a shard that end a part, oldest first."""
        ...

    def published_between(self, site: str, after: datetime, until: datetime, limit: int) -> list[Article]:
        """Live articles with after < published_at <= until, newest first."""
        ...

    def news_entries(
        self, site: str, after: datetime, until: datetime, limit: int
    ) -> Sequence[NewsEntry | KeptNewsEntry]:
        """`published_between` without the bodies: what the news sitemap shows, each entry as
        its fields or finished as the index keeps it."""
        ...

    def due(self, site: str, now: datetime) -> list[Article]:
        """Scheduled articles whose time has come and whose outputs were not rendered yet."""
        ...

    def mark_released(self, site: str, article_ids: Sequence[str]) -> None: ...

    def facets(self, site: str, now: datetime) -> Facets: ...

    def shard_parts(self, site: str, period: str | None = None) -> list[ShardPart]:
        """The rendered shard files of a site (or of one period), by period and part."""
        ...

    def set_shard_parts(
        self, site: str, period: str, parts: Sequence[ShardPart], stored: Sequence[ShardPart] | None = None
    ) -> None:
        """Replace a period's parts. `stored`: the period's parts as the index holds them now,
        when the caller knows (a render batch read them): an index may then skip reading them
        and writing the ones that did not change."""
        ...

    def sitemap_listing(self, site: str) -> list[ListingBlock]:
        """The kept sitemap-index blocks of a site, by period (`app.outputs.sitemaps`)."""
        ...

    def put_listing_blocks(self, site: str, blocks: Sequence[ListingBlock], replace: bool = True) -> None:
        """Keep these blocks, each in place of its period's; with `replace` False, a block is
        written only where its period has none with the same stamp (so a concurrent writer
        that kept a block of the current config always wins)."""
        ...

    def drop_listing_blocks(self, site: str, periods: Iterable[str]) -> None: ...

    def output_templates(self, site: str) -> set[str]:
        """Every output path template the site was rendered with (`core.output_scopes`)."""
        ...

    def remember_output_templates(self, site: str, templates: Iterable[str]) -> None: ...

    def holds_site(self, site: str) -> bool:
        """Whether the index holds anything of the site: False for a new or emptied index."""
        ...

    def feed_items(
        self, site: str, articles: Sequence[tuple[str, int]], variants: Sequence[str]
    ) -> list[FeedItem]:
        """The kept items of these (article id, revision) pairs in these variants: only items
        kept for the very revision asked, in no particular order."""
        ...

    def keep_feed_items(self, site: str, items: Sequence[FeedItem]) -> None:
        """Keep finished items (replacing what is kept for the same article and variant)."""
        ...


class ForwardingIndex:
    """An `ArticleIndex` that hands every call to the index it wraps.

    A wrapper that changes some calls (notes takedowns on `write`, say) subclasses it and
    overrides those; a method added to `ArticleIndex` must be added here too (mypy says so).
    """

    def __init__(self, index: ArticleIndex) -> None:
        self._index = index

    @property
    def wrapped(self) -> ArticleIndex:
        """The index this one hands its calls to: the same articles and feed items."""
        return self._index

    def get(self, site: str, article_id: str) -> ArticleState | None:
        return self._index.get(site, article_id)

    def write(self, state: ArticleState, period: str | None, released: bool) -> WriteResult:
        return self._index.write(state, period, released)

    def live_by_url(self, site: str, url: str, now: datetime) -> Article | None:
        return self._index.live_by_url(site, url, now)

    def live_by_urls(self, site: str, urls: Sequence[str], now: datetime) -> dict[str, Article]:
        return self._index.live_by_urls(site, urls, now)

    def latest(
        self,
        site: str,
        now: datetime,
        limit: int,
        section: str | None = None,
        tag: str | None = None,
        author: str | None = None,
        bodies: bool = True,
    ) -> list[Article]:
        return self._index.latest(site, now, limit, section=section, tag=tag, author=author, bodies=bodies)

    def shard_entries(self, site: str, period: str, now: datetime) -> Iterator[SitemapEntry]:
        return self._index.shard_entries(site, period, now)

    def shard_rows(
        self,
        site: str,
        period: str,
        now: datetime,
        after: ShardPosition | None = None,
        until: ShardPosition | None = None,
    ) -> Iterator[ShardRow]:
        return self._index.shard_rows(site, period, now, after=after, until=until)

    def shard_files(
        self,
        site: str,
        period: str,
        now: datetime,
        after: ShardPosition | None = None,
        until: ShardPosition | None = None,
    ) -> list[SitemapPart]:
        return self._index.shard_files(site, period, now, after=after, until=until)

    def shard_cuts(self, site: str, period: str, now: datetime) -> list[ShardPosition]:
        return self._index.shard_cuts(site, period, now)

    def published_between(self, site: str, after: datetime, until: datetime, limit: int) -> list[Article]:
        return self._index.published_between(site, after, until, limit)

    def news_entries(
        self, site: str, after: datetime, until: datetime, limit: int
    ) -> Sequence[NewsEntry | KeptNewsEntry]:
        return self._index.news_entries(site, after, until, limit)

    def due(self, site: str, now: datetime) -> list[Article]:
        return self._index.due(site, now)

    def mark_released(self, site: str, article_ids: Sequence[str]) -> None:
        self._index.mark_released(site, article_ids)

    def facets(self, site: str, now: datetime) -> Facets:
        return self._index.facets(site, now)

    def shard_parts(self, site: str, period: str | None = None) -> list[ShardPart]:
        return self._index.shard_parts(site, period)

    def set_shard_parts(
        self, site: str, period: str, parts: Sequence[ShardPart], stored: Sequence[ShardPart] | None = None
    ) -> None:
        self._index.set_shard_parts(site, period, parts, stored)

    def sitemap_listing(self, site: str) -> list[ListingBlock]:
        return self._index.sitemap_listing(site)

    def put_listing_blocks(self, site: str, blocks: Sequence[ListingBlock], replace: bool = True) -> None:
        self._index.put_listing_blocks(site, blocks, replace)

    def drop_listing_blocks(self, site: str, periods: Iterable[str]) -> None:
        self._index.drop_listing_blocks(site, periods)

    def output_templates(self, site: str) -> set[str]:
        return self._index.output_templates(site)

    def remember_output_templates(self, site: str, templates: Iterable[str]) -> None:
        self._index.remember_output_templates(site, templates)

    def holds_site(self, site: str) -> bool:
        return self._index.holds_site(site)

    def feed_items(
        self, site: str, articles: Sequence[tuple[str, int]], variants: Sequence[str]
    ) -> list[FeedItem]:
        return self._index.feed_items(site, articles, variants)

    def keep_feed_items(self, site: str, items: Sequence[FeedItem]) -> None:
        self._index.keep_feed_items(site, items)


@dataclass(frozen=True)
class QuarantinedOutput:
    key: OutputKey
    reason: str
    attempts: int
    retry_at: datetime


class RenderQueue(Protocol):
    """Outputs waiting to be rendered. Pushing a key that waits already coalesces with it."""

    def push(self, keys: Iterable[OutputKey]) -> None: ...

    def take(self) -> list[tuple[OutputKey, int]]:
        """Every waiting key with its version; keys stay queued until `done`."""
        ...

    def done(self, taken: Iterable[tuple[OutputKey, int]]) -> None:
        """Forget keys rendered at their taken version; a key pushed again since stays queued."""
        ...

    def quarantine(self, key: OutputKey, reason: str, retry_at: datetime) -> int:
        """Set aside an output that could not be rendered or written; returns its attempt count.

        A quarantined key is not taken again until `due_quarantined` hands it back."""
        ...

    def due_quarantined(self, now: datetime) -> list[OutputKey]:
        """Quarantined keys whose retry time has come (the caller renders them again)."""
        ...

    def release(self, keys: Iterable[OutputKey]) -> None:
        """Forget the quarantine of keys that rendered and wrote."""
        ...

    def quarantined(self) -> list[QuarantinedOutput]:
        """Every quarantined output (the status page and on-call read them)."""
        ...


class ObjectStore(Protocol):
    def put(self, path: str, body: bytes, content_type: str, cache_control: str) -> PutOutcome: ...

    def get(self, path: str) -> bytes | None: ...

    def delete(self, path: str) -> bool: ...

    def list(self, prefix: str = "", include_temp: bool = False) -> Iterator[str]:
        """Paths under a prefix; `include_temp` also gives temp files of interrupted writes."""
        ...


class OperatorLog(Protocol):
    """Where the entry points note what on-call reads in the status report: rejected events.

    Best effort: callers log and swallow a failure to record, so it never fails an event.
    """

    def record_rejection(self, at: datetime, source: str, reason: str, event_id: str = "") -> None: ...

    def recent_rejections(self, limit: int = 20) -> list[Rejection]:
        """Newest first."""
        ...
