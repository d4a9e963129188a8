"""SqliteIndex: what is SQLite's own (migrations, query plans, several connections and processes
on one file). What every `ArticleIndex` and `RenderQueue` promises is tested on SQLite and on
DynamoDB alike in test_contract_index.py and test_contract_queue.py."""

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
from lxml import etree

from warta.adapters import sqlite_index as sqlite_index_module
from warta.adapters.sqlite_connect import INDEX_PAGE_SIZE
from warta.adapters.sqlite_index import SqliteIndex
from warta.adapters.sqlite_schema import create_or_upgrade
from warta.core.articles import Article, Author, Section, Tombstone
from warta.core.body.model import Paragraph, Text
from warta.core.config import SiteConfig
from warta.core.planner import OutputKey, shard_period
from warta.core.ports import ShardPart
from warta.core.render.sitemaps import (
    NEWS_FRAGMENT_FORMAT,
    SITEMAP_FRAGMENT_FORMAT,
    iter_shard_files,
    news_fragment,
    render_news_sitemap,
)
from warta.core.views import KeptNewsEntry, NewsEntry

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


# --- migrations and query plans --------------------------------------------------------------


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


@pytest.mark.parametrize("made_with", [None, 4096])
def test_a_new_index_has_16_kib_pages_and_an_earlier_file_keeps_its_own(
    db_path: Path, site: SiteConfig, make_article: MakeArticle, made_with: int | None
) -> None:
    """Documents of a few KB stay in their B-tree leaves at 16 KiB pages; a file an earlier
    release made (SQLite's 4 KiB) opens, reads and takes writes as it is."""
    if made_with is not None:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        earlier = sqlite3.connect(db_path)
        earlier.execute(f"PRAGMA page_size = {made_with}")
        earlier.execute("PRAGMA journal_mode = WAL")
        earlier.execute("CREATE TABLE earlier (x)")
        earlier.close()
    index = SqliteIndex(db_path)
    try:
        store(index, site, make_article(id="p1", body=(Paragraph((Text("Kata " * 1500),)),)))
        assert ids(index.latest(site.id, NOW, 10)) == ["p1"]
        assert index.live_by_url(site.id, make_article(id="p1").url, NOW) is not None
        page_size = index._db.execute("PRAGMA page_size").fetchone()[0]
    finally:
        index.close()
    assert page_size == (made_with or INDEX_PAGE_SIZE) and INDEX_PAGE_SIZE == 16_384


