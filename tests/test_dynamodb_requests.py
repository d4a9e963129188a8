"""The requests the DynamoDB adapters make (issue 17, point 1). The index: a list's articles
come from the articles it keeps parsed by revision, and a new revision is read again; list
queries read only the attributes they use. The render queue: a push writes its pending items
25 to a request, and done deletes them in one transaction. What they do is the contract
suites' (test_contract_index, test_contract_queue)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from warta.adapters import dynamodb_index as index_module
from warta.adapters.dynamodb_articles import ParsedArticles
from warta.adapters.dynamodb_feed_items import ITEMS_WITH_ARTICLES
from warta.adapters.dynamodb_index import DynamoIndex
from warta.app.batch_index import BatchIndex
from warta.app.outputs.feeds import render_feed_output
from warta.core.articles import Article, body_left_out
from warta.core.config import SiteConfig
from warta.core.planner import OutputKey, shard_period
from warta.core.ports import FeedItem, ShardPart, UrlHeld, WriteResult
from warta.core.views import ListingBlock

from conftest import WIB
from support.contracts import SITE, dynamodb_index, sqs_queue

NOW = datetime(2023, 9, 21, 12, 0, tzinfo=WIB)


class _Calls:
    """DynamoDB operations the index makes, with their request parameters."""

    def __init__(self, adapter: Any) -> None:
        self.seen: Counter[str] = Counter()
        self.params: list[tuple[str, dict[str, Any]]] = []
        adapter._ddb.meta.events.register("provide-client-params.dynamodb", self._note)

    def _note(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.seen[model.name] += 1
        self.params.append((model.name, params))

    def clear(self) -> None:
        self.seen.clear()
        self.params.clear()


def _stored(index: DynamoIndex, site: SiteConfig, *articles: Article) -> None:
    for article in articles:
        assert index.write(article, shard_period(article.published_at, site), True).applied


@pytest.fixture
def index(moto: Any) -> DynamoIndex:
    found: DynamoIndex = dynamodb_index(moto)
    return found


def test_a_list_read_again_reads_only_the_revisions_it_has_not_parsed(
    index: DynamoIndex, site: SiteConfig, make_article: Callable[..., Article]
) -> None:
    first, second = make_article(id="1"), make_article(id="2", title="Kedua")
    _stored(index, site, first, second)
    calls = _Calls(index)
    assert [a.title for a in index.latest(site.id, NOW, 10)] == ["Kedua", "Berita nomor 1"]
    assert calls.seen["BatchGetItem"] == 1
    calls.clear()
    section = index.latest(site.id, NOW, 10, section="nasional")
    assert [a.title for a in section] == ["Kedua", "Berita nomor 1"]
    assert calls.seen == Counter({"Query": 1})  # both kept parsed: no article read
    _stored(index, site, replace(second, revision=2, title="Kedua, diperbarui"))
    calls.clear()
    assert [a.title for a in index.latest(site.id, NOW, 10)] == ["Kedua, diperbarui", "Berita nomor 1"]
    ((_, batch),) = [(name, p) for name, p in calls.params if name == "BatchGetItem"]
    (keys,) = [request["Keys"] for request in batch["RequestItems"].values()]
    assert [key["pk"]["S"] for key in keys] == [f"A#{site.id}#2"]  # only the new revision


def test_article_reads_leave_out_the_membership_list(
    index: DynamoIndex, site: SiteConfig, make_article: Callable[..., Article]
) -> None:
    _stored(index, site, make_article(id="1"))
    calls = _Calls(index)
    index.live_by_url(site.id, make_article(id="1").url, NOW)
    ((_, query), (_, batch)) = calls.params
    assert sorted(query["ExpressionAttributeNames"].values()) == ["id", "rev"]
    (request,) = batch["RequestItems"].values()
    assert "members" not in request["ExpressionAttributeNames"].values()
    assert "doc_z" in request["ExpressionAttributeNames"].values()


def test_news_entries_read_only_what_the_news_sitemap_shows(
    index: DynamoIndex, site: SiteConfig, make_article: Callable[..., Article]
) -> None:
    article = make_article(id="1")
    _stored(index, site, article)
    calls = _Calls(index)
    (entry,) = index.news_entries(site.id, article.published_at.replace(year=2022), NOW, 10)
    assert (entry.url, entry.title) == (article.url, article.title)
    ((_, query),) = calls.params
    assert sorted(query["ExpressionAttributeNames"].values()) == ["language", "published_at", "title", "url"]


def test_a_write_after_a_get_does_not_decode_the_stored_article_again(
    index: DynamoIndex,
    site: SiteConfig,
    make_article: Callable[..., Article],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    article = make_article(id="1")
    _stored(index, site, article)
    decoded: list[str] = []
    from_json = Article.from_json
    monkeypatch.setattr(Article, "from_json", lambda data: decoded.append(data["id"]) or from_json(data))
    assert index.get(site.id, "1") == article
    result = index.write(
        replace(article, revision=2, title="Diperbarui"), shard_period(article.published_at, site), True
    )
    assert result.applied and result.previous == article
    assert decoded == ["1"]  # by the get; the write took it as parsed
    assert index.get(site.id, "1") == replace(article, revision=2, title="Diperbarui")
    assert decoded == ["1", "1"]  # a new revision is decoded


def test_the_next_batch_takes_the_feed_items_the_container_remembers(
    index: DynamoIndex, site: SiteConfig, make_article: Callable[..., Article]
) -> None:
    """The render Lambda wraps its index anew for each batch; a feed reads its articles without
    bodies, kept parsed so by the index, and the items the last batch made or read are
    remembered for the index the wrappers share: the next batch reads neither again."""
    _stored(index, site, *(make_article(id=str(n), title=f"Berita {n}") for n in range(1, 6)))
    key = OutputKey(site.id, "feed", "tag:jakarta")
    first = render_feed_output(key, site, BatchIndex(index), NOW)
    calls = _Calls(index)
    again = BatchIndex(index)
    assert render_feed_output(key, site, again, NOW) == first
    assert calls.seen == Counter({"Query": 1})  # the tag's list; no article, no kept item


def test_a_list_read_without_bodies_is_kept_so_and_takes_the_articles_kept_whole(
    index: DynamoIndex, site: SiteConfig, make_article: Callable[..., Article]
) -> None:
    """The port's promise holds from what is kept: read without bodies, every article's body is
    left out, the same value at each read; read whole, whole."""
    _stored(index, site, *(make_article(id=str(n)) for n in range(1, 4)))
    index.get(site.id, "1")  # kept whole
    without = index.latest(site.id, NOW, 10, bodies=False)
    assert [a.id for a in without] == ["3", "2", "1"] and all(body_left_out(a) for a in without)
    calls = _Calls(index)
    again = index.latest(site.id, NOW, 10, bodies=False)
    assert [a is b for a, b in zip(again, without, strict=True)] == [True] * 3
    whole = index.latest(site.id, NOW, 10)
    assert not any(body_left_out(a) for a in whole)
    assert calls.seen == Counter({"Query": 2, "BatchGetItem": 1})  # "2" and "3" read whole once


def _other_writer(index: DynamoIndex) -> DynamoIndex:
    """Another function's index on the same table (it shares no memory with `index`)."""
    return DynamoIndex(index._ddb, index.table, s3_client=index._s3, doc_bucket=index._doc_bucket)


