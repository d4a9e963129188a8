"""The `ArticleIndex` contract (core/ports.py), run against SQLite and against DynamoDB on moto.

Each test states what the port promises, and both adapters must keep it: the revision guard,
what `latest` and the shard, news and due queries show at a given `now`, URL claims, shard
parts and output templates. What only one adapter has (SQLite's migrations and query plans and
its several processes on one file, DynamoDB's item limits) is tested beside that adapter.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from warta.core.articles import Article, ArticleState, Author, HeroImage, Section, Tombstone
from warta.core.authors import author_slugs
from warta.core.body.model import Figure, Image, Paragraph, Quote, Text
from warta.core.config import SiteConfig
from warta.core.planner import epoch_micros, shard_period
from warta.core.ports import ArticleIndex, ShardPart, UrlHeld, WriteResult
from warta.core.render.sitemaps import ends_part, iter_shard_files, render_news_sitemap, url_fragment
from warta.core.text import slugify
from warta.core.views import NewsEntry, SitemapEntry, SitemapImage

from conftest import WIB
from support.contracts import INDEXES, dynamodb_index, sqlite_index

NOW = datetime(2023, 9, 21, 12, 0, tzinfo=WIB)
T0 = datetime(2023, 9, 10, 8, 0, tzinfo=WIB)

MakeArticle = Callable[..., Article]


@pytest.fixture(params=INDEXES)
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ArticleIndex]:
    if request.param == "sqlite":
        local = sqlite_index(tmp_path)
        yield local
        local.close()
    else:
        yield dynamodb_index(request.getfixturevalue("moto"))


def store(index: ArticleIndex, site: SiteConfig, article: Article, released: bool = True) -> None:
    result = index.write(article, shard_period(article.published_at, site), released)
    assert result.applied


def ids(articles: list[Article]) -> list[str]:
    return [a.id for a in articles]


# --- the revision guard ----------------------------------------------------------------------

# Each step: (kind, revision, expected applied, expected previous as (kind, revision) or None).
Step = tuple[str, int, bool, tuple[str, int] | None]

GUARD_CASES: dict[str, tuple[list[Step], tuple[str, int]]] = {
    "duplicate revision is not applied": (
        [("pub", 1, True, None), ("pub", 1, False, ("pub", 1))],
        ("pub", 1),
    ),
    "newer revision is applied": (
        [("pub", 1, True, None), ("pub", 2, True, ("pub", 1))],
        ("pub", 2),
    ),
    "stale revision is not applied": (
        [("pub", 3, True, None), ("pub", 2, False, ("pub", 3))],
        ("pub", 3),
    ),
    "tombstone after the publish wins": (
        [("pub", 4, True, None), ("tomb", 5, True, ("pub", 4))],
        ("tomb", 5),
    ),
    "tombstone before the publish wins": (
        [("tomb", 5, True, None), ("pub", 4, False, ("tomb", 5))],
        ("tomb", 5),
    ),
    "duplicate tombstone is not applied": (
        [("pub", 4, True, None), ("tomb", 5, True, ("pub", 4)), ("tomb", 5, False, ("tomb", 5))],
        ("tomb", 5),
    ),
    "republish after a tombstone brings it back": (
        [("pub", 4, True, None), ("tomb", 5, True, ("pub", 4)), ("pub", 6, True, ("tomb", 5))],
        ("pub", 6),
    ),
    "older tombstone after a newer publish is ignored": (
        [("pub", 6, True, None), ("tomb", 5, False, ("pub", 6))],
        ("pub", 6),
    ),
}


def _state(kind: str, revision: int, make_article: MakeArticle, site: SiteConfig) -> ArticleState:
    if kind == "pub":
        return make_article(revision=revision, title=f"Judul revisi {revision}")
    return Tombstone(site=site.id, id="1001", revision=revision)


@pytest.mark.parametrize(("steps", "final"), list(GUARD_CASES.values()), ids=list(GUARD_CASES))
def test_revision_guard(
    index: ArticleIndex,
    site: SiteConfig,
    make_article: MakeArticle,
    steps: list[Step],
    final: tuple[str, int],
) -> None:
    for kind, revision, applied, previous in steps:
        state = _state(kind, revision, make_article, site)
        period = "2023-09" if kind == "pub" else None
        result = index.write(state, period, released=True)
        assert result.applied is applied, (kind, revision)
        if previous is None:
            assert result.previous is None
        else:
            prev_kind, prev_rev = previous
            expected_type = Article if prev_kind == "pub" else Tombstone
            assert isinstance(result.previous, expected_type)
            assert result.previous.revision == prev_rev
    stored = index.get(site.id, "1001")
    final_kind, final_rev = final
    assert stored is not None and stored.revision == final_rev
    if final_kind == "pub":
        assert isinstance(stored, Article)
        assert stored.title == f"Judul revisi {final_rev}"
        assert ids(index.latest(site.id, NOW, 10)) == ["1001"]
    else:
        assert isinstance(stored, Tombstone)
        assert (stored.site, stored.id, stored.revision) == (site.id, "1001", final_rev)
        assert index.latest(site.id, NOW, 10) == []


def test_get_round_trips_the_whole_article(
    index: ArticleIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    article = make_article(
        updated_at=T0 + timedelta(days=2),
        body=(Paragraph((Text("Halo"),)), Figure(Image("https://x.test/a.jpg", "alt", 10, 20))),
    )
    store(index, site, article)
    assert index.get(site.id, article.id) == article
    assert index.get(site.id, "no-such-id") is None
    assert index.get("other-site", article.id) is None


def test_a_stale_write_changes_nothing(
    index: ArticleIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    newer = make_article(revision=3, title="Baru", tags=("Bandung",), url=f"{site.base_url}/nasional/baru")
    store(index, site, newer)
    stale = make_article(
        revision=2,
        title="Lama",
        tags=("Surabaya",),
        url=f"{site.base_url}/nasional/lama",
        section=Section("ekonomi", "Ekonomi"),
        published_at=T0,
    )
    result = index.write(stale, shard_period(stale.published_at, site), released=True)
    assert not result.applied
    assert result.previous == newer
    assert index.get(site.id, "1001") == newer
    assert ids(index.latest(site.id, NOW, 10, tag="bandung")) == ["1001"]
    assert index.latest(site.id, NOW, 10, tag="surabaya") == []
    assert index.latest(site.id, NOW, 10, section="ekonomi") == []
    assert index.live_by_url(site.id, stale.url, NOW) is None
    assert index.live_by_url(site.id, newer.url, NOW) == newer


def test_an_applied_write_replaces_url_tags_and_section(
    index: ArticleIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    before = make_article(tags=("Jakarta",))
    store(index, site, before)
    after = make_article(
        revision=2,
        tags=("Bandung",),
        url=f"{site.base_url}/ekonomi/baru",
        section=Section("ekonomi", "Ekonomi"),
    )
    store(index, site, after)
    assert index.live_by_url(site.id, before.url, NOW) is None
    assert index.live_by_url(site.id, after.url, NOW) == after
    assert index.latest(site.id, NOW, 10, tag="jakarta") == []
    assert ids(index.latest(site.id, NOW, 10, tag="bandung")) == ["1001"]
    assert index.latest(site.id, NOW, 10, section="nasional") == []
    assert ids(index.latest(site.id, NOW, 10, section="ekonomi")) == ["1001"]


def test_a_tombstone_keeps_the_url_the_article_had_when_last_live(
    index: ArticleIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    """So a takedown forced later still finds the article's pages (a takedown event names no URL)."""
    article = make_article()
    store(index, site, article)
    result = index.write(Tombstone(site.id, article.id, 2), None, released=True)
    assert result.applied and result.previous == article
    assert index.get(site.id, article.id) == Tombstone(site.id, article.id, 2, url=article.url)
    assert index.write(Tombstone(site.id, article.id, 3), None, released=True).applied  # forced again
    assert index.get(site.id, article.id) == Tombstone(site.id, article.id, 3, url=article.url)
    # A takedown of an article never seen is stored, with no URL.
    assert index.write(Tombstone(site.id, "unseen", 1), None, released=True) == WriteResult(True, None)
    assert index.get(site.id, "unseen") == Tombstone(site.id, "unseen", 1)


