"""SqliteIndex: the article index and render queue on a real SQLite file."""

from __future__ import annotations

import multiprocessing
import random
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from warta.adapters.sqlite_index import SqliteIndex
from warta.core.articles import Article, Author, HeroImage, Section, Tombstone
from warta.core.body.model import Figure, Image, Paragraph, Quote, Text
from warta.core.config import SiteConfig
from warta.core.planner import OutputKey, shard_period
from warta.core.ports import ShardPart
from warta.core.text import slugify
from warta.core.views import SitemapEntry, SitemapImage

from conftest import WIB

NOW = datetime(2023, 9, 21, 12, 0, tzinfo=WIB)
T0 = datetime(2023, 9, 10, 8, 0, tzinfo=WIB)

MakeArticle = Callable[..., Article]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "index.sqlite3"


@pytest.fixture
def index(db_path: Path) -> Iterator[SqliteIndex]:
    idx = SqliteIndex(db_path)
    yield idx
    idx.close()


def store(index: SqliteIndex, site: SiteConfig, article: Article, released: bool = True) -> None:
    result = index.write(article, shard_period(article.published_at, site), released)
    assert result.applied


def ids(articles: list[Article]) -> list[str]:
    return [a.id for a in articles]


# --- revision guard --------------------------------------------------------------------------

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


def _state(kind: str, revision: int, make_article: MakeArticle, site: SiteConfig):
    if kind == "pub":
        return make_article(revision=revision, title=f"Judul revisi {revision}")
    return Tombstone(site=site.id, id="1001", revision=revision)


@pytest.mark.parametrize(("steps", "final"), list(GUARD_CASES.values()), ids=list(GUARD_CASES))
def test_revision_guard(
    index: SqliteIndex,
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
        assert isinstance(stored, Tombstone) and (stored.site, stored.id, stored.revision) == (
            site.id,
            "1001",
            final_rev,
        )
        assert index.latest(site.id, NOW, 10) == []


def test_get_round_trips_the_whole_article(
    index: SqliteIndex, site: SiteConfig, make_article: MakeArticle
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
    index: SqliteIndex, site: SiteConfig, make_article: MakeArticle
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
    index: SqliteIndex, site: SiteConfig, make_article: MakeArticle
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


# --- latest ------------------------------------------------------------------------------------


@pytest.fixture
def corpus(index: SqliteIndex, site: SiteConfig, make_article: MakeArticle) -> SqliteIndex:
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


def test_latest_is_newest_first_by_instant_then_id(corpus: SqliteIndex, site: SiteConfig) -> None:
    assert ids(corpus.latest(site.id, NOW, 10)) == ["a5", "a4", "a3", "a2", "a1"]


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        (0, []),
        (1, ["a5"]),
        (3, ["a5", "a4", "a3"]),
        (5, ["a5", "a4", "a3", "a2", "a1"]),
        (50, ["a5", "a4", "a3", "a2", "a1"]),
    ],
)
def test_latest_honours_the_limit(
    corpus: SqliteIndex, site: SiteConfig, limit: int, expected: list[str]
) -> None:
    assert ids(corpus.latest(site.id, NOW, limit)) == expected


def test_latest_excludes_scheduled_until_their_time(corpus: SqliteIndex, site: SiteConfig) -> None:
    assert "s1" not in ids(corpus.latest(site.id, NOW, 10))
    later = NOW + timedelta(minutes=1)  # published_at <= now is visible
    assert ids(corpus.latest(site.id, later, 2)) == ["s1", "a5"]


@pytest.mark.parametrize(
    ("section", "tag", "expected"),
    [
        ("nasional", None, ["a5", "a2", "a1"]),
        ("ekonomi", None, ["a4", "a3"]),
        ("opini", None, []),
        (None, "politik", ["a2", "a1"]),
        (None, "jawa-barat", ["a3", "a1"]),
        (None, "olahraga-air", ["a5"]),
        (None, "Jawa Barat", []),  # tags are stored as slugs; the display name finds nothing
        ("ekonomi", "jawa-barat", ["a3"]),
        ("nasional", "jawa-barat", ["a1"]),
    ],
)
def test_latest_filters_by_section_and_tag_slug(
    corpus: SqliteIndex,
    site: SiteConfig,
    section: str | None,
    tag: str | None,
    expected: list[str],
) -> None:
    assert ids(corpus.latest(site.id, NOW, 10, section=section, tag=tag)) == expected


