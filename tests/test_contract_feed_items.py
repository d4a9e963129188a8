"""The `ArticleIndex` contract for kept feed items (`feed_items`, `keep_feed_items`), run against
SQLite and against DynamoDB on moto: an item is served for the very article revision and
variant it was kept for, and for nothing else."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from warta.core.articles import Article, Tombstone, body_left_out
from warta.core.body.model import Paragraph, Text
from warta.core.config import SiteConfig
from warta.core.planner import shard_period
from warta.core.ports import ArticleIndex, FeedItem

from conftest import WIB
from support.contracts import INDEXES, dynamodb_index, sqlite_index

MakeArticle = Callable[..., Article]
NOW = datetime(2023, 9, 21, 12, 0, tzinfo=WIB)
RSS, ATOM = "rss.1|andalpost|enclosure=0|body=1", "atom.1|andalpost|body=1"


@pytest.fixture(params=INDEXES)
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ArticleIndex]:
    if request.param == "sqlite":
        local = sqlite_index(tmp_path)
        yield local
        local.close()
    else:
        yield dynamodb_index(request.getfixturevalue("moto"))


def _store(index: ArticleIndex, site: SiteConfig, article: Article) -> None:
    assert index.write(article, shard_period(article.published_at, site), True).applied


def _found(
    index: ArticleIndex, site: str, asked: list[tuple[str, int]], variants: list[str]
) -> set[FeedItem]:
    return set(index.feed_items(site, asked, variants))


def test_kept_items_are_served_for_their_revision_and_variant_only(
    index: ArticleIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    for article_id in ("a1", "a2"):
        _store(index, site, make_article(id=article_id, revision=3))
    rss_a1 = FeedItem("a1", 3, RSS, b"<item><title>a1</title></item>")
    atom_a1 = FeedItem("a1", 3, ATOM, b"<entry>a1 \xe2\x80\x94 \x00 bytes as given</entry>")
    rss_a2 = FeedItem("a2", 3, RSS, b"<item>a2</item>")
    index.keep_feed_items(site.id, [rss_a1, atom_a1, rss_a2])
    # (asked pairs, variants) -> the items served
    cases: list[tuple[list[tuple[str, int]], list[str], set[FeedItem]]] = [
        ([("a1", 3), ("a2", 3)], [RSS, ATOM], {rss_a1, atom_a1, rss_a2}),
        ([("a1", 3)], [RSS], {rss_a1}),
        ([("a1", 3), ("a2", 3)], [ATOM], {atom_a1}),
        ([("a1", 2)], [RSS, ATOM], set()),  # an older revision than kept
        ([("a1", 4)], [RSS, ATOM], set()),  # a newer one
        ([("a3", 3)], [RSS], set()),  # an article with nothing kept
        ([("a1", 3)], ["rss.2|andalpost|enclosure=0|body=1"], set()),  # another item format
        ([], [RSS], set()),
        ([("a1", 3)], [], set()),
    ]
    for asked, variants, expected in cases:
        assert _found(index, site.id, asked, variants) == expected, (asked, variants)
    assert index.feed_items("other-site", [("a1", 3)], [RSS]) == []


def test_a_keep_replaces_the_item_of_the_same_article_and_variant(
    index: ArticleIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    _store(index, site, make_article(id="a1", revision=1))
    index.keep_feed_items(site.id, [FeedItem("a1", 1, RSS, b"<item>first</item>")])
    _store(index, site, make_article(id="a1", revision=2))
    assert index.feed_items(site.id, [("a1", 2)], [RSS]) == []  # nothing kept for revision 2 yet
    index.keep_feed_items(site.id, [FeedItem("a1", 2, RSS, b"<item>second</item>")])
    assert index.feed_items(site.id, [("a1", 2)], [RSS]) == [FeedItem("a1", 2, RSS, b"<item>second</item>")]
    assert index.feed_items(site.id, [("a1", 1)], [RSS]) == []


def test_items_of_many_articles_in_one_call(
    index: ArticleIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    """More articles than one SQLite query or one DynamoDB batch takes."""
    kept = [FeedItem(f"a{n}", 1, RSS, f"<item>{n}</item>".encode()) for n in range(520)]
    index.keep_feed_items(site.id, kept)
    asked = [(item.article_id, 1) for item in kept]
    assert _found(index, site.id, asked, [RSS]) == set(kept)


def test_latest_without_bodies_is_latest_with_the_bodies_left_out(
    index: ArticleIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    for n in range(4):
        body = (Paragraph((Text(f"Paragraf {n} — «teks» & <b>."),)),) if n != 2 else ()
        published = datetime(2023, 9, 10, 8, 0, tzinfo=WIB) + timedelta(hours=n)
        _store(index, site, make_article(id=f"a{n}", published_at=published, body=body, tags=(f"T{n % 2}",)))
    for filters in ({}, {"section": "nasional"}, {"tag": "t1"}, {"author": "redaksi-andalpost"}):
        full = index.latest(site.id, NOW, 3, **filters)
        assert full and any(article.body for article in full)
        bodiless = index.latest(site.id, NOW, 3, bodies=False, **filters)
        assert all(body_left_out(article) for article in bodiless), filters
        assert [replace(article, body=()) for article in bodiless] == [
            replace(article, body=()) for article in full
        ], filters


def test_a_takedown_leaves_no_item_of_the_article_in_the_index(
    index: ArticleIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    """What an editor takes down vanishes from the index too, not only from the outputs: items
    kept for any revision of it are gone, other articles' stay."""
    for article_id in ("a1", "a2"):
        _store(index, site, make_article(id=article_id, revision=3))
    kept = [FeedItem("a1", 3, RSS, b"<item>a1</item>"), FeedItem("a1", 3, ATOM, b"<entry>a1</entry>")]
    other = FeedItem("a2", 3, RSS, b"<item>a2</item>")
    index.keep_feed_items(site.id, [*kept, other])
    assert index.write(Tombstone(site.id, "a1", 4), None, released=True).applied
    assert _found(index, site.id, [("a1", 3)], [RSS, ATOM]) == set()
    assert _found(index, site.id, [("a2", 3)], [RSS, ATOM]) == {other}
