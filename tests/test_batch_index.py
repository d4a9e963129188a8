"""The index as one render batch reads it (app.batch_index): each site's shard parts are read
once, and what the batch writes of them is what it reads next, as a fresh read would give; the
news entries of one window are read once (robots.txt asks after the news sitemap); the queue's
quarantined outputs are read once until the batch quarantines or releases one."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest

from warta.adapters.sqlite_index import SqliteIndex
from warta.app import batch_index
from warta.app.batch_index import (
    HELD_FEED_ITEM_BYTES,
    HELD_FEED_ITEMS,
    HELD_INDEX_WRITES,
    WIDENED_ASK_ARTICLES,
    BatchIndex,
    BatchQueue,
)
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

LASTMOD = datetime(2023, 9, 21, tzinfo=UTC)


def _part(period: str, part: int, urls: int = 10) -> ShardPart:
    return ShardPart(period, part, urls, LASTMOD)


class _Parts:
    """Shard parts as an index keeps them (by period, then part), with its reads counted."""

    def __init__(self, parts: dict[str, list[ShardPart]]) -> None:
        self.parts = parts
        self.reads = 0
        self.told: list[list[ShardPart] | None] = []  # the stored parts each write was handed

    def shard_parts(self, site: str, period: str | None = None) -> list[ShardPart]:
        self.reads += 1
        found = sorted(self.parts.get(site, []), key=lambda p: (p.period, p.part))
        return [p for p in found if period is None or p.period == period]

    def set_shard_parts(
        self, site: str, period: str, parts: Sequence[ShardPart], stored: Sequence[ShardPart] | None = None
    ) -> None:
        self.told.append(None if stored is None else list(stored))
        self.parts[site] = [p for p in self.parts.get(site, []) if p.period != period] + list(parts)


def _batch(inner: _Parts) -> BatchIndex:
    return BatchIndex(cast(ArticleIndex, inner))


def test_each_site_is_read_once_and_a_period_is_its_slice() -> None:
    inner = _Parts({"a": [_part("2023-08", 1), _part("2023-09", 1), _part("2023-09", 2)], "b": []})
    batch = _batch(inner)
    assert batch.shard_parts("a", "2023-09") == inner.shard_parts("a", "2023-09")
    assert batch.shard_parts("a") == inner.shard_parts("a")
    assert batch.shard_parts("a", "2023-07") == []
    assert inner.reads == 2 + 1  # the two comparisons' own reads, and the batch's one
    assert batch.shard_parts("b") == []
    assert inner.reads == 4  # another site: its own read


# What the batch writes of a period -> a fresh read after it gives the same, without a read
# when the period was listed already.
WRITES = [
    ("2023-09", [_part("2023-09", 1, 11), _part("2023-09", 2), _part("2023-09", 3)], 0),  # grows
    ("2023-09", [_part("2023-09", 1, 3)], 0),  # shrinks to one part
    ("2023-09", [], 0),  # empties
    ("2023-08", [_part("2023-08", 2, 5), _part("2023-08", 1, 7)], 0),  # given out of order
    ("2023-10", [_part("2023-10", 1, 1)], 1),  # a new period: read again
    ("2023-07", [], 0),  # nothing of a period never listed
]


def test_what_the_batch_writes_is_what_a_fresh_read_gives() -> None:
    for period, parts, reads in WRITES:
        inner = _Parts({"a": [_part("2023-08", 1), _part("2023-09", 1), _part("2023-09", 2)]})
        batch = _batch(inner)
        batch.shard_parts("a")
        inner.reads = 0
        batch.set_shard_parts("a", period, parts)
        answered = batch.shard_parts("a")
        batch.flush_writes()
        assert answered == inner.shard_parts("a"), period
        assert inner.reads == reads + 1, period  # + the comparison's own


def test_a_write_hands_the_index_the_periods_parts_as_the_batch_knows_them() -> None:
    inner = _Parts({"a": [_part("2023-08", 1), _part("2023-09", 1), _part("2023-09", 2)]})
    batch = _batch(inner)
    batch.set_shard_parts("a", "2023-09", [_part("2023-09", 1, 11)])
    assert inner.told == [None]  # not read yet: the index reads them itself
    batch.shard_parts("a")
    batch.set_shard_parts("a", "2023-09", [_part("2023-09", 1, 12), _part("2023-09", 2, 1)])
    batch.set_shard_parts("a", "2023-09", [_part("2023-09", 1, 13)])
    batch.set_shard_parts("a", "2023-07", [_part("2023-07", 1, 1)])
    batch.flush_writes()
    assert inner.told[1:] == [
        [_part("2023-09", 1, 11)],
        [_part("2023-09", 1, 12), _part("2023-09", 2, 1)],
        [],
    ]


def test_a_write_before_any_read_reads_after_it() -> None:
    inner = _Parts({"a": [_part("2023-09", 1)]})
    batch = _batch(inner)
    batch.set_shard_parts("a", "2023-09", [_part("2023-09", 1, 99)])
    assert batch.shard_parts("a") == [_part("2023-09", 1, 99)]


class _CountedListing(ForwardingIndex):
    """An index (SQLite: the same rules as DynamoDB's), its sitemap-listing reads counted."""

    def __init__(self, index: ArticleIndex) -> None:
        super().__init__(index)
        self.reads = 0

    def sitemap_listing(self, site: str) -> list[ListingBlock]:
        self.reads += 1
        return self._index.sitemap_listing(site)


def _block(period: str, stamp: str = "s1", body: bytes = b"<sitemap/>") -> ListingBlock:
    return ListingBlock(period, stamp, body, "", 1, 10, 5)


# What the batch writes of the blocks -> a fresh read after it gives the same, read once.
LISTING_WRITES = [
    ("put", [_block("2023-09", body=b"<new/>")], True),  # a shard render: replaced
    ("put", [_block("2023-09", body=b"<new/>")], False),  # the same stamp: kept as it was
    ("put", [_block("2023-09", "s2", b"<new/>")], False),  # another stamp: replaced
    ("put", [_block("2023-10")], False),  # a period not kept yet
    ("put", [_block("2023-07"), _block("")], True),  # an earlier period, and the header
    ("drop", ["2023-08"], None),
    ("drop", ["2023-08", "2023-06"], None),  # one that was never kept
]


@pytest.mark.parametrize(("op", "given", "replace"), LISTING_WRITES)
def test_the_listing_is_read_once_and_follows_what_the_batch_writes(
    tmp_path: Path, op: str, given: list[Any], replace: bool | None
) -> None:
    inner = _CountedListing(SqliteIndex(tmp_path / "index.db"))
    inner.put_listing_blocks("a", [_block(""), _block("2023-08"), _block("2023-09")])
    batch = BatchIndex(inner)
    assert batch.sitemap_listing("a") == inner.sitemap_listing("a")
    if op == "put":
        batch.put_listing_blocks("a", given, replace=bool(replace))
    else:
        batch.drop_listing_blocks("a", iter(given))
    inner.reads = 0
    answered = batch.sitemap_listing("a")
    batch.flush_writes()
    assert answered == inner.sitemap_listing("a"), (op, given, replace)
    assert inner.reads == 1  # the comparison's own
    assert batch.sitemap_listing("b") == [] and inner.reads == 2  # another site: its own read


def test_a_listing_write_before_any_read_reads_after_it(tmp_path: Path) -> None:
    inner = SqliteIndex(tmp_path / "index.db")
    batch = BatchIndex(inner)
    batch.put_listing_blocks("a", [_block("2023-09")])
    batch.drop_listing_blocks("a", ["2023-08"])
    inner.put_listing_blocks("a", [_block("2023-08"), _block("2023-10")])  # as the index held them
    assert batch.sitemap_listing("a") == [_block("2023-09"), _block("2023-10")]  # as if written
    assert inner.sitemap_listing("a") == [_block("2023-08"), _block("2023-10")]  # not yet
    batch.flush_writes()
    assert inner.sitemap_listing("a") == [_block("2023-09"), _block("2023-10")]


class _News:
    """News entries as an index gives them (newest first, up to the limit), reads counted."""

    def __init__(self, count: int) -> None:
        self.entries = [
            NewsEntry(f"https://www.andalpost.com/n/{n}", f"Berita {n}", "id", LASTMOD) for n in range(count)
        ]
        self.reads = 0

    def news_entries(self, site: str, after: datetime, until: datetime, limit: int) -> list[NewsEntry]:
        self.reads += 1
        return self.entries[:limit]


# (entries there are, the first read's limit, the next read's limit) -> whether it reads again
NEWS_READS = [
    (5, 1000, 1, False),  # robots.txt after the news sitemap: the first entry of those read
    (5, 1000, 1000, False),
    (5, 3, 3, False),
    (5, 3, 2, False),
    (5, 3, 4, True),  # more than were read, and there may be more: read again
    (2, 3, 4, False),  # fewer than the limit came back: that was all of them
    (3, 3, 4, True),  # exactly the limit came back: there may be more
]


@pytest.mark.parametrize(("count", "first", "then", "reads_again"), NEWS_READS)
def test_news_entries_of_one_window_are_read_once(
    count: int, first: int, then: int, reads_again: bool
) -> None:
    inner = _News(count)
    batch = BatchIndex(cast(ArticleIndex, inner))
    assert batch.news_entries("a", LASTMOD, LASTMOD, first) == inner.entries[:first]
    assert batch.news_entries("a", LASTMOD, LASTMOD, then) == inner.entries[:then]
    assert inner.reads == 1 + reads_again


def test_news_entries_of_another_window_or_site_are_read_anew() -> None:
    inner = _News(3)
    batch = BatchIndex(cast(ArticleIndex, inner))
    batch.news_entries("a", LASTMOD, LASTMOD, 10)
    batch.news_entries("b", LASTMOD, LASTMOD, 10)
    batch.news_entries("a", LASTMOD - timedelta(days=1), LASTMOD, 10)
    batch.news_entries("a", LASTMOD, LASTMOD + timedelta(seconds=1), 10)
    assert inner.reads == 4


# --- the queue -------------------------------------------------------------------------------

KEY = OutputKey("a", "feed", "home")
OTHER = OutputKey("a", "robots")


class _Quarantine:
    """Quarantined outputs as a queue keeps them, with their reads counted."""

    def __init__(self) -> None:
        self.kept: dict[OutputKey, QuarantinedOutput] = {}
        self.reads = 0

    def quarantine(self, key: OutputKey, reason: str, retry_at: datetime) -> int:
        attempts = self.kept[key].attempts + 1 if key in self.kept else 1
        self.kept[key] = QuarantinedOutput(key, reason, attempts, retry_at)
        return attempts

    def release(self, keys: Iterable[OutputKey]) -> None:
        for key in keys:
            self.kept.pop(key, None)

    def quarantined(self) -> list[QuarantinedOutput]:
        self.reads += 1
        return list(self.kept.values())


def test_the_quarantine_is_read_once_until_the_batch_changes_it() -> None:
    inner = _Quarantine()
    inner.quarantine(KEY, "rusak", LASTMOD)
    batch = BatchQueue(cast(RenderQueue, inner))
    assert batch.due_quarantined(LASTMOD) == [KEY]
    assert batch.quarantined() == inner.quarantined()
    assert inner.reads == 1 + 1  # the batch's one, and the comparison's own
    assert batch.quarantine(OTHER, "rusak juga", LASTMOD + timedelta(minutes=1)) == 1
    assert batch.quarantined() == inner.quarantined()
    assert inner.reads == 4  # read again after its own quarantine
    batch.release([KEY])
    assert batch.quarantined() == inner.quarantined() == [inner.kept[OTHER]]
    assert inner.reads == 6


# retry_at against now -> due again
DUE = [(timedelta(seconds=-1), True), (timedelta(0), True), (timedelta(microseconds=1), False)]


@pytest.mark.parametrize(("after_now", "due"), DUE)
def test_an_output_is_due_again_from_its_retry_time(after_now: timedelta, due: bool) -> None:
    inner = _Quarantine()
    inner.quarantine(KEY, "rusak", LASTMOD + after_now)
    assert BatchQueue(cast(RenderQueue, inner)).due_quarantined(LASTMOD) == ([KEY] if due else [])


class _Items:
    """Feed items as an index keeps them, its writes recorded."""

    def __init__(self, *kept: FeedItem) -> None:
        self.kept = {(i.article_id, i.variant): i for i in kept}
        self.writes: list[list[FeedItem]] = []
        self.asks: list[tuple[list[str], list[str]]] = []  # (article ids, variants) asked

    def feed_items(
        self, site: str, articles: Sequence[tuple[str, int]], variants: Sequence[str]
    ) -> list[FeedItem]:
        self.asks.append(([a for a, _ in articles], sorted(variants)))
        revisions = dict(articles)
        return [
            i
            for i in self.kept.values()
            if revisions.get(i.article_id) == i.revision and i.variant in variants
        ]

    def keep_feed_items(self, site: str, items: Sequence[FeedItem]) -> None:
        self.writes.append(list(items))
        self.kept.update({(i.article_id, i.variant): i for i in items})


def _item(article: str, revision: int, variant: str = "rss", data: bytes = b"<item/>") -> FeedItem:
    return FeedItem(article, revision, variant, data)


def test_the_feed_items_a_batch_keeps_are_written_once_at_its_end_and_read_as_if_written() -> None:
    inner = _Items(_item("1", 1), _item("2", 1))
    batch = BatchIndex(cast(ArticleIndex, inner))
    batch.keep_feed_items("a", [_item("3", 1), _item("3", 1, "atom")])  # the home feed's
    batch.keep_feed_items("a", [_item("3", 1), _item("2", 2)])  # the section feed's
    assert inner.writes == []
    asked = [("1", 1), ("2", 2), ("3", 1)]
    expected = [_item("1", 1), _item("2", 2), _item("3", 1)]
    assert sorted(batch.feed_items("a", asked, ["rss"]), key=lambda i: i.article_id) == expected
    assert batch.feed_items("a", [("2", 1)], ["rss"]) == []  # the batch replaces that revision
    batch.flush_writes()
    assert len(inner.writes) == 1
    assert sorted(inner.feed_items("a", asked, ["rss"]), key=lambda i: i.article_id) == expected
    batch.flush_writes()
    assert len(inner.writes) == 1  # nothing held any more


def test_a_batch_holds_a_bounded_number_of_feed_items() -> None:
    inner = _Items()
    batch = BatchIndex(cast(ArticleIndex, inner))
    batch.keep_feed_items("a", [_item(str(n), 1) for n in range(HELD_FEED_ITEMS - 1)])
    assert inner.writes == []
    batch.keep_feed_items("a", [_item("last", 1)])
    assert [len(w) for w in inner.writes] == [HELD_FEED_ITEMS]
    batch.keep_feed_items("a", [_item("big", 1, data=b"x" * HELD_FEED_ITEM_BYTES)])
    assert [len(w) for w in inner.writes] == [HELD_FEED_ITEMS, 1]


@pytest.fixture
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch_index, "_VARIANTS_ASKED", {})