def test_latest_tag_filter_honours_limit(corpus: SqliteIndex, site: SiteConfig) -> None:
    assert ids(corpus.latest(site.id, NOW, 1, tag="politik")) == ["a2"]
    assert ids(corpus.latest(site.id, NOW, 1, section="ekonomi", tag="jawa-barat")) == ["a3"]


def test_tags_slug_matches_text_slugify() -> None:
    assert slugify("Jawa Barat") == "jawa-barat"
    assert slugify("Olahraga Air") == "olahraga-air"


def test_latest_excludes_tombstoned_and_other_sites(
    corpus: SqliteIndex, site: SiteConfig, make_article: MakeArticle
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
def bylines(index: SqliteIndex, site: SiteConfig, make_article: MakeArticle) -> SqliteIndex:
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


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"author": "maya-larasati"}, ["b2", "b1"]),
        ({"author": "dimas-arya-putra"}, ["b3", "b2"]),
        ({"author": "Maya Larasati"}, []),  # authors are stored as slugs, like tags
        ({"author": "maya-larasati", "section": "ekonomi"}, ["b2"]),
        ({"author": "maya-larasati", "tag": "jawa-barat"}, ["b1"]),
        ({"author": "dimas-arya-putra", "tag": "politik", "section": "nasional"}, []),
    ],
)
def test_latest_filters_by_author_slug(
    bylines: SqliteIndex, site: SiteConfig, filters: dict[str, str], expected: list[str]
) -> None:
    assert ids(bylines.latest(site.id, NOW, 10, **filters)) == expected


def test_an_author_feed_holds_its_newest_and_shows_scheduled_ones_when_due(
    bylines: SqliteIndex, site: SiteConfig
) -> None:
    assert ids(bylines.latest(site.id, NOW, 1, author="maya-larasati")) == ["b2"]
    later = NOW + timedelta(hours=1)
    assert ids(bylines.latest(site.id, later, 2, author="maya-larasati")) == ["b4", "b2"]