def _asked_keys(calls: _Calls) -> list[str]:
    return [
        key["pk"]["S"] + "/" + key["sk"]["S"]
        for name, params in calls.params
        if name == "BatchGetItem"
        for request in params["RequestItems"].values()
        for key in request["Keys"]
    ]


def test_a_read_of_a_few_articles_brings_their_kept_feed_items_for_the_next_ask(
    index: DynamoIndex, site: SiteConfig, make_article: Callable[..., Article]
) -> None:
    """A warm render reads a publish's new article for its AMP page, then its feeds ask for the
    article's kept items (none, for a new revision): read beside it, in the same request."""
    articles = [make_article(id=str(n), url=f"{site.base_url}/nasional/berita-{n}") for n in (1, 2)]
    _stored(index, site, *articles)
    index.keep_feed_items(site.id, [FeedItem("1", 1, "rss", b"<item/>"), FeedItem("2", 7, "rss", b"<lama/>")])
    reader = _other_writer(index)  # a render function's index: nothing parsed yet
    reader.feed_items(site.id, [("0", 1)], ["atom", "rss"])  # an earlier batch's feeds
    calls = _Calls(reader)
    assert reader.live_by_url(site.id, articles[0].url, NOW) == articles[0]
    assert reader.live_by_url(site.id, articles[1].url, NOW) == articles[1]
    assert calls.seen == Counter({"Query": 2, "BatchGetItem": 2})
    assert sorted(_asked_keys(calls)) == sorted(
        f"{pk}/{sk}"
        for n in (1, 2)
        for pk, sk in (
            (f"A#{site.id}#{n}", "ARTICLE"),
            (f"F#{site.id}#{n}", "atom"),
            (f"F#{site.id}#{n}", "rss"),
        )
    )
    calls.clear()
    asked = [("1", 1), ("2", 1)]
    assert reader.feed_items(site.id, asked, ["atom", "rss"]) == [FeedItem("1", 1, "rss", b"<item/>")]
    assert calls.seen == Counter()  # answered by what was read beside them
    stored = index.feed_items(site.id, asked, ["rss"])
    calls.clear()
    assert reader.feed_items(site.id, asked, ["rss"]) == stored
    assert calls.seen == Counter({"BatchGetItem": 1})  # once: the next ask reads