def test_an_article_of_any_size_the_contract_allows_round_trips(
    index: ArticleIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    """A body may reach 2 MB a page: far past a DynamoDB item, even compressed."""
    words = random.Random(18)
    text = " ".join("".join(words.choices(string.ascii_letters, k=8)) for _ in range(180_000))
    big = make_article(body=(Paragraph((Text(text),)),))
    assert len(text) > 1_500_000
    store(index, site, big)
    assert index.get(site.id, big.id) == big
    assert index.latest(site.id, NOW, 1) == [big]
    assert index.live_by_url(site.id, big.url, NOW) == big
    newer = replace(big, revision=2, body=(Paragraph((Text(text[::-1]),)),))
    store(index, site, newer)
    assert index.get(site.id, big.id) == newer
    assert index.published_between(site.id, T0, NOW, 10) == [newer]
    assert index.write(Tombstone(site.id, big.id, 3), None, released=True).previous == newer
    assert index.latest(site.id, NOW, 1) == []


def test_keys_of_any_length_the_contract_allows(
    index: ArticleIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    """A 2,000-character URL (4,000 bytes: twice a DynamoDB partition key), tags and an author
    of 100-character names, two tags with one slug: the article is found by each, once."""
    long_url = f"{site.base_url}/nasional/" + "ü" * (2000 - len(f"{site.base_url}/nasional/"))
    article = make_article(
        url=long_url,
        tags=("Ⅷ" * 100, "t" * 100, "Jawa Barat", "jawa  barat"),
        authors=(Author("Ⅷ" * 100),),
    )
    store(index, site, article)
    tag_slugs = sorted({slugify(tag) for tag in article.tags})
    assert len(tag_slugs) == 3
    assert index.live_by_url(site.id, long_url, NOW) == article
    for slug in tag_slugs:
        assert index.latest(site.id, NOW, 10, tag=slug) == [article]
    (author,) = author_slugs(article)
    assert index.latest(site.id, NOW, 10, author=author) == [article]
    facets = index.facets(site.id, NOW)
    assert facets.urls == (long_url,)
    assert facets.feed_values["tag"] == tuple(tag_slugs)
    with pytest.raises(UrlHeld):
        index.write(make_article(id="other", url=long_url), "2023-09", released=True)


# --- URL claims --------------------------------------------------------------------------------


def test_a_live_articles_url_is_refused_to_another_article(
    index: ArticleIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    holder = make_article(id="a")
    store(index, site, holder)
    claimant = make_article(id="b", url=holder.url, title="Penyerobot")
    with pytest.raises(UrlHeld) as refused:
        index.write(claimant, "2023-09", released=True)
    assert (refused.value.url, refused.value.holder_id) == (holder.url, "a")
    # The refused write left nothing behind.
    assert index.get(site.id, "b") is None
    assert ids(index.latest(site.id, NOW, 10)) == ["a"]
    assert index.live_by_url(site.id, holder.url, NOW) == holder
    # Another site's article may have the same URL.
    other = make_article(id="b", site="lain", url=holder.url)
    assert index.write(other, "2023-09", released=True).applied


def test_a_scheduled_article_holds_its_url_before_its_time(
    index: ArticleIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    scheduled = make_article(id="a", published_at=NOW + timedelta(hours=1))
    store(index, site, scheduled, released=False)
    with pytest.raises(UrlHeld):
        index.write(make_article(id="b", url=scheduled.url), "2023-09", released=True)


def test_a_url_is_free_again_after_its_holders_takedown(
    index: ArticleIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    holder = make_article(id="a")
    store(index, site, holder)
    assert index.write(Tombstone(site.id, "a", 2), None, released=True).applied
    successor = make_article(id="b", url=holder.url)
    store(index, site, successor)
    assert index.live_by_url(site.id, holder.url, NOW) == successor
    # The taken-down article cannot come back on the URL its successor holds now.
    with pytest.raises(UrlHeld) as refused:
        index.write(make_article(id="a", revision=3), "2023-09", released=True)
    assert refused.value.holder_id == "b"


def test_an_article_keeps_or_changes_its_own_url_and_frees_the_old_one(
    index: ArticleIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    first = make_article(id="a")
    store(index, site, first)
    store(index, site, replace(first, revision=2, title="Judul baru"))  # same URL: its own
    moved = replace(first, revision=3, url=f"{site.base_url}/nasional/pindah")
    store(index, site, moved)
    newcomer = make_article(id="b", url=first.url)
    store(index, site, newcomer)  # the URL it left is free
    assert index.live_by_url(site.id, first.url, NOW) == newcomer
    assert index.live_by_url(site.id, moved.url, NOW) == moved


def test_a_stale_write_is_not_refused_for_its_url(
    index: ArticleIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    """A late delivery changes nothing and raises nothing, whatever URL it names."""
    store(index, site, make_article(id="a"))
    current = make_article(id="b", revision=2, url=f"{site.base_url}/nasional/b")
    store(index, site, current)
    late = make_article(id="b", revision=1, url=make_article(id="a").url)
    result = index.write(late, "2023-09", released=True)
    assert not result.applied and result.previous == current


# --- latest ------------------------------------------------------------------------------------


@pytest.fixture
def corpus(index: ArticleIndex, site: SiteConfig, make_article: MakeArticle) -> ArticleIndex:
    """Six articles; published_at mixes zones so ordering must be by instant, not by text."""
    articles = [
        make_article(id="a1", published_at=T0, tags=("Jawa Barat", "Politik")),
        # Same instant as a1, written in UTC: ties break by id, descending.
        make_article(id="a2", published_at=T0.astimezone(UTC), tags=("Politik",)),
        make_article(
            id="a3",
            published_at=datetime(2023, 9, 10, 2, 30, tzinfo=UTC),  # 09:30 WIB
            section=Section("ekonomi", "Ekonomi"),
            tags=("Jawa Barat",),
        ),
        make_article(
            id="a4", published_at=T0 + timedelta(days=3), section=Section("ekonomi", "Ekonomi"), tags=()
        ),
        make_article(id="a5", published_at=T0 + timedelta(days=5), tags=("Olahraga Air",)),
        # Scheduled: after NOW.
        make_article(id="s1", published_at=NOW + timedelta(minutes=1), tags=("Politik",)),
    ]
    for article in articles:
        store(index, site, article)
    return index


def test_latest_is_newest_first_by_instant_then_id(corpus: ArticleIndex, site: SiteConfig) -> None:
    assert ids(corpus.latest(site.id, NOW, 10)) == ["a5", "a4", "a3", "a2", "a1"]


# Cases of one stored corpus are checked in one test, each named in its assertion: a corpus
# costs a few dozen requests on moto.
LIMITS = [
    (0, []),
    (1, ["a5"]),
    (3, ["a5", "a4", "a3"]),
    (5, ["a5", "a4", "a3", "a2", "a1"]),
    (50, ["a5", "a4", "a3", "a2", "a1"]),
]


def test_latest_honours_the_limit(corpus: ArticleIndex, site: SiteConfig) -> None:
    for limit, expected in LIMITS:
        assert ids(corpus.latest(site.id, NOW, limit)) == expected, limit


def test_latest_excludes_scheduled_until_their_time(corpus: ArticleIndex, site: SiteConfig) -> None:
    assert "s1" not in ids(corpus.latest(site.id, NOW, 10))
    later = NOW + timedelta(minutes=1)  # published_at <= now is visible
    assert ids(corpus.latest(site.id, later, 2)) == ["s1", "a5"]


SECTION_AND_TAG = [
    ("nasional", None, ["a5", "a2", "a1"]),
    ("ekonomi", None, ["a4", "a3"]),
    ("opini", None, []),
    (None, "politik", ["a2", "a1"]),
    (None, "jawa-barat", ["a3", "a1"]),
    (None, "olahraga-air", ["a5"]),
    (None, "Jawa Barat", []),  # tags are stored as slugs; the display name finds nothing
    ("ekonomi", "jawa-barat", ["a3"]),
    ("nasional", "jawa-barat", ["a1"]),
]


def test_latest_filters_by_section_and_tag_slug(corpus: ArticleIndex, site: SiteConfig) -> None:
    for section, tag, expected in SECTION_AND_TAG:
        assert ids(corpus.latest(site.id, NOW, 10, section=section, tag=tag)) == expected, (section, tag)


def test_latest_tag_filter_honours_limit(corpus: ArticleIndex, site: SiteConfig) -> None:
    assert ids(corpus.latest(site.id, NOW, 1, tag="politik")) == ["a2"]
    assert ids(corpus.latest(site.id, NOW, 1, section="ekonomi", tag="jawa-barat")) == ["a3"]


def test_latest_excludes_tombstoned_and_other_sites(
    corpus: ArticleIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    assert corpus.write(Tombstone(site.id, "a5", 2), None, released=True).applied
    corpus.write(
        make_article(id="x1", site="lain", published_at=T0 + timedelta(days=6)), "2023-09", released=True
    )
    assert ids(corpus.latest(site.id, NOW, 10)) == ["a4", "a3", "a2", "a1"]
    assert corpus.latest(site.id, NOW, 10, tag="olahraga-air") == []
    assert ids(corpus.latest("lain", NOW, 10)) == ["x1"]


# --- authors -----------------------------------------------------------------------------------


@pytest.fixture
def bylines(index: ArticleIndex, site: SiteConfig, make_article: MakeArticle) -> ArticleIndex:
    """Four articles by two authors; b4 is scheduled after NOW."""
    maya, dimas = Author("Maya Larasati"), Author("Dimas Arya Putra")
    for number, (authors, published_at, section) in enumerate(
        [
            ((maya,), T0, "nasional"),
            ((maya, dimas), T0 + timedelta(days=1), "ekonomi"),
            ((dimas,), T0 + timedelta(days=2), "nasional"),
            ((maya,), NOW + timedelta(hours=1), "nasional"),
        ],
        start=1,
    ):
        store(
            index,
            site,
            make_article(
                id=f"b{number}",
                authors=authors,
                published_at=published_at,
                section=Section(section, section.capitalize()),
                tags=("Jawa Barat",) if number % 2 else ("Politik",),
            ),
        )
    return index


AUTHOR_FILTERS: list[tuple[dict[str, str], list[str]]] = [
    ({"author": "maya-larasati"}, ["b2", "b1"]),
    ({"author": "dimas-arya-putra"}, ["b3", "b2"]),
    ({"author": "Maya Larasati"}, []),  # authors are stored as slugs, like tags
    ({"author": "maya-larasati", "section": "ekonomi"}, ["b2"]),
    ({"author": "maya-larasati", "tag": "jawa-barat"}, ["b1"]),
    ({"author": "dimas-arya-putra", "tag": "politik", "section": "nasional"}, []),
]


def test_latest_filters_by_author_slug(bylines: ArticleIndex, site: SiteConfig) -> None:
    for filters, expected in AUTHOR_FILTERS:
        assert ids(bylines.latest(site.id, NOW, 10, **filters)) == expected, filters


def test_an_author_feed_holds_its_newest_and_shows_scheduled_ones_when_due(
    bylines: ArticleIndex, site: SiteConfig
) -> None:
    assert ids(bylines.latest(site.id, NOW, 1, author="maya-larasati")) == ["b2"]
    later = NOW + timedelta(hours=1)
    assert ids(bylines.latest(site.id, later, 2, author="maya-larasati")) == ["b4", "b2"]


def test_a_write_replaces_the_authors_and_a_takedown_removes_them(
    bylines: ArticleIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    current = bylines.get(site.id, "b2")
    assert isinstance(current, Article)
    store(bylines, site, replace(current, revision=2, authors=(Author("Sekar Ayuningtyas"),)))
    assert ids(bylines.latest(site.id, NOW, 10, author="maya-larasati")) == ["b1"]
    assert ids(bylines.latest(site.id, NOW, 10, author="sekar-ayuningtyas")) == ["b2"]
    assert bylines.write(Tombstone(site.id, "b3", 2), None, released=True).applied
    assert ids(bylines.latest(site.id, NOW, 10, author="dimas-arya-putra")) == []
    assert bylines.facets(site.id, NOW).feed_values["author"] == ("maya-larasati", "sekar-ayuningtyas")


# --- live_by_url -------------------------------------------------------------------------------


def test_live_by_url(index: ArticleIndex, site: SiteConfig, make_article: MakeArticle) -> None:
    live = make_article(id="1")
    scheduled = make_article(
        id="2", url=f"{site.base_url}/nasional/nanti", published_at=NOW + timedelta(hours=1)
    )
    store(index, site, live)
    store(index, site, scheduled)
    assert index.live_by_url(site.id, live.url, NOW) == live
    assert index.live_by_url(site.id, scheduled.url, NOW) is None
    assert index.live_by_url(site.id, scheduled.url, NOW + timedelta(hours=1)) == scheduled
    assert index.live_by_url(site.id, f"{site.base_url}/tidak-ada", NOW) is None
    assert index.live_by_url("lain", live.url, NOW) is None
    index.write(Tombstone(site.id, "1", 2), None, released=True)
    assert index.live_by_url(site.id, live.url, NOW) is None


def _agrees_with_live_by_url(index: ArticleIndex, site_id: str, urls: list[str], now: datetime) -> None:
    each = {url: index.live_by_url(site_id, url, now) for url in urls}
    assert index.live_by_urls(site_id, urls, now) == {u: a for u, a in each.items() if a is not None}


def test_live_by_urls_is_live_by_url_of_each(
    index: ArticleIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    first = make_article(id="a")
    store(index, site, first)
    moved = replace(first, revision=2, url=f"{site.base_url}/nasional/pindah")
    store(index, site, moved)
    newcomer = make_article(id="b", url=first.url)  # on the URL `first` left
    scheduled = make_article(
        id="c", url=f"{site.base_url}/nasional/nanti", published_at=NOW + timedelta(hours=1)
    )
    gone = make_article(id="d", url=f"{site.base_url}/nasional/hilang")
    for article in (newcomer, scheduled, gone):
        store(index, site, article)
    index.write(Tombstone(site.id, "d", 2), None, released=True)
    urls = [first.url, moved.url, scheduled.url, gone.url, f"{site.base_url}/tidak-ada", moved.url]
    for now in (NOW, NOW + timedelta(hours=1)):
        _agrees_with_live_by_url(index, site.id, urls, now)
    assert index.live_by_urls(site.id, urls, NOW) == {first.url: newcomer, moved.url: moved}
    assert index.live_by_urls(site.id, [], NOW) == {}
    assert index.live_by_urls("lain", urls, NOW) == {}


# --- shards ------------------------------------------------------------------------------------


def test_shard_entries_oldest_first_only_the_given_period(
    index: ArticleIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    late = make_article(id="late", url=f"{site.base_url}/n/late", published_at=T0 + timedelta(days=1))
    early = make_article(id="early", url=f"{site.base_url}/n/early", published_at=T0)
    # 2023-09-30 18:00 UTC is 2023-10-01 01:00 in Jakarta: the October shard.
    edge = make_article(
        id="edge", url=f"{site.base_url}/n/edge", published_at=datetime(2023, 9, 30, 18, 0, tzinfo=UTC)
    )
    august = make_article(
        id="aug", url=f"{site.base_url}/n/aug", published_at=datetime(2023, 8, 31, 23, 0, tzinfo=WIB)
    )
    scheduled = make_article(
        id="sched", url=f"{site.base_url}/n/sched", published_at=NOW + timedelta(hours=1)
    )
    gone = make_article(id="gone", url=f"{site.base_url}/n/gone", published_at=T0)
    for article in (late, early, edge, august, scheduled, gone):
        store(index, site, article)
    index.write(Tombstone(site.id, "gone", 2), None, released=True)
    assert shard_period(edge.published_at, site) == "2023-10"

    def urls(period: str, now: datetime = NOW) -> list[str]:
        return [entry.url for entry in index.shard_entries(site.id, period, now)]

    assert urls("2023-09") == [early.url, late.url]
    assert urls("2023-10", now=datetime(2023, 10, 5, tzinfo=WIB)) == [edge.url]
    assert urls("2023-08") == [august.url]
    assert urls("2023-07") == []
    assert urls("2023-09", now=NOW + timedelta(hours=1)) == [early.url, late.url, scheduled.url]


def test_shard_entries_carry_images_and_lastmod(
    index: ArticleIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    hero = f"{site.base_url}/img/hero.jpg"
    body = (
        Paragraph((Text("Satu"),)),
        Figure(Image(f"{site.base_url}/img/b1.jpg"), caption="c"),
        Figure(Image(hero)),  # the hero again: listed once
        Quote((Figure(Image(f"{site.base_url}/img/q1.jpg")),)),
        Figure(Image(f"{site.base_url}/img/b2.jpg")),
    )
    updated = make_article(
        id="u",
        url=f"{site.base_url}/n/u",
        published_at=T0,
        updated_at=T0 + timedelta(hours=5),
        image=HeroImage(hero, 1200, 675),
        body=body,
    )
    # An updated_at before published_at does not move lastmod back.
    plain = make_article(
        id="p",
        url=f"{site.base_url}/n/p",
        published_at=T0 + timedelta(hours=1),
        updated_at=T0,
        image=None,
        body=(Paragraph((Text("x"),)),),
    )
    store(index, site, updated)
    store(index, site, plain)
    entries = list(index.shard_entries(site.id, "2023-09", NOW))
    assert entries == [
        SitemapEntry(
            url=updated.url,
            lastmod=T0 + timedelta(hours=5),
            images=(
                SitemapImage(hero),
                SitemapImage(f"{site.base_url}/img/b1.jpg"),
                SitemapImage(f"{site.base_url}/img/q1.jpg"),
                SitemapImage(f"{site.base_url}/img/b2.jpg"),
            ),
        ),
        SitemapEntry(url=plain.url, lastmod=plain.published_at, images=()),
    ]
    assert entries[0].lastmod == updated.modified_at
    assert entries[0].lastmod.tzinfo is not None


# Article ids whose article ends a shard part (about one in a thousand does).
CUT_IDS = [name for name in (f"c{n}" for n in range(20_000)) if ends_part(name)][:2]


@pytest.fixture
def shard(index: ArticleIndex, site: SiteConfig, make_article: MakeArticle) -> list[Article]:
    """Five September articles an hour apart, oldest first; the 2nd and the 4th end a part.
    Beside them: one scheduled after NOW, one taken down, one of October, one of another site."""
    assert len(CUT_IDS) == 2
    names = ["r0", CUT_IDS[0], "r2", CUT_IDS[1], "r4"]
    articles = [
        make_article(id=name, url=f"{site.base_url}/n/{name}", published_at=T0 + timedelta(hours=hour))
        for hour, name in enumerate(names)
    ]
    for article in articles:
        store(index, site, article)
    store(
        index, site, make_article(id="sched", url=f"{site.base_url}/n/sched", published_at=NOW + timedelta(1))
    )
    store(index, site, make_article(id="gone", url=f"{site.base_url}/n/gone", published_at=T0))
    index.write(Tombstone(site.id, "gone", 2), None, released=True)
    store(
        index,
        site,
        make_article(id="oct", url=f"{site.base_url}/n/oct", published_at=datetime(2023, 10, 2, tzinfo=WIB)),
    )
    index.write(make_article(id="other", site="lain", published_at=T0), "2023-09", released=True)
    return articles


def _position(article: Article) -> tuple[int, str]:
    return epoch_micros(article.published_at), article.id


def test_shard_rows_are_the_visible_articles_oldest_first_with_their_url_elements(
    index: ArticleIndex, site: SiteConfig, shard: list[Article]
) -> None:
    rows = list(index.shard_rows(site.id, "2023-09", NOW))
    assert [row.position for row in rows] == [_position(a) for a in shard]
    assert [row.cut for row in rows] == [False, True, False, True, False]
    for row, article in zip(rows, shard, strict=True):
        assert row.lastmod == article.modified_at
        entry = SitemapEntry(article.url, article.modified_at, (SitemapImage(article.image.url),))
        assert row.fragment == url_fragment(entry)
    later = [row.position[1] for row in index.shard_rows(site.id, "2023-09", NOW + timedelta(1))]
    assert later == [*(a.id for a in shard), "sched"]
    assert list(index.shard_rows(site.id, "2023-08", NOW)) == []


BETWEEN_POSITIONS: list[tuple[int | None, int | None, list[int]]] = [
    (None, 1, [0, 1]),  # until is inclusive
    (1, None, [2, 3, 4]),  # after is exclusive
    (1, 3, [2, 3]),
    (0, 1, [1]),
    (2, 2, []),
    (3, 1, []),
    (4, None, []),
]


def test_shard_rows_between_positions(index: ArticleIndex, site: SiteConfig, shard: list[Article]) -> None:
    for after, until, expected in BETWEEN_POSITIONS:
        rows = index.shard_rows(
            site.id,
            "2023-09",
            NOW,
            after=None if after is None else _position(shard[after]),
            until=None if until is None else _position(shard[until]),
        )
        assert [row.position for row in rows] == [_position(shard[i]) for i in expected], (after, until)


def test_shard_files_are_the_files_of_the_rows_between_positions(
    index: ArticleIndex, site: SiteConfig, shard: list[Article]
) -> None:
    """Whatever an index does to put them together faster: a range with cuts inside, ending at
    a cut, open, or empty gives the files `iter_shard_files` makes of its rows."""
    for after, until, _ in [*BETWEEN_POSITIONS, (None, None, []), (None, 3, [])]:
        bounds = {
            "after": None if after is None else _position(shard[after]),
            "until": None if until is None else _position(shard[until]),
        }
        files = index.shard_files(site.id, "2023-09", NOW, **bounds)
        assert files == list(iter_shard_files(index.shard_rows(site.id, "2023-09", NOW, **bounds))), bounds
    assert [f.cut for f in index.shard_files(site.id, "2023-09", NOW)] == [
        _position(shard[1]),
        _position(shard[3]),
        None,
    ]
    assert index.shard_files(site.id, "2023-08", NOW) == []


def test_shard_rows_between_positions_of_no_article(
    index: ArticleIndex, site: SiteConfig, shard: list[Article]
) -> None:
    """A position names an instant and an id; no article need be there (one may have left)."""
    start = epoch_micros(T0 + timedelta(hours=1))
    rows = index.shard_rows(site.id, "2023-09", NOW, after=(start, ""), until=(start + 1, ""))
    assert [row.position for row in rows] == [_position(shard[1])]
    rows = index.shard_rows(site.id, "2023-09", NOW, after=(start, "zzz"))
    assert [row.position[1] for row in rows] == ["r2", CUT_IDS[1], "r4"]


def test_shard_cuts_are_the_part_ending_articles_oldest_first(
    index: ArticleIndex, site: SiteConfig, shard: list[Article], make_article: MakeArticle
) -> None:
    assert index.shard_cuts(site.id, "2023-09", NOW) == [_position(shard[1]), _position(shard[3])]
    assert index.shard_cuts(site.id, "2023-10", NOW) == []
    # Taken down or not yet visible, an article ends no part.
    assert index.write(Tombstone(site.id, CUT_IDS[0], 2), None, released=True).applied
    late = next(name for name in (f"d{n}" for n in range(20_000)) if ends_part(name))
    scheduled = make_article(id=late, url=f"{site.base_url}/n/{late}", published_at=NOW + timedelta(1))
    store(index, site, scheduled, released=False)
    assert index.shard_cuts(site.id, "2023-09", NOW) == [_position(shard[3])]
    assert index.shard_cuts(site.id, "2023-09", NOW + timedelta(1)) == [
        _position(shard[3]),
        _position(scheduled),
    ]


# --- published_between and news_entries --------------------------------------------------------

WINDOWS = [
    (0, 3, 10, ["h3", "h2", "h1"]),  # after is exclusive, until inclusive
    (-1, 3, 10, ["h3", "h2", "h1", "h0"]),
    (1, 2, 10, ["h2"]),
    (0, 2.5, 10, ["h2", "h1"]),
    (0, 3, 2, ["h3", "h2"]),
    (3, 10, 10, ["h4"]),  # h4 is in the window even though `until` is in the future of now
    (2, 2, 10, []),
]


@pytest.fixture
def hours(index: ArticleIndex, site: SiteConfig, make_article: MakeArticle) -> dict[str, Article]:
    """h0 to h4, an hour apart from T0; a taken-down one at h1; another site's at h2."""
    articles = {
        f"h{hour}": make_article(
            id=f"h{hour}",
            url=f"{site.base_url}/n/h{hour}",
            published_at=T0 + timedelta(hours=hour),
            title=f"Jam {hour} <pagi> & malam",
            language="id" if hour % 2 else "en",
        )
        for hour in range(5)
    }
    for article in articles.values():
        store(index, site, article)
    store(
        index,
        site,
        make_article(id="dead", url=f"{site.base_url}/n/dead", published_at=T0 + timedelta(hours=1)),
    )
    index.write(Tombstone(site.id, "dead", 2), None, released=True)
    index.write(make_article(id="lain", site="lain", published_at=T0 + timedelta(hours=2)), "2023-09", True)
    return articles


def test_published_between_window_bounds(
    index: ArticleIndex, site: SiteConfig, hours: dict[str, Article]
) -> None:
    for after_h, until_h, limit, expected in WINDOWS:
        after, until = T0 + timedelta(hours=after_h), T0 + timedelta(hours=until_h)
        found = index.published_between(site.id, after, until, limit)
        assert found == [hours[name] for name in expected], (after_h, until_h, limit)


def test_news_entries_are_published_between_without_bodies(
    index: ArticleIndex, site: SiteConfig, hours: dict[str, Article]
) -> None:
    for after_h, until_h, limit, expected in WINDOWS:
        after, until = T0 + timedelta(hours=after_h), T0 + timedelta(hours=until_h)
        found = index.news_entries(site.id, after, until, limit)
        want = [NewsEntry(a.url, a.title, a.language, a.published_at) for a in map(hours.get, expected)]
        assert [entry.url for entry in found] == [entry.url for entry in want], (after_h, until_h, limit)
        # As fields or kept finished, each entry is the one its article's fields make: the
        # dates in the offset the CMS sent (+07:00), the title escaped.
        assert render_news_sitemap(found, site) == render_news_sitemap(want, site), (after_h, until_h)


def test_published_between_is_microsecond_exact(
    index: ArticleIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    at = T0 + timedelta(microseconds=1)
    store(index, site, make_article(published_at=at))
    assert ids(index.published_between(site.id, T0, at, 10)) == ["1001"]
    assert index.published_between(site.id, at, at + timedelta(hours=1), 10) == []
    assert index.published_between(site.id, T0 - timedelta(hours=1), T0, 10) == []
    assert [e.url for e in index.news_entries(site.id, T0, at, 10)] == [make_article().url]
    assert index.news_entries(site.id, at, at + timedelta(hours=1), 10) == []


# --- due / mark_released -----------------------------------------------------------------------


def test_due_and_mark_released(index: ArticleIndex, site: SiteConfig, make_article: MakeArticle) -> None:
    at = NOW + timedelta(hours=1)
    scheduled = make_article(id="s", url=f"{site.base_url}/n/s", published_at=at)
    scheduled2 = make_article(id="t", url=f"{site.base_url}/n/t", published_at=at + timedelta(hours=1))
    released = make_article(id="r", url=f"{site.base_url}/n/r", published_at=T0)
    store(index, site, scheduled, released=False)
    store(index, site, scheduled2, released=False)
    store(index, site, released, released=True)
    assert index.due(site.id, NOW) == []
    assert index.due(site.id, at) == [scheduled]
    assert ids(index.due(site.id, at + timedelta(hours=3))) == ["s", "t"]  # oldest first
    assert index.due("lain", at + timedelta(hours=3)) == []
    index.mark_released(site.id, ["s"])
    assert ids(index.due(site.id, at + timedelta(hours=3))) == ["t"]
    index.mark_released(site.id, ["t", "no-such-id"])
    assert index.due(site.id, at + timedelta(hours=3)) == []
    # Released articles stay live.
    assert ids(index.latest(site.id, at + timedelta(hours=3), 10)) == ["t", "s", "r"]


def test_a_tombstoned_scheduled_article_is_never_due(
    index: ArticleIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    store(index, site, make_article(published_at=NOW + timedelta(hours=1)), released=False)
    index.write(Tombstone(site.id, "1001", 2), None, released=False)
    assert index.due(site.id, NOW + timedelta(hours=2)) == []


def test_a_rescheduled_article_is_due_again_at_its_new_time(
    index: ArticleIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    first = make_article(published_at=NOW + timedelta(hours=1))
    store(index, site, first, released=False)
    index.mark_released(site.id, [first.id])
    later = replace(first, revision=2, published_at=NOW + timedelta(hours=5))
    store(index, site, later, released=False)
    assert index.due(site.id, NOW + timedelta(hours=2)) == []
    assert index.due(site.id, NOW + timedelta(hours=5)) == [later]


# --- facets ------------------------------------------------------------------------------------


def test_facets(corpus: ArticleIndex, site: SiteConfig, make_article: MakeArticle) -> None:
    store(
        corpus,
        site,
        make_article(
            id="oct",
            url=f"{site.base_url}/olahraga/oct",
            section=Section("olahraga", "Olahraga"),
            published_at=datetime(2023, 9, 30, 18, 0, tzinfo=UTC),
            tags=("Liga Satu",),
        ),
    )
    store(
        corpus,
        site,
        make_article(
            id="gone", url=f"{site.base_url}/opini/gone", section=Section("opini", "Opini"), tags=("Hilang",)
        ),
    )
    corpus.write(Tombstone(site.id, "gone", 2), None, released=True)
    corpus.write(
        make_article(
            id="other",
            site="lain",
            url="https://lain.test/x",
            section=Section("hiburan", "Hiburan"),
            tags=("Lain",),
        ),
        "2023-09",
        released=True,
    )
    facets = corpus.facets(site.id, datetime(2023, 10, 2, tzinfo=WIB))
    # At this now s1 and oct are visible; gone is tombstoned; other belongs to another site.
    assert facets.feed_values == {
        "section": ("ekonomi", "nasional", "olahraga"),
        "tag": ("jawa-barat", "liga-satu", "olahraga-air", "politik"),
        "author": ("redaksi-andalpost",),  # make_article's author; "lain"'s is another site's
    }
    assert facets.periods == ("2023-09", "2023-10")
    assert facets.urls == tuple(
        sorted(
            [f"{site.base_url}/nasional/berita-{i}" for i in ("a1", "a2", "a3", "a4", "a5", "s1")]
            + [f"{site.base_url}/olahraga/oct"]
        )
    )
    before = corpus.facets(site.id, NOW)  # s1 and oct are still scheduled
    assert f"{site.base_url}/nasional/berita-s1" not in before.urls
    assert before.periods == ("2023-09",)
    assert before.feed_values["section"] == ("ekonomi", "nasional")
    assert "liga-satu" not in before.feed_values["tag"]  # oct's only: a scheduled article's tag


def test_facets_of_an_empty_site(index: ArticleIndex, site: SiteConfig) -> None:
    facets = index.facets(site.id, NOW)
    assert (facets.urls, facets.periods) == ((), ())
    assert facets.feed_values == {"section": (), "tag": (), "author": ()}


# --- shard parts -------------------------------------------------------------------------------


def test_set_shard_parts_replaces_one_period(index: ArticleIndex, site: SiteConfig) -> None:
    lastmod = datetime(2023, 9, 20, 10, 0, tzinfo=WIB)
    assert index.shard_parts(site.id) == []
    index.set_shard_parts(
        site.id,
        "2023-09",
        [
            ShardPart("2023-09", 2, 10, None),
            ShardPart("2023-09", 1, 50_000, lastmod, cut=(epoch_micros(lastmod), "c:1.x")),
        ],
    )
    index.set_shard_parts(site.id, "2023-08", [ShardPart("2023-08", 1, 7, lastmod)])
    index.set_shard_parts("lain", "2023-09", [ShardPart("2023-09", 1, 1, None)])
    assert index.shard_parts(site.id) == [
        ShardPart("2023-08", 1, 7, lastmod),
        ShardPart("2023-09", 1, 50_000, lastmod, cut=(epoch_micros(lastmod), "c:1.x")),
        ShardPart("2023-09", 2, 10, None),
    ]
    assert index.shard_parts(site.id, "2023-08") == [ShardPart("2023-08", 1, 7, lastmod)]
    first = index.shard_parts(site.id)[0].lastmod
    assert first is not None and first.utcoffset() == timedelta(hours=7)
    # Fewer parts now: part 2 must disappear, not linger.
    index.set_shard_parts(site.id, "2023-09", [ShardPart("2023-09", 1, 40, None)])
    assert index.shard_parts(site.id) == [
        ShardPart("2023-08", 1, 7, lastmod),
        ShardPart("2023-09", 1, 40, None),
    ]
    index.set_shard_parts(site.id, "2023-08", [])
    assert index.shard_parts(site.id) == [ShardPart("2023-09", 1, 40, None)]
    assert index.shard_parts("lain") == [ShardPart("2023-09", 1, 1, None)]


def test_shard_parts_are_in_part_order_past_nine(index: ArticleIndex, site: SiteConfig) -> None:
    parts = [ShardPart("2023-09", n, n, None) for n in (12, 2, 10, 1)]
    index.set_shard_parts(site.id, "2023-09", parts)
    assert [p.part for p in index.shard_parts(site.id)] == [1, 2, 10, 12]
    assert [p.part for p in index.shard_parts(site.id, "2023-09")] == [1, 2, 10, 12]


def test_shard_parts_of_one_period_are_not_those_of_a_longer_one(
    index: ArticleIndex, site: SiteConfig
) -> None:
    """A site may shard by day: "2023-09" is a prefix of "2023-09-01", not the same shard."""
    index.set_shard_parts(site.id, "2023-09-01", [ShardPart("2023-09-01", 1, 3, None)])
    assert index.shard_parts(site.id, "2023-09") == []
    index.set_shard_parts(site.id, "2023-09", [])
    assert index.shard_parts(site.id) == [ShardPart("2023-09-01", 1, 3, None)]


# --- output templates and holds_site -----------------------------------------------------------


def test_output_templates_accumulate_per_site(index: ArticleIndex, site: SiteConfig) -> None:
    assert index.output_templates(site.id) == set()
    index.remember_output_templates(site.id, ["feed/index.xml", "amp/{path}.html"])
    index.remember_output_templates(site.id, ["amp/{path}.html", "feed/{section}.xml"])
    index.remember_output_templates(site.id, [])
    index.remember_output_templates("lain", ["lain/feed.xml"])
    assert index.output_templates(site.id) == {"feed/index.xml", "amp/{path}.html", "feed/{section}.xml"}
    assert index.output_templates("lain") == {"lain/feed.xml"}


@pytest.mark.parametrize("holding", ["article", "takedown", "templates", "shard parts"])
def test_holds_site_is_false_until_anything_of_the_site_is_stored(
    index: ArticleIndex,
    site: SiteConfig,
    make_article: MakeArticle,
    holding: str,
) -> None:
    assert not index.holds_site(site.id)
    if holding == "article":
        store(index, site, make_article())
    elif holding == "takedown":  # of an article the index never held
        assert index.write(Tombstone(site.id, "1001", 1), None, released=True).applied
    elif holding == "templates":
        index.remember_output_templates(site.id, ["feed/index.xml"])
    else:
        index.set_shard_parts(site.id, "2023-09", [ShardPart("2023-09", 1, 1, None)])
    assert index.holds_site(site.id)
    assert not index.holds_site("lain")
