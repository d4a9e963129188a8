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

The batch's writes of shard parts and listing blocks are held too, and go out with its feed
items in one grouped write (`flush_writes`; `BatchQueue.done` flushes first, so the index
holds them before the batch's outputs are done, as it did when they went out one by one; a
batch that dies first is retried whole). The index reads them back only through the batch,
which answers from what it holds; a read of the index itself (the first of a site) flushes
first. A publish's shard render wrote its listing block and its parts in two requests, and its
feeds' items a third: now one.

The feed items the batch's feeds make are kept at its end, in one write where they fit
(`flush_writes`); until then the batch's own asks for them are answered from what it holds.
Only renders write kept items, so what an ask of the batch found absent stays absent but for
the batch's own keeps: an ask of a few articles (a publish's new one) reads them in every
variant the site's feeds ask for, and the batch's next feeds need not ask again.

The AMP page of a publish's new article reads it by URL, whole, and the feeds that make its
items read it so again (`outputs.feeds`, which checks the revision against its list): the last
few articles read by URL answer a second ask of the same URL at the same instant.

The quarantined outputs are read when the render starts (those due again) and for the status
report at its end; only renders of the site write them, so the batch's own read, followed by
its own quarantines and releases, is what a second read would give.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Protocol, runtime_checkable

from warta.core.articles import Article
from warta.core.planner import OutputKey
from warta.core.ports import (
    ArticleIndex,
    FeedItem,
    ForwardingIndex,
    QuarantinedOutput,
    RenderQueue,
    ShardPart,
)
from warta.core.views import KeptNewsEntry, ListingBlock, NewsEntry

# Feed items a batch holds for a site before it writes them anyway: 4 full BatchWriteItem
# requests, and a bound on their bytes (an item's data may be some hundred kB).
HELD_FEED_ITEMS = 100
HELD_FEED_ITEM_BYTES = 4 * 1024 * 1024
# Shard-part and listing writes a batch holds before it writes them anyway: a publish makes two,
# a rebuild page one or two per period (a listing block is a few kB).
HELD_INDEX_WRITES = 50


# A publish's feeds each ask for the new article's items in the variants they render (the home
# feed its summary, the section feed its full-text formats, ...): none is kept yet. An ask of
# this few articles asks for every variant the site's feeds asked for in this process, so the
# next feeds' asks are answered by the batch. Larger asks (a cold container, a rebuild) are not
# widened: they would read items no feed of the batch wants.
WIDENED_ASK_ARTICLES = 4
VARIANTS_REMEMBERED = 32  # per site: a config has a handful (formats × full/summary × profiles)
LOOKED_UP_KEPT = 20_000  # keys of a batch's asks remembered (a rebuild page asks many)
_VARIANTS_ASKED: dict[str, set[str]] = {}  # site -> every variant its feeds asked for here
# Articles a batch remembers by URL: a publish asks twice for one or two; a rebuild's AMP pages
# each ask once, so more would only hold memory.
URL_READS_KEPT = 8


@runtime_checkable
class GroupsWrites(Protocol):
    """An index that can send several calls' writes as one (`DynamoTable.grouped_writes`)."""

    def grouped_writes(self) -> AbstractContextManager[None]: ...