def test_a_keep_after_the_read_beside_an_article_is_what_the_next_ask_finds(
    index: DynamoIndex, site: SiteConfig, make_article: Callable[..., Article]
) -> None:
    article = make_article(id="1")
    _stored(index, site, article)
    index.feed_items(site.id, [("0", 1)], ["rss"])
    assert index.live_by_url(site.id, article.url, NOW) == article  # none kept: read beside it
    index.keep_feed_items(site.id, [FeedItem("1", 1, "rss", b"<item/>")])
    assert index.feed_items(site.id, [("1", 1)], ["rss"]) == [FeedItem("1", 1, "rss", b"<item/>")]


def test_a_read_of_many_articles_reads_no_feed_items_beside_them(
    index: DynamoIndex, site: SiteConfig, make_article: Callable[..., Article]
) -> None:
    count = ITEMS_WITH_ARTICLES + 1
    _stored(
        index,
        site,
        *(make_article(id=str(n), url=f"{site.base_url}/nasional/berita-{n}") for n in range(count)),
    )
    reader = _other_writer(index)
    reader.feed_items(site.id, [("0", 1)], ["rss"])
    calls = _Calls(reader)
    assert len(reader.latest(site.id, NOW, 10)) == count
    assert not [key for key in _asked_keys(calls) if key.startswith("F#")]


def test_a_write_after_a_get_of_the_article_does_not_read_it_again(
    index: DynamoIndex, site: SiteConfig, make_article: Callable[..., Article]
) -> None:
    article = make_article(id="1")
    period = shard_period(article.published_at, site)
    _stored(index, site, article)
    calls = _Calls(index)
    assert index.get(site.id, "1") == article
    assert index.write(replace(article, revision=2, title="Dua"), period, True).previous == article
    assert calls.seen == Counter({"GetItem": 1, "TransactWriteItems": 1})
    calls.clear()
    assert index.get(site.id, "2") is None  # a new article: the write starts from no item too
    assert index.write(make_article(id="2", url=article.url + "-2"), period, True).applied
    assert calls.seen == Counter({"GetItem": 1, "TransactWriteItems": 1})


@pytest.mark.parametrize(("between", "ours", "applied"), [(2, 3, True), (3, 2, False), (2, 2, False)])
def test_a_write_after_another_came_in_since_the_get_decides_on_the_item_as_it_is_now(
    index: DynamoIndex,
    site: SiteConfig,
    make_article: Callable[..., Article],
    between: int,
    ours: int,
    applied: bool,
) -> None:
    article = make_article(id="1")
    period = shard_period(article.published_at, site)
    _stored(index, site, article)
    assert index.get(site.id, "1") == article
    newer = replace(article, revision=between, title="Di antara")
    assert _other_writer(index).write(newer, period, True).applied
    result = index.write(replace(article, revision=ours, title="Kami"), period, True)
    assert result == WriteResult(applied=applied, previous=newer)
    assert index.get(site.id, "1") == (replace(article, revision=ours, title="Kami") if applied else newer)


def test_a_write_after_a_get_still_names_the_holder_of_its_url(
    index: DynamoIndex, site: SiteConfig, make_article: Callable[..., Article]
) -> None:
    holder = make_article(id="1")
    _stored(index, site, holder)
    assert index.get(site.id, "2") is None
    with pytest.raises(UrlHeld) as refused:
        index.write(make_article(id="2", url=holder.url), shard_period(holder.published_at, site), True)
    assert refused.value.holder_id == "1"