def test_rows_without_the_sitemap_columns_are_filled_on_open_and_the_check_reads_only_them(
    db_path: Path, site: SiteConfig, make_article: MakeArticle, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = SqliteIndex(db_path)
    store(old, site, make_article(id="s1"))
    store(old, site, make_article(id="s2"))
    expected = list(old.shard_rows(site.id, "2023-09", NOW))
    old.close()
    raw = sqlite3.connect(db_path)
    with raw:  # as a release before the sitemap columns left the row
        raw.execute(
            "UPDATE articles SET lastmod = NULL, sitemap_xml = NULL, sitemap_format = NULL WHERE id = 's1'"
        )
    raw.close()
    executed: list[str] = []
    connect = sqlite_index_module.connect_wal
    monkeypatch.setattr(sqlite_index_module, "connect_wal", lambda path: _traced(connect(path), executed))
    reopened = SqliteIndex(db_path)
    try:
        filled = "SELECT count(*) FROM articles WHERE lastmod IS NOT NULL AND sitemap_format IS NOT NULL"
        assert reopened._db.execute(filled).fetchone() == (2,)
        assert list(reopened.shard_rows(site.id, "2023-09", NOW)) == expected
        (check,) = [sql for sql in executed if "lastmod IS NULL" in sql and sql.lstrip().startswith("SELECT")]
        plan = " | ".join(row[3] for row in reopened._db.execute(f"EXPLAIN QUERY PLAN {check}"))
        assert "articles_unfilled" in plan, plan  # not a walk over every row of the archive
    finally:
        reopened.close()


def test_shard_files_render_a_fragment_of_an_older_release_afresh(
    db_path: Path, site: SiteConfig, make_article: MakeArticle
) -> None:
    index = SqliteIndex(db_path)
    try:
        for n in range(3):
            store(index, site, make_article(id=f"f{n}", published_at=NOW - timedelta(hours=3 - n)))
        expected = index.shard_files(site.id, "2023-09", NOW)
        assert [f.url_count for f in expected] == [3]
        # As a release with another fragment format left it: never spliced as it stands.
        index._db.execute(
            "UPDATE articles SET sitemap_xml = ?, sitemap_format = ? WHERE id = 'f1'",
            (b"<url>stale</url>", SITEMAP_FRAGMENT_FORMAT - 1),
        )
        assert index.shard_files(site.id, "2023-09", NOW) == expected
    finally:
        index.close()


def test_news_entries_of_an_earlier_release_are_read_as_fields_and_make_the_same_sitemap(
    db_path: Path, site: SiteConfig, make_article: MakeArticle
) -> None:
    """Rows written before the entries were kept (no news columns), or kept under another
    format, are read as their fields; the sitemap is the same bytes either way, and a row
    written since is kept finished."""
    window = (NOW - timedelta(days=3650), NOW, 1000)
    old = SqliteIndex(db_path)
    for n in range(3):
        store(old, site, make_article(id=f"n{n}", published_at=NOW - timedelta(hours=3 - n)))
    expected = render_news_sitemap(old.news_entries(site.id, *window), site)
    old.close()
    raw = sqlite3.connect(db_path)
    with raw:  # as the release before kept news entries left the file
        raw.executescript(
            """
            DROP INDEX articles_news_kept;
            ALTER TABLE articles DROP COLUMN news_xml;
            ALTER TABLE articles DROP COLUMN news_format;
            CREATE INDEX articles_news ON articles (site, published_us, id, live, url, sitemap)
                WHERE live = 1;
            """
        )
    raw.close()
    reopened = SqliteIndex(db_path)
    try:
        found = reopened.news_entries(site.id, *window)
        assert all(isinstance(entry, NewsEntry) for entry in found)
        assert render_news_sitemap(found, site) == expected
        reopened._db.execute(
            "UPDATE articles SET news_xml = ?, news_format = ? WHERE id = 'n1'",
            (b"<url>stale</url>", NEWS_FRAGMENT_FORMAT - 1),
        )
        store(reopened, site, make_article(id="n3", published_at=NOW - timedelta(minutes=5)))
        found = reopened.news_entries(site.id, *window)
        assert [type(entry) for entry in found] == [KeptNewsEntry, NewsEntry, NewsEntry, NewsEntry]
        articles = [make_article(id=f"n{n}", published_at=NOW - timedelta(hours=3 - n)) for n in range(3)]
        newest = make_article(id="n3", published_at=NOW - timedelta(minutes=5))
        assert render_news_sitemap(found, site) == render_news_sitemap([newest, *reversed(articles)], site)
        indexes = {row[1] for row in reopened._db.execute("PRAGMA index_list(articles)")}
        assert "articles_news" not in indexes and "articles_news_kept" in indexes
    finally:
        reopened.close()


def test_the_rebuilds_lists_of_urls_and_sections_read_their_indexes_alone(
    index: SqliteIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    """A rebuild starts by listing every live URL and section (`facets`): from the URL and
    section indexes alone, in their order, not each row looked up in the table for `live`."""
    store(index, site, make_article(id="f1"))
    store(
        index, site, make_article(id="f2", url="https://www.andalpost.com/b/dua", section=Section("b", "B"))
    )
    executed: list[str] = []
    index._db.set_trace_callback(executed.append)
    try:
        facets = index.facets(site.id, NOW)
    finally:
        index._db.set_trace_callback(None)
    assert facets.urls == tuple(sorted([make_article(id="f1").url, "https://www.andalpost.com/b/dua"]))
    assert facets.feed_values["section"] == tuple(sorted({make_article(id="f1").section.id, "b"}))
    for column, used in (("url", "articles_url"), ("section", "articles_section")):
        (sql,) = [statement for statement in executed if f"SELECT DISTINCT {column} " in statement]
        plan = " | ".join(row[3] for row in index._db.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert f"COVERING INDEX {used}" in plan, plan
        assert "TEMP B-TREE" not in plan, plan


def test_an_index_with_the_url_and_section_indexes_of_an_earlier_release_is_upgraded_on_open(
    db_path: Path, site: SiteConfig, make_article: MakeArticle
) -> None:
    old = SqliteIndex(db_path)
    store(old, site, make_article(id="u1"))
    old.close()
    raw = sqlite3.connect(db_path)
    with raw:  # as the release before this one left the file
        raw.executescript(
            """
            DROP INDEX articles_url;
            DROP INDEX articles_section;
            CREATE INDEX articles_section
                ON articles (site, section, published_us DESC, id DESC) WHERE live = 1;
            CREATE INDEX articles_url ON articles (site, url) WHERE live = 1;
            """
        )
    raw.close()
    reopened = SqliteIndex(db_path)
    try:
        columns = {
            name: [row[2] for row in reopened._db.execute(f"PRAGMA index_info({name})")]
            for name in ("articles_url", "articles_section")
        }
        assert columns == {
            "articles_url": ["site", "url", "published_us", "live"],
            "articles_section": ["site", "section", "published_us", "id", "live"],
        }
        article = make_article(id="u1")
        assert reopened.live_by_url(site.id, article.url, NOW) == article
        assert reopened.facets(site.id, NOW).urls == (article.url,)
        assert ids(reopened.latest(site.id, NOW, 10, section=article.section.id)) == ["u1"]
    finally:
        reopened.close()
    raw = sqlite3.connect(db_path)
    with raw:  # the earlier release opens the file again: it creates its indexes only if missing
        raw.executescript(
            """
            CREATE INDEX IF NOT EXISTS articles_section
                ON articles (site, section, published_us DESC, id DESC) WHERE live = 1;
            CREATE INDEX IF NOT EXISTS articles_url ON articles (site, url) WHERE live = 1;
            """
        )
        found = raw.execute(
            "SELECT id FROM articles INDEXED BY articles_url WHERE site = ? AND url = ? AND live = 1",
            (site.id, article.url),
        ).fetchall()
    raw.close()
    assert found == [("u1",)]
    again = SqliteIndex(db_path)
    try:
        assert [row[2] for row in again._db.execute("PRAGMA index_info(articles_url)")][-1] == "live"
    finally:
        again.close()


def test_a_kept_news_entry_leaves_out_the_site_name_and_refused_text_is_not_kept(
    index: SqliteIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    """A renamed site's news sitemap shows its new name from the kept entries; a title lxml
    refuses is not kept, and the sitemap raises (quarantined) as it did before entries were kept."""
    window = (NOW - timedelta(days=3650), NOW, 1000)
    store(index, site, make_article(id="k1"))
    renamed = replace(site, name="Andalpost & Co <Baru>")
    data = render_news_sitemap(index.news_entries(site.id, *window), renamed)
    assert data == render_news_sitemap([make_article(id="k1")], renamed)
    assert etree.fromstring(data).findtext(".//{*}publication/{*}name") == "Andalpost & Co <Baru>"
    store(index, site, make_article(id="k2", title="judul\x01", published_at=NOW - timedelta(minutes=1)))
    (refused, kept) = index.news_entries(site.id, *window)
    assert refused == NewsEntry(make_article(id="k2").url, "judul\x01", "id", NOW - timedelta(minutes=1))
    assert isinstance(kept, KeptNewsEntry)
    with pytest.raises(ValueError):
        render_news_sitemap([refused, kept], site)


def test_a_news_entry_read_as_fields_of_an_article_taken_down_meanwhile_is_left_out(
    index: SqliteIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    """A row read as fields takes a second statement; another process's takedown between the
    two leaves the entry out instead of failing the news sitemap."""
    article = make_article(id="t1")
    store(index, site, article)
    assert index._news_fields(site.id, "t1") == NewsEntry(
        article.url, article.title, article.language, article.published_at
    )
    index.write(Tombstone(site.id, "t1", 2), None, released=True)
    assert index._news_fields(site.id, "t1") is None
    assert index._news_fields(site.id, "never-written") is None


def test_shard_files_keep_the_first_of_equal_newest_lastmods_in_two_offsets(
    db_path: Path, site: SiteConfig, make_article: MakeArticle
) -> None:
    """Read row by row, the newest lastmod is still the first of equal instants (its offset is
    what the part's index entry writes), as `iter_shard_files` keeps it."""
    index = SqliteIndex(db_path)
    try:
        newest = NOW - timedelta(minutes=5)
        updates = [newest.astimezone(UTC), newest.astimezone(WIB), NOW - timedelta(hours=1)]
        for n, updated in enumerate(updates):
            published = NOW - timedelta(hours=3 - n)
            store(index, site, make_article(id=f"o{n}", published_at=published, updated_at=updated))
        files = index.shard_files(site.id, "2023-09", NOW)
        assert files == list(iter_shard_files(index.shard_rows(site.id, "2023-09", NOW)))
        assert [f.lastmod for f in files] == [newest] and files[0].lastmod.utcoffset() == timedelta(0)
    finally:
        index.close()


def _traced(db: sqlite3.Connection, executed: list[str]) -> sqlite3.Connection:
    db.set_trace_callback(executed.append)
    return db


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


def test_shard_cuts_read_only_the_cuts(
    index: SqliteIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    """A busy month has 30,000 rows and some 30 cuts: the query walks the cuts' index, not every
    row of the period (the covering index of the period's rows would answer it too, slowly)."""
    store(index, site, make_article())
    executed: list[str] = []
    index._db.set_trace_callback(executed.append)
    try:
        index.shard_cuts(site.id, "2023-09", NOW)
    finally:
        index._db.set_trace_callback(None)
    (sql,) = [statement for statement in executed if "cut = 1" in statement]
    plan = " | ".join(row[3] for row in index._db.execute(f"EXPLAIN QUERY PLAN {sql}"))
    assert "articles_cuts" in plan, plan
    assert "articles_period_rows" not in plan, plan


def test_news_window_is_read_from_its_covering_index(
    index: SqliteIndex, site: SiteConfig, make_article: MakeArticle
) -> None:
    """The news sitemap reads up to 1,000 rows a publish: from the index alone, not each row
    looked up in the table past its document."""
    store(index, site, make_article())
    executed: list[str] = []
    index._db.set_trace_callback(executed.append)
    try:
        found = index.news_entries(site.id, NOW - timedelta(days=3650), NOW, 1000)
    finally:
        index._db.set_trace_callback(None)
    assert found == [KeptNewsEntry(make_article().url, news_fragment(make_article()) or b"")]
    (sql,) = [statement for statement in executed if "news_xml" in statement]
    plan = " | ".join(row[3] for row in index._db.execute(f"EXPLAIN QUERY PLAN {sql}"))
    assert "COVERING INDEX articles_news_kept" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize(
    ("call", "used"),
    [
        (lambda index, site: index.due(site.id, NOW), "articles_due"),
        (lambda index, site: index.latest(site.id, NOW, 50), "articles_latest"),
        (
            lambda index, site: index.published_between(site.id, NOW - timedelta(days=1), NOW, 50),
            "articles_latest",
        ),
    ],
)
def test_article_reads_keep_their_narrow_index(
    index: SqliteIndex,
    site: SiteConfig,
    make_article: MakeArticle,
    call: Callable[[SqliteIndex, SiteConfig], object],
    used: str,
) -> None:
    """The news sitemap's wide index must not become the walk of these reads: the due query
    over it would read every live row of the site (70 ms a publish at 20,000 articles). Made
    last, as in a file an earlier release wrote, that index wins the planner's ties."""
    store(index, site, make_article())
    index._db.execute("DROP INDEX articles_news_kept")
    create_or_upgrade(index._db)
    executed: list[str] = []
    index._db.set_trace_callback(executed.append)
    try:
        call(index, site)
    finally:
        index._db.set_trace_callback(None)
    (sql,) = [statement for statement in executed if "doc FROM articles" in statement]
    plan = " | ".join(row[3] for row in index._db.execute(f"EXPLAIN QUERY PLAN {sql}"))
    assert f"INDEX {used}" in plan, plan


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


def test_parsed_documents_keep_the_most_recently_read(
    index: SqliteIndex, site: SiteConfig, make_article: MakeArticle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The home feed's articles are read at every publish, among many read once: the ones read
    again stay parsed (the same values), the one read longest ago goes first."""
    monkeypatch.setattr(sqlite_index_module, "PARSED_CACHE_SIZE", 2)
    for n in range(3):
        store(index, site, make_article(id=f"a{n}", url=f"{site.base_url}/nasional/a{n}"))

    def read(n: int) -> Article:
        found = index.live_by_url(site.id, f"{site.base_url}/nasional/a{n}", NOW)
        assert found is not None
        return found

    first, second = read(0), read(1)
    assert read(0) is first  # read again: now the most recent
    read(2)  # one more than the cache holds: a1, read longest ago, goes
    assert read(0) is first
    assert read(1) is not second and read(1) == second