@pytest.mark.usefixtures("fresh_process")
def test_a_few_articles_are_asked_in_every_variant_the_sites_feeds_asked_for() -> None:
    inner = _Items(_item("1", 1, "atom"), _item("2", 1, "rss"))
    earlier = BatchIndex(cast(ArticleIndex, inner))  # a batch before: the home and section feeds
    earlier.feed_items("a", [("2", 1)], ["rss"])
    earlier.feed_items("a", [("2", 1)], ["atom", "json"])
    batch = BatchIndex(cast(ArticleIndex, inner))
    inner.asks.clear()
    assert batch.feed_items("a", [("1", 1)], ["rss"]) == []  # the new article: nothing kept
    assert inner.asks == [(["1"], ["atom", "json", "rss"])]
    assert batch.feed_items("a", [("1", 1)], ["atom", "json"]) == [_item("1", 1, "atom")]
    assert batch.feed_items("a", [("1", 1)], ["rss"]) == []
    assert len(inner.asks) == 1  # the batch's later feeds: answered by the first ask
    batch.keep_feed_items("a", [_item("1", 1, "rss")])
    assert batch.feed_items("a", [("1", 1)], ["rss"]) == [_item("1", 1, "rss")]  # its own keep
    assert len(inner.asks) == 1


@pytest.mark.usefixtures("fresh_process")
def test_an_ask_of_many_articles_reads_only_the_variants_it_wants() -> None:
    inner = _Items(*(_item(str(n), 1, "atom") for n in range(9)))
    batch = BatchIndex(cast(ArticleIndex, inner))
    batch.feed_items("a", [("0", 1)], ["atom"])
    many = [(str(n), 1) for n in range(WIDENED_ASK_ARTICLES + 1)]
    assert batch.feed_items("a", many, ["rss"]) == []
    assert inner.asks[-1] == ([str(n) for n in range(WIDENED_ASK_ARTICLES + 1)], ["rss"])
    found = batch.feed_items("a", many, ["atom"])  # not asked in it before: asked now
    assert sorted(i.article_id for i in found) == [str(n) for n in range(WIDENED_ASK_ARTICLES + 1)]