def test_shard_parts_handed_as_stored_are_replaced_without_a_read_writing_only_what_changed(
    index: DynamoIndex, site: SiteConfig
) -> None:
    lastmod = datetime(2023, 9, 20, 10, 0, tzinfo=WIB)
    first = [ShardPart("2023-09", 1, 50_000, lastmod, cut=(1, "c:1")), ShardPart("2023-09", 2, 10, None)]
    index.set_shard_parts(site.id, "2023-09", first)
    calls = _Calls(index)
    grown = [first[0], ShardPart("2023-09", 2, 11, lastmod)]
    index.set_shard_parts(site.id, "2023-09", grown, stored=index.shard_parts(site.id, "2023-09"))
    assert calls.seen == Counter({"Query": 1, "BatchWriteItem": 1})  # the read handed in; no other
    written = next(p for name, p in calls.params if name == "BatchWriteItem")["RequestItems"][index.table]
    assert [r["PutRequest"]["Item"]["sk"]["S"] for r in written] == ["2023-09#000002"]
    assert index.shard_parts(site.id, "2023-09") == grown
    calls.clear()
    index.set_shard_parts(site.id, "2023-09", grown, stored=grown)
    assert calls.seen == Counter()  # nothing changed: no request
    index.set_shard_parts(site.id, "2023-09", grown[:1], stored=grown)
    assert calls.seen == Counter({"BatchWriteItem": 1})
    assert index.shard_parts(site.id) == grown[:1]


def test_grouped_writes_go_out_in_one_request_a_key_as_its_later_write_left_it(
    index: DynamoIndex, site: SiteConfig
) -> None:
    def block(period: str, body: bytes) -> ListingBlock:
        return ListingBlock(period, "s1", body, "", 1, 10, 5)

    index.put_listing_blocks(site.id, [block("2023-08", b"<lama/>")])
    part = ShardPart("2023-09", 1, 10, datetime(2023, 9, 20, 10, 0, tzinfo=WIB))
    calls = _Calls(index)
    with index.grouped_writes():
        index.put_listing_blocks(site.id, [block("2023-09", b"<sitemap/>")])
        index.drop_listing_blocks(site.id, ["2023-08"])
        index.set_shard_parts(site.id, "2023-09", [part], stored=[])
        index.keep_feed_items(site.id, [FeedItem("1", 1, "rss", b"<item/>")])
        index.put_listing_blocks(site.id, [block("2023-08", b"<baru/>")])  # after its drop
        assert calls.seen == Counter()
    assert calls.seen == Counter({"BatchWriteItem": 1})
    assert [b.body for b in index.sitemap_listing(site.id)] == [b"<baru/>", b"<sitemap/>"]
    assert index.shard_parts(site.id) == [part]
    assert index.feed_items(site.id, [("1", 1)], ["rss"]) == [FeedItem("1", 1, "rss", b"<item/>")]
    calls.clear()
    with pytest.raises(RuntimeError), index.grouped_writes():
        index.drop_listing_blocks(site.id, ["2023-08"])
        raise RuntimeError("the batch died")
    assert calls.seen == Counter()  # nothing sent
    index.drop_listing_blocks(site.id, ["2023-08"])  # not grouped: sent at once
    assert calls.seen == Counter({"BatchWriteItem": 1})


def _scheduled(
    index: DynamoIndex, site: SiteConfig, make_article: Callable[..., Article], *hours: int
) -> None:
    """Articles published `hours` after NOW, written unreleased (scheduled) as ingest does."""
    for n, hour in enumerate(hours):
        article = make_article(id=f"s{n}", url=f"{site.base_url}/nasional/jadwal-{n}")
        article = replace(article, published_at=NOW + timedelta(hours=hour))
        assert index.write(article, shard_period(article.published_at, site), False).applied


def test_the_status_counts_scheduled_articles_from_the_batchs_due_read_once(
    index: DynamoIndex, site: SiteConfig, make_article: Callable[..., Article]
) -> None:
    _scheduled(index, site, make_article, -2, 1, 3, 5)
    calls = _Calls(index)
    assert [a.id for a in index.due(site.id, NOW)] == ["s0"]
    assert calls.seen["Query"] == 1  # the due ones and those ahead, in one read
    calls.clear()
    later = NOW + timedelta(hours=2)  # the report's clock: one more came due meanwhile
    assert index.scheduled_count(site.id, later) == 2
    assert calls.seen == Counter()
    assert index.scheduled_count(site.id, later) == 2  # once: the next asks the GSI
    assert calls.seen == Counter({"Query": 1})