def test_a_write_replaces_the_authors_and_a_takedown_removes_them(
    bylines: SqliteIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    current = bylines.get(site.id, "b2")
    assert isinstance(current, Article)
    store(bylines, site, replace(current, revision=2, authors=(Author("Sekar Ayuningtyas"),)))
    assert ids(bylines.latest(site.id, NOW, 10, author="maya-larasati")) == ["b1"]
    assert ids(bylines.latest(site.id, NOW, 10, author="sekar-ayuningtyas")) == ["b2"]
    assert bylines.write(Tombstone(site.id, "b3", 2), None, released=True).applied
    assert ids(bylines.latest(site.id, NOW, 10, author="dimas-arya-putra")) == []
    assert bylines.facets(site.id, NOW).feed_values["author"] == ("maya-larasati", "sekar-ayuningtyas")


def test_an_index_from_before_author_feeds_is_migrated_on_open(
    db_path: Path, site: SiteConfig, make_article: MakeArticle
) -> None:
    """An index written before article_authors (and article_tags' published_us) existed."""
    old = SqliteIndex(db_path)
    for number in (1, 2, 3):
        store(
            old,
            site,
            make_article(
                id=f"m{number}",
                published_at=T0 + timedelta(days=number),
                authors=(Author("Maya Larasati"), Author("Redaksi Andalpost"))[: number % 2 + 1],
                tags=("Politik",),
            ),
        )
    old.write(Tombstone(site.id, "m3", 2), None, released=True)
    old.close()
    raw = sqlite3.connect(db_path)
    raw.executescript(
        """
        DROP TABLE article_authors;
        DROP INDEX article_tags_newest;
        CREATE TABLE tags_then (site TEXT NOT NULL, tag TEXT NOT NULL, id TEXT NOT NULL,
            PRIMARY KEY (site, tag, id)) WITHOUT ROWID;
        INSERT INTO tags_then SELECT site, tag, id FROM article_tags;
        DROP TABLE article_tags;
        ALTER TABLE tags_then RENAME TO article_tags;
        CREATE INDEX article_tags_by_article ON article_tags (site, id);
        """
    )
    raw.close()

    migrated = SqliteIndex(db_path)
    try:
        assert ids(migrated.latest(site.id, NOW, 10, author="maya-larasati")) == ["m2", "m1"]
        assert ids(migrated.latest(site.id, NOW, 10, author="redaksi-andalpost")) == ["m1"]
        assert ids(migrated.latest(site.id, NOW, 1, tag="politik")) == ["m2"]
        assert migrated.facets(site.id, NOW).feed_values["author"] == ("maya-larasati", "redaksi-andalpost")
    finally:
        migrated.close()


def test_a_tag_or_author_feed_reads_only_its_newest_members(
    index: SqliteIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    """The query walks the membership index newest first and stops at the limit: no sort over
    every member (an author of a big archive has hundreds of thousands)."""
    store(index, site, make_article())
    for kind in ("tag", "author"):
        sql, params = index._latest_query(site.id, NOW, 50, **{kind: "x"})
        plan = " | ".join(row[3] for row in index._db.execute(f"EXPLAIN QUERY PLAN {sql}", params))
        assert "TEMP B-TREE" not in plan, plan
        assert f"article_{kind}s_newest" in plan, plan


# --- live_by_url -------------------------------------------------------------------------------


def test_live_by_url(index: SqliteIndex, site: SiteConfig, make_article: MakeArticle) -> None:
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


# --- shard_entries -----------------------------------------------------------------------------


def test_shard_entries_oldest_first_only_the_given_period(
    index: SqliteIndex, site: SiteConfig, make_article: MakeArticle
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
    index: SqliteIndex, site: SiteConfig, make_article: MakeArticle
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


# --- published_between -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("after_h", "until_h", "limit", "expected"),
    [
        (0, 3, 10, ["h3", "h2", "h1"]),  # after is exclusive, until inclusive
        (-1, 3, 10, ["h3", "h2", "h1", "h0"]),
        (1, 2, 10, ["h2"]),
        (0, 2.5, 10, ["h2", "h1"]),
        (0, 3, 2, ["h3", "h2"]),
        (3, 10, 10, ["h4"]),  # h4 is in the window even though `until` is in the future of now
        (2, 2, 10, []),
    ],
)
def test_published_between_window_bounds(
    index: SqliteIndex,
    site: SiteConfig,
    make_article: MakeArticle,
    after_h: float,
    until_h: float,
    limit: int,
    expected: list[str],
) -> None:
    for hour in range(5):
        store(
            index,
            site,
            make_article(
                id=f"h{hour}", url=f"{site.base_url}/n/h{hour}", published_at=T0 + timedelta(hours=hour)
            ),
        )
    store(
        index,
        site,
        make_article(id="dead", url=f"{site.base_url}/n/dead", published_at=T0 + timedelta(hours=1)),
    )
    index.write(Tombstone(site.id, "dead", 2), None, released=True)
    found = index.published_between(
        site.id, T0 + timedelta(hours=after_h), T0 + timedelta(hours=until_h), limit
    )
    assert ids(found) == expected


def test_published_between_is_microsecond_exact(
    index: SqliteIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    at = T0 + timedelta(microseconds=1)
    store(index, site, make_article(published_at=at))
    assert ids(index.published_between(site.id, T0, at, 10)) == ["1001"]
    assert index.published_between(site.id, at, at + timedelta(hours=1), 10) == []
    assert index.published_between(site.id, T0 - timedelta(hours=1), T0, 10) == []


# --- due / mark_released -----------------------------------------------------------------------


def test_due_and_mark_released(index: SqliteIndex, site: SiteConfig, make_article: MakeArticle) -> None:
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
    index: SqliteIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    store(index, site, make_article(published_at=NOW + timedelta(hours=1)), released=False)
    index.write(Tombstone(site.id, "1001", 2), None, released=False)
    assert index.due(site.id, NOW + timedelta(hours=2)) == []


# --- facets ------------------------------------------------------------------------------------


def test_facets(corpus: SqliteIndex, site: SiteConfig, make_article: MakeArticle) -> None:
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


# --- shard parts -------------------------------------------------------------------------------


def test_set_shard_parts_replaces_one_period(index: SqliteIndex, site: SiteConfig) -> None:
    lastmod = datetime(2023, 9, 20, 10, 0, tzinfo=WIB)
    assert index.shard_parts(site.id) == []
    index.set_shard_parts(
        site.id,
        "2023-09",
        [
            ShardPart("2023-09", 2, 10, None),
            ShardPart("2023-09", 1, 50_000, lastmod),
        ],
    )
    index.set_shard_parts(site.id, "2023-08", [ShardPart("2023-08", 1, 7, lastmod)])
    index.set_shard_parts("lain", "2023-09", [ShardPart("2023-09", 1, 1, None)])
    assert index.shard_parts(site.id) == [
        ShardPart("2023-08", 1, 7, lastmod),
        ShardPart("2023-09", 1, 50_000, lastmod),
        ShardPart("2023-09", 2, 10, None),
    ]
    assert index.shard_parts(site.id)[0].lastmod.utcoffset() == timedelta(hours=7)
    # Fewer parts now: part 2 must disappear, not linger.
    index.set_shard_parts(site.id, "2023-09", [ShardPart("2023-09", 1, 40, None)])
    assert index.shard_parts(site.id) == [
        ShardPart("2023-08", 1, 7, lastmod),
        ShardPart("2023-09", 1, 40, None),
    ]
    index.set_shard_parts(site.id, "2023-08", [])
    assert index.shard_parts(site.id) == [ShardPart("2023-09", 1, 40, None)]
    assert index.shard_parts("lain") == [ShardPart("2023-09", 1, 1, None)]


# --- render queue ------------------------------------------------------------------------------


def _keys(taken: list[tuple[OutputKey, int]]) -> list[OutputKey]:
    return sorted(key for key, _ in taken)


def test_push_coalesces_duplicates(index: SqliteIndex) -> None:
    amp = OutputKey("andalpost", "amp", "https://www.andalpost.com/n/a")
    feed = OutputKey("andalpost", "feed", "home")
    index.push([amp, feed, amp])
    index.push([feed])
    taken = index.take()
    assert _keys(taken) == sorted([amp, feed])
    assert len(taken) == 2
    assert all(isinstance(version, int) for _, version in taken)
    # take does not remove
    assert _keys(index.take()) == sorted([amp, feed])


def test_done_removes_taken_keys(index: SqliteIndex) -> None:
    keys = [
        OutputKey("andalpost", "robots"),
        OutputKey("andalpost", "shard", "2023-09"),
        OutputKey("lain", "robots"),
    ]
    index.push(keys)
    taken = index.take()
    assert _keys(taken) == sorted(keys)
    index.done(taken)
    assert index.take() == []


def test_a_key_pushed_again_after_take_survives_done(index: SqliteIndex) -> None:
    again = OutputKey("andalpost", "feed", "section:nasional")
    once = OutputKey("andalpost", "news_sitemap")
    index.push([again, once])
    taken = index.take()
    index.push([again])  # a newer change arrives while rendering
    index.done(taken)
    remaining = index.take()
    assert [key for key, _ in remaining] == [again]
    ((_, old_version),) = [(k, v) for k, v in taken if k == again]
    assert remaining[0][1] > old_version
    index.done(remaining)
    assert index.take() == []


def test_done_with_a_stale_version_keeps_the_key(index: SqliteIndex) -> None:
    key = OutputKey("andalpost", "robots")
    index.push([key])
    (taken,) = index.take()
    index.push([key])
    index.done([taken])
    index.done([(key, taken[1])])  # repeated done: harmless
    assert [k for k, _ in index.take()] == [key]


# --- several connections -----------------------------------------------------------------------


def test_two_instances_on_one_file_see_each_others_writes(
    db_path: Path, site: SiteConfig, make_article: MakeArticle
) -> None:
    first, second = SqliteIndex(db_path), SqliteIndex(db_path)
    try:
        store(first, site, make_article(revision=1))
        assert second.get(site.id, "1001").revision == 1
        result = second.write(make_article(revision=1), "2023-09", released=True)
        assert not result.applied
        store(second, site, make_article(revision=2))
        assert first.get(site.id, "1001").revision == 2
        key = OutputKey(site.id, "robots")
        second.push([key])
        taken = first.take()
        assert [k for k, _ in taken] == [key]
        first.done(taken)
        assert second.take() == []
        second.set_shard_parts(site.id, "2023-09", [ShardPart("2023-09", 1, 3, None)])
        assert first.shard_parts(site.id) == [ShardPart("2023-09", 1, 3, None)]
    finally:
        first.close()
        second.close()
    reopened = SqliteIndex(db_path)
    try:
        assert reopened.get(site.id, "1001").revision == 2
    finally:
        reopened.close()


REVISIONS = 50
WORKERS = 4


def test_concurrent_writers_keep_the_highest_revision(
    db_path: Path, site: SiteConfig, make_article: MakeArticle
) -> None:
    versions = {r: make_article(revision=r, title=f"Revisi {r}") for r in range(1, REVISIONS + 1)}
    barrier = threading.Barrier(WORKERS + 1)
    errors: list[BaseException] = []
    applied: list[int] = []
    seen: list[int] = []
    stop = threading.Event()

    def writer(seed: int) -> None:
        try:
            barrier.wait()
            idx = SqliteIndex(db_path)  # its own connection, opened concurrently
            try:
                order = list(range(1, REVISIONS + 1))
                random.Random(seed).shuffle(order)
                for revision in order:
                    result = idx.write(versions[revision], "2023-09", released=True)
                    if result.applied:
                        applied.append(revision)
                        assert result.previous is None or result.previous.revision < revision
                    else:
                        assert result.previous is not None
                        assert result.previous.revision >= revision
            finally:
                idx.close()
        except BaseException as error:
            errors.append(error)

    def observer() -> None:
        try:
            barrier.wait()
            idx = SqliteIndex(db_path)
            try:
                while not stop.is_set():
                    state = idx.get(site.id, "1001")
                    if state is not None:
                        seen.append(state.revision)
            finally:
                idx.close()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(seed,)) for seed in range(WORKERS)]
    watcher = threading.Thread(target=observer)
    for thread in [*threads, watcher]:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    stop.set()
    watcher.join(timeout=30)
    assert not errors, errors
    idx = SqliteIndex(db_path)
    try:
        final = idx.get(site.id, "1001")
    finally:
        idx.close()
    assert isinstance(final, Article)
    assert final.revision == REVISIONS and final.title == f"Revisi {REVISIONS}"
    # Every applied write raised the revision: each revision applied at most once, and the
    # revisions a reader saw never went down.
    assert len(applied) == len(set(applied))
    assert REVISIONS in applied
    assert seen == sorted(seen)


def _process_writer(path: str, doc: dict, seed: int) -> None:
    idx = SqliteIndex(Path(path))
    order = list(range(1, REVISIONS + 1))
    random.Random(seed).shuffle(order)
    for revision in order:
        idx.write(
            Article.from_json({**doc, "revision": revision, "title": f"Revisi {revision}"}),
            "2023-09",
            released=True,
        )
    idx.close()


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_concurrent_processes_keep_the_highest_revision(
    db_path: Path, site: SiteConfig, make_article: MakeArticle
) -> None:
    context = multiprocessing.get_context("fork")
    doc = make_article().to_json()
    processes = [
        context.Process(target=_process_writer, args=(str(db_path), doc, seed)) for seed in range(WORKERS)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [p.exitcode for p in processes] == [0] * WORKERS
    idx = SqliteIndex(db_path)
    try:
        final = idx.get(site.id, "1001")
    finally:
        idx.close()
    assert final is not None and final.revision == REVISIONS
    assert isinstance(final, Article) and final.title == f"Revisi {REVISIONS}"