class _ByUrl(ForwardingIndex):
    """Articles by URL, the reads counted."""

    def __init__(self) -> None:
        super().__init__(cast(ArticleIndex, None))
        self.reads: list[str] = []

    def live_by_url(self, site: str, url: str, now: datetime) -> Any:
        self.reads.append(url)
        return f"article at {url} ({len(self.reads)})"


def test_an_article_read_by_url_is_read_once_for_the_amp_page_and_the_feeds() -> None:
    inner = _ByUrl()
    batch = BatchIndex(inner)
    first = batch.live_by_url("s", "u1", LASTMOD)
    assert batch.live_by_url("s", "u1", LASTMOD) == first
    assert inner.reads == ["u1"]
    batch.live_by_url("s", "u1", LASTMOD + timedelta(seconds=1))  # another instant
    batch.live_by_url("t", "u1", LASTMOD)  # another site
    assert inner.reads == ["u1", "u1", "u1"]
    for n in range(batch_index.URL_READS_KEPT):  # a rebuild's pages: the oldest forgotten
        batch.live_by_url("s", f"p{n}", LASTMOD)
    assert batch.live_by_url("s", "u1", LASTMOD) != first
    assert BatchIndex(inner).live_by_url("s", "p1", LASTMOD) != batch.live_by_url("s", "p1", LASTMOD)