def test_past_a_page_of_articles_ahead_the_status_counts_them_itself(
    index: DynamoIndex,
    site: SiteConfig,
    make_article: Callable[..., Article],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(index_module, "SCHEDULED_READ", 2)
    _scheduled(index, site, make_article, -3, -2, -1, 1, 3, 5)
    calls = _Calls(index)
    assert [a.id for a in index.due(site.id, NOW)] == ["s0", "s1", "s2"]  # every due one, paged
    assert calls.seen["Query"] == 2
    calls.clear()
    assert index.scheduled_count(site.id, NOW) == 3
    assert calls.seen == Counter({"Query": 1})


# --- the render queue ------------------------------------------------------------------------

# keys pushed at once -> BatchWriteItem requests (25 a request: DynamoDB's limit)
PUSHES = [(1, 1), (25, 1), (26, 2), (50, 2), (51, 3)]


@pytest.mark.parametrize(("keys", "requests"), PUSHES)
def test_a_push_writes_its_pending_items_25_to_a_request(moto: Any, keys: int, requests: int) -> None:
    queue = sqs_queue(moto)
    calls = _Calls(queue)
    queue.push([OutputKey(SITE, "amp", f"https://www.andalpost.com/n/{n}") for n in range(keys)])
    assert calls.seen == Counter({"BatchWriteItem": requests})
    assert len(queue.take()) == keys


# keys taken, of them pushed again before done -> the requests done makes
DONES = [
    (1, 0, Counter({"DeleteItem": 1})),  # one key: its own conditional delete
    (2, 0, Counter({"TransactWriteItems": 1})),
    (100, 0, Counter({"TransactWriteItems": 1})),  # DynamoDB's 100 actions a transaction
    (101, 0, Counter({"TransactWriteItems": 1, "DeleteItem": 1})),
    (3, 1, Counter({"TransactWriteItems": 1, "DeleteItem": 3})),  # cancelled: one by one
]


@pytest.mark.parametrize(("keys", "again", "requests"), DONES)
def test_done_deletes_in_one_transaction_unless_a_key_was_pushed_again(
    moto: Any, keys: int, again: int, requests: Counter[str]
) -> None:
    queue = sqs_queue(moto)
    pushed = [OutputKey(SITE, "amp", f"https://www.andalpost.com/n/{n:03d}") for n in range(keys)]
    queue.push(pushed)
    taken = queue.take()
    queue.push(pushed[:again])
    calls = _Calls(queue)
    queue.done(taken)
    assert calls.seen == requests
    assert sorted(key.name for key, _ in queue.take()) == sorted(key.name for key in pushed[:again])


# --- the parsed articles' bounds ---------------------------------------------------------------


def test_parsed_articles_keep_the_most_recently_used_within_their_count(
    make_article: Callable[..., Article],
) -> None:
    kept = ParsedArticles(entries=2, doc_bytes=1_000)
    a, b, c = (make_article(id=i) for i in "abc")
    kept.put(a, 10)
    kept.put(b, 10)
    assert kept.get((a.site, "a", 1)) is a  # a is now the most recent
    kept.put(c, 10)
    assert [kept.get((x.site, x.id, 1)) for x in (a, b, c)] == [a, None, c]
    assert kept.get((a.site, "a", 2)) is None  # another revision is another article


def test_parsed_articles_hand_one_value_without_the_body_per_revision(
    make_article: Callable[..., Article],
) -> None:
    kept = ParsedArticles(entries=10, doc_bytes=100)
    whole = make_article(id="a")
    kept.put(whole, 40)
    without = kept.get_without_body((whole.site, "a", 1))
    assert without is not None and body_left_out(without)
    assert replace(without, body=()) == replace(whole, body=())
    assert kept.get_without_body((whole.site, "a", 1)) is without
    assert kept.get((whole.site, "a", 1)) is whole
    # Read without its body first: not handed as whole; one entry, its bytes counted once.
    other = Article.from_json_without_body(make_article(id="b").to_json())
    kept.put(other, 40)
    assert kept.get((other.site, "b", 1)) is None
    assert kept.get_without_body((other.site, "b", 1)) is other
    kept.put(make_article(id="b"), 40)
    assert kept.get((other.site, "b", 1)) == make_article(id="b")
    assert kept.get_without_body((other.site, "b", 1)) is other
    assert len(kept) == 2
    kept.put(make_article(id="c"), 20)  # 100 bytes: at the bound, all stay
    assert len(kept) == 3


# (doc bytes of the entries put, the byte bound) -> how many stay
BYTE_BOUNDS = [
    ((400, 400), 800, 2),  # exactly at the bound: both stay
    ((400, 401), 800, 1),  # one byte over: the oldest goes
    ((801,), 800, 0),  # one document over the bound is not kept at all
    ((800,), 800, 1),
]


@pytest.mark.parametrize(("sizes", "bound", "left"), BYTE_BOUNDS)
def test_parsed_articles_stay_within_their_bytes(
    make_article: Callable[..., Article], sizes: tuple[int, ...], bound: int, left: int
) -> None:
    kept = ParsedArticles(entries=10, doc_bytes=bound)
    for n, size in enumerate(sizes):
        kept.put(make_article(id=str(n)), size)
    assert len(kept) == left