class BatchIndex(ForwardingIndex):
    """An `ArticleIndex` for one render batch: shard parts and news entries read once per site."""

    def __init__(self, index: ArticleIndex) -> None:
        super().__init__(index)
        self._parts: dict[str, list[ShardPart]] = {}
        # (site, after, until) -> (the limit read with, the entries read)
        self._news: dict[tuple[str, datetime, datetime], tuple[int, list[NewsEntry | KeptNewsEntry]]] = {}
        # (site, article id, revision, variant) -> the item an earlier ask of the batch read
        # though its feed did not want it (a widened ask), or None: looked up, not kept
        self._looked_up: dict[tuple[str, str, int, str], FeedItem | None] = {}
        # site -> (article id, variant) -> the feed item to keep at the end of the batch
        self._items: dict[str, dict[tuple[str, str], FeedItem]] = {}
        # site -> period -> its kept sitemap-index block
        self._listing: dict[str, dict[str, ListingBlock]] = {}
        # (site, url, now) -> what `live_by_url` answered
        self._by_url: OrderedDict[tuple[str, str, datetime], Article | None] = OrderedDict()
        # The batch's shard-part writes, in order, and its listing writes (site -> period ->
        # the block put, or None: dropped; the later write of a period is the one that stands),
        # not sent yet (`flush_writes`)
        self._held: list[Callable[[], None]] = []
        self._held_listing: dict[str, dict[str, ListingBlock | None]] = {}
        self._lock = threading.Lock()

    def live_by_url(self, site: str, url: str, now: datetime) -> Article | None:
        key = (site, url, now)
        with self._lock:
            if key in self._by_url:
                return self._by_url[key]
        found = self._index.live_by_url(site, url, now)
        with self._lock:
            self._by_url[key] = found
            if len(self._by_url) > URL_READS_KEPT:
                self._by_url.popitem(last=False)
        return found

    def shard_parts(self, site: str, period: str | None = None) -> list[ShardPart]:
        with self._lock:
            parts = self._parts.get(site)
            if parts is None:
                self._send_held()  # the index gives them as the batch left them
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
            if kept is None:
                # Not read yet: the index reads them, after what the batch holds.
                self._send_held()
                self._index.set_shard_parts(site, period, parts, stored)
                return
            wanted, known = list(parts), list(stored or ())
            self._hold(lambda: self._index.set_shard_parts(site, period, wanted, known))
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
                for period, block in self._held_listing.get(site, {}).items():  # as if written
                    if block is None:
                        kept.pop(period, None)
                    else:
                        kept[period] = block
            return [kept[period] for period in sorted(kept)]  # by period, as the index gives them

    def put_listing_blocks(self, site: str, blocks: Sequence[ListingBlock], replace: bool = True) -> None:
        with self._lock:
            if replace:
                self._held_listing.setdefault(site, {}).update({b.period: b for b in blocks})
                self._bound_held()
            else:  # conditional on the stored stamp: sent now, after what the batch holds
                self._send_held()
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
            self._held_listing.setdefault(site, {}).update(dict.fromkeys(periods))
            self._bound_held()
            kept = self._listing.get(site, {})
            for period in periods:
                kept.pop(period, None)

    def feed_items(
        self, site: str, articles: Sequence[tuple[str, int]], variants: Sequence[str]
    ) -> list[FeedItem]:
        revisions, wanted = dict(articles), set(variants)
        with self._lock:
            held = dict(self._items.get(site, {}))
            found = self._asked_before(site, revisions, wanted)

            def answered(article: str, revision: int, variant: str) -> bool:
                """Looked up by an earlier ask, or kept by the batch itself."""
                mine = held.get((article, variant))
                return (site, article, revision, variant) in self._looked_up or (
                    mine is not None and mine.revision == revision
                )

            unknown = sorted(
                (article, revision)
                for article, revision in revisions.items()
                if not all(answered(article, revision, v) for v in wanted)
            )
            asking = set(wanted)
            known = _VARIANTS_ASKED.setdefault(site, set())
            if len(known | wanted) <= VARIANTS_REMEMBERED:
                known |= wanted
            if len(unknown) <= WIDENED_ASK_ARTICLES:
                asking |= known  # the other feeds of the batch will want these of its new article
        if unknown:
            got = self._index.feed_items(site, unknown, sorted(asking))
            with self._lock:
                if len(self._looked_up) > LOOKED_UP_KEPT:
                    self._looked_up.clear()  # a rebuild page's many asks: memory stays bounded
                for article, revision in unknown:
                    for variant in asking:
                        self._looked_up.setdefault((site, article, revision, variant), None)
                for item in got:
                    looked = (site, item.article_id, item.revision, item.variant)
                    if item.variant in wanted:
                        found[(item.article_id, item.variant)] = item
                        self._looked_up.pop(looked, None)  # the caller remembers it (load_items)
                    else:
                        self._looked_up[looked] = item
        for key, item in held.items():  # kept by this batch, not written yet: as if they were
            if revisions.get(item.article_id) == item.revision and item.variant in wanted:
                found[key] = item
            elif key in found:
                del found[key]  # the batch keeps another revision of it: the index will not hold this one
        return list(found.values())

    def _asked_before(
        self, site: str, revisions: dict[str, int], wanted: set[str]
    ) -> dict[tuple[str, str], FeedItem]:
        """What this batch's earlier asks found of these: their widened extra items."""
        found: dict[tuple[str, str], FeedItem] = {}
        for article, revision in revisions.items():
            for variant in wanted:
                item = self._looked_up.get((site, article, revision, variant))
                if item is not None:
                    found[(article, variant)] = item
        return found

    def keep_feed_items(self, site: str, items: Sequence[FeedItem]) -> None:
        with self._lock:
            held = self._items.setdefault(site, {})
            held.update({(i.article_id, i.variant): i for i in items})
            for item in items:  # held, then in the index: no longer absent for the batch
                self._looked_up.pop((site, item.article_id, item.revision, item.variant), None)
            if len(held) < HELD_FEED_ITEMS and sum(len(i.data) for i in held.values()) < HELD_FEED_ITEM_BYTES:
                return
            del self._items[site]  # a rebuild's many feeds: written as they come, memory bounded
        self._index.keep_feed_items(site, list(held.values()))

    def flush_writes(self) -> None:
        """Send the batch's held writes: its shard parts and listing blocks, then the feed items
        its feeds made, a site's in as few requests as they fit (each feed of a publish makes
        the new article's items: kept feed by feed, they were a request per feed). On an index
        that groups writes, all of them in as few requests as they fit. A batch that dies
        first leaves its outputs pending (retried whole) and its items to be made again."""
        with self._lock:
            held, self._held = self._held, []
            listing, self._held_listing = self._held_listing, {}
            items, self._items = self._items, {}
        if not (held or listing or any(items.values())):
            return
        with self._group():
            self._write(held, listing)
            for site, kept in items.items():
                if kept:
                    self._index.keep_feed_items(site, list(kept.values()))

    def _group(self) -> AbstractContextManager[None]:
        return self._index.grouped_writes() if isinstance(self._index, GroupsWrites) else nullcontext()

    def _write(
        self, parts: list[Callable[[], None]], listing: dict[str, dict[str, ListingBlock | None]]
    ) -> None:
        for write in parts:
            write()
        for site, blocks in listing.items():
            put = [block for block in blocks.values() if block is not None]
            if put:
                self._index.put_listing_blocks(site, put)
            dropped = [period for period, block in blocks.items() if block is None]
            if dropped:
                self._index.drop_listing_blocks(site, dropped)

    def _hold(self, write: Callable[[], None]) -> None:
        """Hold a shard-part write for `flush_writes` (the caller holds the lock)."""
        self._held.append(write)
        self._bound_held()

    def _bound_held(self) -> None:
        held = len(self._held) + sum(len(blocks) for blocks in self._held_listing.values())
        if held >= HELD_INDEX_WRITES:
            self._send_held()  # a rebuild page's many periods: memory stays bounded

    def _send_held(self) -> None:
        """Send the held shard-part and listing writes now (the caller holds the lock)."""
        held, self._held = self._held, []
        listing, self._held_listing = self._held_listing, {}
        if held or listing:
            with self._group():
                self._write(held, listing)

    def news_entries(
        self, site: str, after: datetime, until: datetime, limit: int
    ) -> list[NewsEntry | KeptNewsEntry]:
        with self._lock:
            kept = self._news.get((site, after, until))
            if kept is not None and (limit <= kept[0] or len(kept[1]) < kept[0]):
                return kept[1][:limit]
            found = list(self._index.news_entries(site, after, until, limit))
            self._news[(site, after, until)] = (limit, found)
            return list(found)


class BatchQueue:
    """A `RenderQueue` for one render batch of one site: its quarantined outputs read once, and
    `before_done` (the batch index's `flush_writes`) called before its outputs are done."""

    def __init__(self, queue: RenderQueue, before_done: Callable[[], None] | None = None) -> None:
        self._queue = queue
        self._quarantined: list[QuarantinedOutput] | None = None
        # What must be written before the batch's outputs are done: its index's held writes.
        self._before_done = before_done

    def push(self, keys: Iterable[OutputKey]) -> None:
        self._queue.push(keys)

    def take(self) -> list[tuple[OutputKey, int]]:
        return self._queue.take()

    def done(self, taken: Iterable[tuple[OutputKey, int]]) -> None:
        if self._before_done is not None:
            self._before_done()
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