# --- the batch's held writes ------------------------------------------------------------------


class _Writes:
    """An index that groups writes (as DynamoDB's does) and a queue, logging what each does."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.grouping = False
        self.parts: dict[str, list[ShardPart]] = {"a": [_part("2023-09", 1)]}

    @contextmanager
    def grouped_writes(self) -> Iterator[None]:
        self.log.append("group")
        self.grouping = True
        try:
            yield
        finally:
            self.grouping = False
        self.log.append("sent")

    def _note(self, what: str) -> None:
        self.log.append(what if self.grouping else f"{what} (alone)")

    def shard_parts(self, site: str, period: str | None = None) -> list[ShardPart]:
        self.log.append("read parts")
        return [p for p in self.parts.get(site, []) if period is None or p.period == period]

    def set_shard_parts(
        self, site: str, period: str, parts: Sequence[ShardPart], stored: Sequence[ShardPart] | None = None
    ) -> None:
        self._note(f"parts {period}")
        self.parts[site] = [p for p in self.parts.get(site, []) if p.period != period] + list(parts)

    def sitemap_listing(self, site: str) -> list[ListingBlock]:
        self.log.append("read listing")
        return []

    def put_listing_blocks(self, site: str, blocks: Sequence[ListingBlock], replace: bool = True) -> None:
        self._note("listing " + " ".join(b.period for b in blocks) + ("" if replace else " if other stamp"))

    def drop_listing_blocks(self, site: str, periods: Iterable[str]) -> None:
        self._note("drop " + " ".join(periods))

    def keep_feed_items(self, site: str, items: Sequence[FeedItem]) -> None:
        self._note(f"{len(items)} items")

    def done(self, taken: Iterable[tuple[OutputKey, int]]) -> None:
        self.log.append("done")


def test_a_publishs_index_writes_go_out_together_before_its_outputs_are_done() -> None:
    writes = _Writes()
    batch = BatchIndex(cast(ArticleIndex, writes))
    queue = BatchQueue(cast(RenderQueue, writes), before_done=batch.flush_writes)
    batch.keep_feed_items("a", [_item("1", 1), _item("1", 1, "atom")])  # the feeds
    batch.shard_parts("a", "2023-09")  # the shard render
    batch.put_listing_blocks("a", [_block("2023-09")])
    batch.set_shard_parts("a", "2023-09", [_part("2023-09", 1, 11)])
    assert batch.sitemap_listing("a") == [_block("2023-09")]  # the sitemap index: as if written
    assert batch.shard_parts("a") == [_part("2023-09", 1, 11)]
    assert writes.log == ["read parts", "read listing"]  # nothing written yet
    queue.done([])
    assert writes.log[2:] == ["group", "parts 2023-09", "listing 2023-09", "2 items", "sent", "done"]
    batch.flush_writes()
    assert writes.log[-1] == "done"  # nothing held any more


def test_a_read_of_the_index_comes_after_the_writes_the_batch_holds() -> None:
    writes = _Writes()
    batch = BatchIndex(cast(ArticleIndex, writes))
    batch.shard_parts("a")
    batch.set_shard_parts("a", "2023-10", [_part("2023-10", 1)])  # a new period: read again
    batch.drop_listing_blocks("a", ["2023-08"])
    assert writes.log == ["read parts"]
    assert batch.shard_parts("a") == [_part("2023-09", 1), _part("2023-10", 1)]
    assert writes.log[1:] == ["group", "parts 2023-10", "drop 2023-08", "sent", "read parts"]
    batch.put_listing_blocks("a", [_block("2023-11")])
    batch.put_listing_blocks("a", [_block("2023-12")], replace=False)  # conditional: sent now, after
    assert writes.log[6:] == ["group", "listing 2023-11", "sent", "listing 2023-12 if other stamp (alone)"]


def test_a_batch_holds_a_bounded_number_of_index_writes() -> None:
    writes = _Writes()
    batch = BatchIndex(cast(ArticleIndex, writes))
    for n in range(HELD_INDEX_WRITES - 1):
        batch.put_listing_blocks("a", [_block(f"{n:04d}")])
    assert writes.log == []
    batch.drop_listing_blocks("a", ["9999"])
    assert writes.log[0] == "group" and writes.log[-1] == "sent"
    assert writes.log[-2] == "drop 9999"


def test_a_later_write_of_a_listing_block_is_the_one_that_stands() -> None:
    writes = _Writes()
    batch = BatchIndex(cast(ArticleIndex, writes))
    batch.put_listing_blocks("a", [_block("2023-09")])
    batch.drop_listing_blocks("a", ["2023-09", "2023-08"])
    batch.put_listing_blocks("a", [_block("2023-08")])
    assert batch.sitemap_listing("a") == [_block("2023-08")]
    batch.flush_writes()
    assert writes.log[1:] == ["group", "listing 2023-08", "drop 2023-09", "sent"]
