"""The index and the render queue as one render batch reads them: each site's shard parts,
sitemap-index blocks, news entries and quarantined outputs read once.

A publish asks for its site's shard parts four times: the open shard's layout, the sitemap
index, robots.txt and the status report's article count. On DynamoDB each ask is a query (of a
partition moto, for one, walks the whole table to find). Within a batch only the batch itself
writes them: renders of one site never overlap (a file lock locally, the site's FIFO message
group on AWS; docs/architecture.md). So the parts are read at the first ask and follow the
batch's own `set_shard_parts`; a new batch reads them again. A write of a period's parts hands
the index the ones the batch knows, so replacing them needs no read first.

The sitemap index and robots.txt both list the kept sitemap-index blocks (`ListingBlock`), and
only the batch writes them (its shard renders and those two): read at the first ask, they
follow the batch's own puts and drops as the index applies them.

robots.txt asks whether the news sitemap has an entry, in the window the news sitemap read
just before it: the entries read then answer (the first `limit` of a read of as many or more,
or of all there were). Reading them again could only give a later state, and a write after the
batch took its outputs queues another render of both (docs/architecture.md).

The feed items the batch's feeds make are kept at its end, in one write where they fit
(`flush_feed_items`); until then the batch's own asks for them are answered from what it holds.

The quarantined outputs are read when the render starts (those due again) and for the status
report at its end; only renders of the site write them, so the batch's own read, followed by
its own quarantines and releases, is what a second read would give.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from datetime import datetime

from warta.core.planner import OutputKey
from warta.core.ports import (
    ArticleIndex,
    FeedItem,
    ForwardingIndex,
    QuarantinedOutput,
    RenderQueue,
    ShardPart,
)
from warta.core.views import ListingBlock, NewsEntry

# Feed items a batch holds for a site before it writes them anyway: 4 full BatchWriteItem
# requests, and a bound on their bytes (an item's data may be some hundred kB).
HELD_FEED_ITEMS = 100
HELD_FEED_ITEM_BYTES = 4 * 1024 * 1024


class BatchIndex(ForwardingIndex):
    """An `ArticleIndex` for one render batch: shard parts and news entries read once per site."""

    def __init__(self, index: ArticleIndex) -> None:
        super().__init__(index)
        self._parts: dict[str, list[ShardPart]] = {}
        # (site, after, until) -> (the limit read with, the entries read)
        self._news: dict[tuple[str, datetime, datetime], tuple[int, list[NewsEntry]]] = {}
        # site -> (article id, variant) -> the feed item to keep at the end of the batch
        self._items: dict[str, dict[tuple[str, str], FeedItem]] = {}
        # site -> period -> its kept sitemap-index block
        self._listing: dict[str, dict[str, ListingBlock]] = {}
        self._lock = threading.Lock()

    def shard_parts(self, site: str, period: str | None = None) -> list[ShardPart]:
        with self._lock:
            parts = self._parts.get(site)
            if parts is None:
                parts = self._parts[site] = self._index.shard_parts(site)
            return [p for p in parts if period is None or p.period == period]

    def set_shard_parts(
        self, site: str, period: str, parts: Sequence[ShardPart], stored: Sequence[ShardPart] | None = None
    ) -> None:
        with self._lock:
            kept = self._parts.get(site)
            if stored is None and kept is not None:
                # What the batch read and wrote is what the index holds (only the batch writes
                # them): the index need not read the period's parts again to replace them.
                stored = [part for part in kept if part.period == period]
            self._index.set_shard_parts(site, period, parts, stored)
            if kept is None:
                return
            # Ordered by period, then part: a period's parts are one run of the list.
            run = [n for n, part in enumerate(kept) if part.period == period]
            if run:
                kept[run[0] : run[-1] + 1] = sorted(parts, key=lambda part: part.part)
            elif parts:
                del self._parts[site]  # a new period: where it goes is the index's to say

    def sitemap_listing(self, site: str) -> list[ListingBlock]:
        with self._lock:
            kept = self._listing.get(site)
            if kept is None:
                kept = self._listing[site] = {b.period: b for b in self._index.sitemap_listing(site)}
            return [kept[period] for period in sorted(kept)]  # by period, as the index gives them

    def put_listing_blocks(self, site: str, blocks: Sequence[ListingBlock], replace: bool = True) -> None:
        with self._lock:
            self._index.put_listing_blocks(site, blocks, replace)
            kept = self._listing.get(site)
            if kept is None:
                return
            for block in blocks:
                # Not `replace`: a block of the same stamp stays as kept (the index's rule too).
                if replace or block.period not in kept or kept[block.period].stamp != block.stamp:
                    kept[block.period] = block

    def drop_listing_blocks(self, site: str, periods: Iterable[str]) -> None:
        with self._lock:
            periods = list(periods)
            self._index.drop_listing_blocks(site, periods)
            kept = self._listing.get(site, {})
            for period in periods:
                kept.pop(period, None)

    def feed_items(
        self, site: str, articles: Sequence[tuple[str, int]], variants: Sequence[str]
    ) -> list[FeedItem]:
        with self._lock:
            held = self._items.get(site, {})
        found = {(i.article_id, i.variant): i for i in self._index.feed_items(site, articles, variants)}
        revisions, wanted = dict(articles), set(variants)
        for key, item in held.items():  # kept by this batch, not written yet: as if they were
            if revisions.get(item.article_id) == item.revision and item.variant in wanted:
                found[key] = item
            elif key in found:
                del found[key]  # the batch keeps another revision of it: the index will not hold this one
        return list(found.values())

    def keep_feed_items(self, site: str, items: Sequence[FeedItem]) -> None:
        with self._lock:
            held = self._items.setdefault(site, {})
            held.update({(i.article_id, i.variant): i for i in items})
            if len(held) < HELD_FEED_ITEMS and sum(len(i.data) for i in held.values()) < HELD_FEED_ITEM_BYTES:
                return
            del self._items[site]  # a rebuild's many feeds: written as they come, memory bounded
        self._index.keep_feed_items(site, list(held.values()))

    def flush_feed_items(self) -> None:
        """Keep the feed items the batch's feeds made, a site's in as few requests as they fit:
        each feed of a publish makes the new article's items, and keeping them feed by feed
        was a request per feed. A batch that dies first only leaves them to be made again."""
        with self._lock:
            held, self._items = self._items, {}
        for site, items in held.items():
            if items:
                self._index.keep_feed_items(site, list(items.values()))

    def news_entries(self, site: str, after: datetime, until: datetime, limit: int) -> list[NewsEntry]:
        with self._lock:
            kept = self._news.get((site, after, until))
            if kept is not None and (limit <= kept[0] or len(kept[1]) < kept[0]):
                return kept[1][:limit]
            found = self._index.news_entries(site, after, until, limit)
            self._news[(site, after, until)] = (limit, found)
            return list(found)


class BatchQueue:
    """A `RenderQueue` for one render batch of one site: its quarantined outputs read once."""

    def __init__(self, queue: RenderQueue) -> None:
        self._queue = queue
        self._quarantined: list[QuarantinedOutput] | None = None

    def push(self, keys: Iterable[OutputKey]) -> None:
        self._queue.push(keys)

    def take(self) -> list[tuple[OutputKey, int]]:
        return self._queue.take()

    def done(self, taken: Iterable[tuple[OutputKey, int]]) -> None:
        self._queue.done(taken)

    def quarantine(self, key: OutputKey, reason: str, retry_at: datetime) -> int:
        self._quarantined = None
        return self._queue.quarantine(key, reason, retry_at)

    def due_quarantined(self, now: datetime) -> list[OutputKey]:
        return [q.key for q in self.quarantined() if q.retry_at <= now]

    def release(self, keys: Iterable[OutputKey]) -> None:
        self._quarantined = None
        self._queue.release(keys)

    def quarantined(self) -> list[QuarantinedOutput]:
        if self._quarantined is None:
            self._quarantined = self._queue.quarantined()
        return list(self._quarantined)
