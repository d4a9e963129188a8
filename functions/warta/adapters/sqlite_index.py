"""The article index and render queue on one SQLite file: the local default.

Several `warta publish` processes may share the file: writes run in IMMEDIATE transactions
under WAL, so the revision check and the write are one atomic step.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from warta.adapters.sqlite_connect import connect_wal
from warta.adapters.sqlite_listing import SqliteListing
from warta.adapters.sqlite_schema import (
    ARTICLE_COLUMNS,
    INSERT_ARTICLE,
    article_row,
    create_or_upgrade,
    membership_rows,
    sitemap_entry,
)
from warta.core.articles import Article, ArticleState, Tombstone
from warta.core.planner import OutputKey, epoch_micros
from warta.core.ports import Facets, FeedItem, QuarantinedOutput, ShardPart, UrlHeld, WriteResult
from warta.core.render.sitemaps import (
    NEWS_FRAGMENT_FORMAT,
    SITEMAP_FRAGMENT_FORMAT,
    iter_shard_files,
    one_shard_file,
    url_fragment,
)
from warta.core.views import (
    KeptNewsEntry,
    NewsEntry,
    ShardPosition,
    ShardRow,
    SitemapEntry,
    SitemapPart,
    parse_position,
    position_text,
)

BULK_CACHE_KIB = 1_048_576  # 1 GiB of page cache while bulk loading
# Article ids per `feed_items` query: SQLite allows 32,766 parameters since 3.32, 999 before.
FEED_ITEM_IDS_PER_QUERY = 500
URLS_PER_QUERY = 500  # `live_by_urls`, likewise
# Parsed article documents kept per index: a few feeds' worth (50 items each) in a warm process.
PARSED_CACHE_SIZE = 1_024


def _micros(moment: datetime) -> int:
    return epoch_micros(moment)  # the planner names shard positions in the same unit


# `shard_files`' mark of a row whose fragment an older release wrote (0 and 1: its `cut`).
_STALE = 2


def _shard_range(
    site: str, period: str, now: datetime, after: ShardPosition | None, until: ShardPosition | None
) -> tuple[str, list[object]]:
    """The WHERE clause and parameters of a shard's visible rows with after < position <= until."""
    where = "site = ? AND period = ? AND live = 1 AND published_us <= ?"
    params: list[object] = [site, period, _micros(now)]
    if after is not None:
        where += " AND (published_us, id) > (?, ?)"
        params += after
    if until is not None:
        where += " AND (published_us, id) <= (?, ?)"
        params += until
    return where, params


# The membership tables a feed's `latest` can walk: (table, column) by `latest`'s argument.
_MEMBERSHIPS = {"tag": ("article_tags", "tag"), "author": ("article_authors", "author")}


def _state(
    site: str, article_id: str, revision: int, live: int, doc: str | None, url: str | None
) -> ArticleState:
    if live and doc:
        return Article.from_json(json.loads(doc))
    return Tombstone(site=site, id=article_id, revision=revision, url=url or "")


class SqliteIndex(SqliteListing):
    """`ArticleIndex` and `RenderQueue` on a SQLite database file."""

    def __init__(self, path: Path, mapped_bytes: int = 0) -> None:
        """`mapped_bytes`: how much of the file SQLite reads through a memory map (PRAGMA
        mmap_size) instead of copying its pages into its own cache: for a reader of many rows
        all over the file, such as a rebuild's render worker."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = connect_wal(path)
        if mapped_bytes:
            self._db.execute(f"PRAGMA mmap_size = {int(mapped_bytes)}")
        # Parsed documents, whole and without bodies apart: a feed without bodies must not take
        # the room of the whole articles the other feeds re-read.
        self._recent: dict[bool, dict[str, Article]] = {True: {}, False: {}}
        with self._transaction():
            create_or_upgrade(self._db)

    def close(self) -> None:
        self._db.close()

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)

    # --- ArticleIndex -----------------------------------------------------------------------

    def get(self, site: str, article_id: str) -> ArticleState | None:
        row = self._db.execute(
            "SELECT revision, live, doc, url FROM articles WHERE site = ? AND id = ?", (site, article_id)
        ).fetchone()
        return None if row is None else _state(site, article_id, *row)

    def write(self, state: ArticleState, period: str | None, released: bool) -> WriteResult:
        with self._transaction():
            previous = self.get(state.site, state.id)
            if previous is not None and previous.revision >= state.revision:
                return WriteResult(applied=False, previous=previous)
            if isinstance(state, Article):
                self._check_url_free(state)
                row = article_row(state, period, released)
            else:
                row = dict.fromkeys(ARTICLE_COLUMNS.replace(" ", "").split(","))
                # The last live URL stays with the tombstone (no index on it: URLs are claimed by
                # live articles only).
                url = previous.url if previous is not None else state.url
                row.update(
                    site=state.site, id=state.id, revision=state.revision, live=0, released=0, cut=0, url=url
                )
            self._db.execute(INSERT_ARTICLE, row)
            self._db.execute("DELETE FROM article_tags WHERE site = ? AND id = ?", (state.site, state.id))
            self._db.execute("DELETE FROM article_authors WHERE site = ? AND id = ?", (state.site, state.id))
            # Items of the replaced revision are never served again (`feed_items`): drop them.
            self._db.execute("DELETE FROM feed_items WHERE site = ? AND id = ?", (state.site, state.id))
            if isinstance(state, Article):
                self._insert_memberships([state])
            return WriteResult(applied=True, previous=previous)

    def _check_url_free(self, article: Article) -> None:
        """A URL belongs to one live (not taken down) article; after a takedown it is free."""
        holder = self._db.execute(
            "SELECT id FROM articles INDEXED BY articles_url WHERE site = ? AND url = ? AND live = 1"
            " AND id != ? LIMIT 1",
            (article.site, article.url, article.id),
        ).fetchone()
        if holder is not None:
            raise UrlHeld(article.url, holder[0])

    def write_many(self, rows: Iterable[tuple[Article, str | None, bool]], batch: int = 10_000) -> int:
        """Bulk load (article, period, released) rows, `batch` per transaction; returns the count.

        Not part of `ArticleIndex`: there is no revision check (a row replaces whatever is
        stored), so it is for filling a fresh index, e.g. with a synthetic archive.
        """
        # Article ids arrive in no key order, so inserts land all over the B-trees: without a
        # page cache that holds them, a million-row load spends its time re-reading pages.
        self._db.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        count = 0
        pending: list[tuple[Article, str | None, bool]] = []

        def flush() -> None:
            with self._transaction():
                self._db.executemany(INSERT_ARTICLE, [article_row(a, p, r) for a, p, r in pending])
                # No revision check here: a row replaced at its own revision must not keep items.
                replaced = [(a.site, a.id) for a, _, _ in pending]
                self._db.executemany("DELETE FROM feed_items WHERE site = ? AND id = ?", replaced)
                self._insert_memberships(a for a, _, _ in pending)
            pending.clear()

        for row in rows:
            pending.append(row)
            count += 1
            if len(pending) >= batch:
                flush()
        if pending:
            flush()
        self._db.execute("PRAGMA cache_size = -2000")  # SQLite's default again
        return count

    def _insert_memberships(self, articles: Iterable[Article]) -> None:
        tags, authors = membership_rows(articles)
        self._db.executemany("INSERT OR IGNORE INTO article_tags VALUES (?, ?, ?, ?)", tags)
        self._db.executemany("INSERT OR IGNORE INTO article_authors VALUES (?, ?, ?, ?)", authors)

    def _articles(self, sql: str, params: Sequence[object], bodies: bool = True) -> list[Article]:
        return [self._parsed(doc, bodies) for (doc,) in self._db.execute(sql, params)]

    def _parsed(self, doc: str, bodies: bool = True) -> Article:
        """The Article of a stored document (`bodies=False`: of one whose body SQLite left out);
        a warm process re-reads the same feeds' articles on every publish, so recent documents
        are kept parsed (keyed by their exact text, whole and without bodies apart)."""
        recent = self._recent[bodies]
        article = recent.pop(doc, None)
        if article is None:
            data = json.loads(doc)
            article = Article.from_json(data) if bodies else Article.from_json_without_body(data)
            if len(recent) >= PARSED_CACHE_SIZE:
                del recent[next(iter(recent))]  # the least recently used
        recent[doc] = article  # the most recently used: the home feed's are read every publish
        return article

    def live_by_url(self, site: str, url: str, now: datetime) -> Article | None:
        found = self._articles(
            # Without statistics SQLite would walk articles_latest to skip the sort: a scan of
            # the whole archive per AMP page. A URL has one or two rows; sorting them is free.
            "SELECT doc FROM articles INDEXED BY articles_url WHERE site = ? AND url = ? AND live = 1"
            " AND published_us <= ? ORDER BY published_us DESC, id DESC LIMIT 1",
            (site, url, _micros(now)),
        )
        return found[0] if found else None

    def live_by_urls(self, site: str, urls: Sequence[str], now: datetime) -> dict[str, Article]:
        # One query per run of pages instead of one per page: between a worker's page renders and
        # file writes, SQLite's pages and code are out of the CPU's caches, and a lone lookup
        # cost ~90 us against ~15 us in a run. The documents are parsed without `_recent`:
        # a rebuild reads each once, and keying the cache by a 10 KB text costs its hashing.
        found: dict[str, Article] = {}
        for start in range(0, len(urls), URLS_PER_QUERY):
            chunk = urls[start : start + URLS_PER_QUERY]
            rows = self._db.execute(
                "SELECT url, doc FROM articles INDEXED BY articles_url WHERE site = ?"
                f" AND url IN ({', '.join('?' * len(chunk))}) AND live = 1 AND published_us <= ?"
                " ORDER BY url, published_us DESC, id DESC",
                (site, *chunk, _micros(now)),
            )
            for url, doc in rows:
                if url not in found:  # the newest of a URL's rows, as `live_by_url` picks
                    found[url] = Article.from_json(json.loads(doc))
        return found

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
        # Without bodies: the documents are decoded but their bodies not built (dropping them in
        # SQL, json_set, costs a warm process more than the parsed documents it keeps save).
        return self._articles(*self._latest_query(site, now, limit, section, tag, author), bodies)

    def _latest_query(
        self,
        site: str,
        now: datetime,
        limit: int,
        section: str | None = None,
        tag: str | None = None,
        author: str | None = None,
    ) -> tuple[str, list[object]]:
        """The SELECT of `latest` and its parameters."""
        members = {name: value for name, value in (("tag", tag), ("author", author)) if value is not None}
        if not members:
            where = "a.site = ? AND a.live = 1 AND a.published_us <= ?"
            params: list[object] = [site, _micros(now)]
            # The home feed walks articles_latest (the planner would take the wider articles_news_kept).
            indexed = "INDEXED BY articles_latest"
            if section is not None:
                where += " AND a.section = ?"
                params.append(section)
                indexed = ""
            return (
                f"SELECT a.doc FROM articles a {indexed} WHERE {where}"
                " ORDER BY a.published_us DESC, a.id DESC LIMIT ?",
                [*params, limit],
            )
        # Walk the first membership list newest first; the other filters are checked per row.
        (first, value), *others = members.items()
        table, column = _MEMBERSHIPS[first]
        where = f"m.site = ? AND m.{column} = ? AND m.published_us <= ? AND a.live = 1"
        params = [site, value, _micros(now)]
        if section is not None:
            where += " AND a.section = ?"
            params.append(section)
        for name, other in others:
            other_table, other_column = _MEMBERSHIPS[name]
            where += (
                f" AND EXISTS (SELECT 1 FROM {other_table} o"
                f" WHERE o.site = a.site AND o.{other_column} = ? AND o.id = a.id)"
            )
            params.append(other)
        return (
            f"SELECT a.doc FROM {table} m INDEXED BY {table}_newest"
            f" JOIN articles a ON a.site = m.site AND a.id = m.id WHERE {where}"
            " ORDER BY m.published_us DESC, m.id DESC LIMIT ?",
            [*params, limit],
        )

    def shard_entries(self, site: str, period: str, now: datetime) -> Iterator[SitemapEntry]:
        cursor = self._db.execute(
            "SELECT url, sitemap FROM articles WHERE site = ? AND period = ? AND live = 1"
            " AND published_us <= ? ORDER BY published_us, id",
            (site, period, _micros(now)),
        )
        for url, sitemap in cursor:
            yield sitemap_entry(url, sitemap)

    def shard_rows(
        self,
        site: str,
        period: str,
        now: datetime,
        after: ShardPosition | None = None,
        until: ShardPosition | None = None,
    ) -> Iterator[ShardRow]:
        where, params = _shard_range(site, period, now, after, until)
        cursor = self._db.execute(
            "SELECT published_us, id, cut, lastmod, sitemap_xml, sitemap_format"
            f" FROM articles INDEXED BY articles_period_rows WHERE {where} ORDER BY published_us, id",
            params,
        )
        for published_us, article_id, cut, lastmod, fragment, fragment_format in cursor.fetchall():
            if fragment_format != SITEMAP_FRAGMENT_FORMAT:
                # Written by an older release: render the element as this one would.
                fragment = self._fresh_fragment(site, article_id)
            yield ShardRow(
                position=(published_us, article_id),
                fragment=fragment,
                lastmod=datetime.fromisoformat(lastmod),
                cut=bool(cut),
            )

    def shard_files(
        self,
        site: str,
        period: str,
        now: datetime,
        after: ShardPosition | None = None,
        until: ShardPosition | None = None,
    ) -> list[SitemapPart]:
        # A publish re-renders the open part, thousands of URLs in a busy month, and a rebuild
        # every part of every period: read only what their files are made of, a part being the
        # rows up to each cut, and leave the row-by-row walk to the periods that need it (a
        # fragment of an older release, a part past a file's limits).
        where, params = _shard_range(site, period, now, after, until)
        rows = self._db.execute(
            f"SELECT sitemap_xml, lastmod, CASE WHEN sitemap_format IS NOT ? THEN {_STALE} ELSE cut END,"
            " CASE WHEN cut = 1 THEN published_us END, CASE WHEN cut = 1 THEN id END"
            f" FROM articles INDEXED BY articles_period_rows WHERE {where} ORDER BY published_us, id",
            [SITEMAP_FRAGMENT_FORMAT, *params],
        )
        # Row by row, keeping only the fragments: a fresh process pays for every page of memory
        # it touches first (0.5 us a page on bare metal, 15-60 us on a loaded VM), and the rows
        # whole, then their columns apart, were three times the open part's 1.6 MB at 20,000.
        parts: list[SitemapPart] = []
        fragments: list[bytes] = []
        newest: datetime | None = None
        for fragment, lastmod, flag, cut_us, cut_id in rows:
            if flag == _STALE:
                break
            moment = datetime.fromisoformat(lastmod)
            if newest is None or moment > newest:  # the first of the newest, as `_Part.add`
                newest = moment
            fragments.append(fragment)
            if flag:
                part = one_shard_file(fragments, (newest,), (cut_us, cut_id))
                if part is None:
                    break
                parts.append(part)
                fragments, newest = [], None
        else:
            if newest is None:  # no rows after the last cut: no open part
                return parts
            part = one_shard_file(fragments, (newest,), None)
            if part is not None:
                parts.append(part)
                return parts
        rows.close()
        return list(iter_shard_files(self.shard_rows(site, period, now, after, until)))

    def _fresh_fragment(self, site: str, article_id: str) -> bytes:
        url, sitemap = self._db.execute(
            "SELECT url, sitemap FROM articles WHERE site = ? AND id = ?", (site, article_id)
        ).fetchone()
        return url_fragment(sitemap_entry(url, sitemap))

    def shard_cuts(self, site: str, period: str, now: datetime) -> list[ShardPosition]:
        return [
            (published_us, article_id)
            for published_us, article_id in self._db.execute(
                # The planner would walk the whole period in articles_period_rows (it covers
                # the query too): 30,000 rows of a busy month for its 30 cuts.
                "SELECT published_us, id FROM articles INDEXED BY articles_cuts"
                " WHERE site = ? AND period = ? AND live = 1"
                " AND cut = 1 AND published_us <= ? ORDER BY published_us, id",
                (site, period, _micros(now)),
            )
        ]

    def news_entries(
        self, site: str, after: datetime, until: datetime, limit: int
    ) -> list[NewsEntry | KeptNewsEntry]:
        # The entries kept finished beside their rows; a row an earlier release wrote (or one
        # whose text lxml refuses) is read as fields, for the renderer to make.
        rows = self._db.execute(
            "SELECT url, CASE WHEN news_format IS ? THEN news_xml END, id"
            " FROM articles INDEXED BY articles_news_kept WHERE site = ? AND live = 1"
            " AND published_us > ? AND published_us <= ? ORDER BY published_us DESC, id DESC LIMIT ?",
            (NEWS_FRAGMENT_FORMAT, site, _micros(after), _micros(until), limit),
        ).fetchall()
        entries: list[NewsEntry | KeptNewsEntry] = []
        for url, fragment, article_id in rows:
            entry = (
                KeptNewsEntry(url, fragment) if fragment is not None else self._news_fields(site, article_id)
            )
            if entry is not None:
                entries.append(entry)
        return entries

    def _news_fields(self, site: str, article_id: str) -> NewsEntry | None:
        """The news entry's fields of a live article (None: taken down since the window's read,
        by another process between the two statements)."""
        row = self._db.execute(
            "SELECT url, sitemap FROM articles WHERE site = ? AND id = ? AND live = 1", (site, article_id)
        ).fetchone()
        if row is None:
            return None
        data = json.loads(row[1])
        return NewsEntry(
            row[0], data["title"], data["language"], datetime.fromisoformat(data["published_at"])
        )

    def published_between(self, site: str, after: datetime, until: datetime, limit: int) -> list[Article]:
        return self._articles(
            "SELECT doc FROM articles INDEXED BY articles_latest WHERE site = ? AND live = 1"
            " AND published_us > ? AND published_us <= ? ORDER BY published_us DESC, id DESC LIMIT ?",
            (site, _micros(after), _micros(until), limit),
        )

    def due(self, site: str, now: datetime) -> list[Article]:
        return self._articles(
            # Its own small index: the planner would walk articles_news_kept (which skips the sort)
            # through every live row of the site.
            "SELECT doc FROM articles INDEXED BY articles_due WHERE site = ? AND live = 1"
            " AND released = 0 AND published_us <= ? ORDER BY published_us, id",
            (site, _micros(now)),
        )

    def mark_released(self, site: str, article_ids: Sequence[str]) -> None:
        with self._transaction():
            self._db.executemany(
                "UPDATE articles SET released = 1 WHERE site = ? AND id = ?",
                [(site, article_id) for article_id in article_ids],
            )

    def facets(self, site: str, now: datetime) -> Facets:
        visible = "site = ? AND live = 1 AND published_us <= ?"
        params = (site, _micros(now))
        urls = tuple(
            r[0]
            for r in self._db.execute(
                f"SELECT DISTINCT url FROM articles INDEXED BY articles_url WHERE {visible} ORDER BY url",
                params,
            )
        )
        sections = tuple(
            r[0]
            for r in self._db.execute(
                "SELECT DISTINCT section FROM articles INDEXED BY articles_section"
                f" WHERE {visible} ORDER BY section",
                params,
            )
        )
        periods = tuple(
            r[0]
            for r in self._db.execute(
                f"SELECT DISTINCT period FROM articles WHERE {visible} ORDER BY period", params
            )
        )
        # Membership rows are of live articles only and carry their published_us: no join (a
        # join looks every member's article up, past its document: 0.5 s at 20,000 articles).
        tags = tuple(
            r[0]
            for r in self._db.execute(
                "SELECT DISTINCT tag FROM article_tags WHERE site = ? AND published_us <= ? ORDER BY tag",
                (site, _micros(now)),
            )
        )
        authors = tuple(
            r[0]
            for r in self._db.execute(
                "SELECT DISTINCT author FROM article_authors WHERE site = ? AND published_us <= ?"
                " ORDER BY author",
                (site, _micros(now)),
            )
        )
        return Facets(
            urls=urls,
            feed_values={"section": sections, "tag": tags, "author": authors},
            periods=periods,
        )

    def shard_parts(self, site: str, period: str | None = None) -> list[ShardPart]:
        where, params = (
            ("site = ?", (site,)) if period is None else ("site = ? AND period = ?", (site, period))
        )
        return [
            ShardPart(
                period,
                part,
                count,
                datetime.fromisoformat(lastmod) if lastmod else None,
                parse_position(cut) if cut else None,
            )
            for period, part, count, lastmod, cut in self._db.execute(
                f"SELECT period, part, url_count, lastmod, cut FROM shard_parts WHERE {where}"
                " ORDER BY period, part",
                params,
            )
        ]

    def set_shard_parts(
        self, site: str, period: str, parts: Sequence[ShardPart], stored: Sequence[ShardPart] | None = None
    ) -> None:
        # `stored` is of no use here: a delete and inserts in one local transaction are cheap.
        with self._transaction():
            self._db.execute("DELETE FROM shard_parts WHERE site = ? AND period = ?", (site, period))
            self._db.executemany(
                "INSERT INTO shard_parts VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        site,
                        period,
                        p.part,
                        p.url_count,
                        p.lastmod.isoformat() if p.lastmod else None,
                        position_text(p.cut) if p.cut else None,
                    )
                    for p in parts
                ],
            )

    def output_templates(self, site: str) -> set[str]:
        rows = self._db.execute("SELECT template FROM output_templates WHERE site = ?", (site,))
        return {row[0] for row in rows}

    def remember_output_templates(self, site: str, templates: Iterable[str]) -> None:
        with self._transaction():
            self._db.executemany(
                "INSERT OR IGNORE INTO output_templates VALUES (?, ?)", [(site, t) for t in templates]
            )

    def holds_site(self, site: str) -> bool:
        for table in ("articles", "output_templates", "shard_parts"):
            if self._db.execute(f"SELECT 1 FROM {table} WHERE site = ? LIMIT 1", (site,)).fetchone():
                return True
        return False

    def feed_items(
        self, site: str, articles: Sequence[tuple[str, int]], variants: Sequence[str]
    ) -> list[FeedItem]:
        revisions = dict(articles)
        ids = list(revisions)
        if not ids or not variants:
            return []
        found = []
        variant_marks = ", ".join("?" * len(variants))
        for start in range(0, len(ids), FEED_ITEM_IDS_PER_QUERY):
            chunk = ids[start : start + FEED_ITEM_IDS_PER_QUERY]
            rows = self._db.execute(
                "SELECT id, variant, revision, data FROM feed_items WHERE site = ?"
                f" AND id IN ({', '.join('?' * len(chunk))}) AND variant IN ({variant_marks})",
                [site, *chunk, *variants],
            )
            found += [
                FeedItem(article_id, revision, variant, bytes(data))
                for article_id, variant, revision, data in rows
                if revisions[article_id] == revision
            ]
        return found

    def keep_feed_items(self, site: str, items: Sequence[FeedItem]) -> None:
        if not items:
            return
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO feed_items VALUES (?, ?, ?, ?, ?)",
                [(site, i.article_id, i.variant, i.revision, i.data) for i in items],
            )

    # --- RenderQueue ------------------------------------------------------------------------

    def push(self, keys: Iterable[OutputKey]) -> None:
        # In the table's key order: the B-tree grows at its end instead of splitting pages all
        # over it (a rebuild pushes 50,000 keys: 0.16 -> 0.08 s, and their deletes 0.23 -> 0.09).
        with self._transaction():
            self._db.executemany(
                "INSERT INTO pending VALUES (?, ?, ?, 1) ON CONFLICT (site, kind, name)"
                " DO UPDATE SET version = version + 1",
                sorted((key.site, key.kind, key.name) for key in keys),
            )

    def take(self) -> list[tuple[OutputKey, int]]:
        return [
            (OutputKey(site, kind, name), version)
            for site, kind, name, version in self._db.execute("SELECT site, kind, name, version FROM pending")
        ]

    def done(self, taken: Iterable[tuple[OutputKey, int]]) -> None:
        with self._transaction():
            self._db.executemany(
                "DELETE FROM pending WHERE site = ? AND kind = ? AND name = ? AND version = ?",
                [(key.site, key.kind, key.name, version) for key, version in taken],
            )

    def quarantine(self, key: OutputKey, reason: str, retry_at: datetime) -> int:
        with self._transaction():
            self._db.execute(
                "INSERT INTO quarantine VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT (site, kind, name)"
                " DO UPDATE SET reason = excluded.reason, attempts = attempts + 1,"
                " retry_at = excluded.retry_at",
                (key.site, key.kind, key.name, reason, _micros(retry_at)),
            )
            row = self._db.execute(
                "SELECT attempts FROM quarantine WHERE site = ? AND kind = ? AND name = ?",
                (key.site, key.kind, key.name),
            ).fetchone()
        return int(row[0])

    def due_quarantined(self, now: datetime) -> list[OutputKey]:
        rows = self._db.execute(
            "SELECT site, kind, name FROM quarantine WHERE retry_at <= ?", (_micros(now),)
        )
        return [OutputKey(site, kind, name) for site, kind, name in rows]

    def release(self, keys: Iterable[OutputKey]) -> None:
        with self._transaction():
            self._db.executemany(
                "DELETE FROM quarantine WHERE site = ? AND kind = ? AND name = ?",
                [(key.site, key.kind, key.name) for key in keys],
            )

    def quarantined(self) -> list[QuarantinedOutput]:
        rows = self._db.execute(
            "SELECT site, kind, name, reason, attempts, retry_at FROM quarantine ORDER BY site, kind, name"
        )
        return [
            QuarantinedOutput(
                OutputKey(site, kind, name),
                reason,
                attempts,
                datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=retry_at),
            )
            for site, kind, name, reason, attempts, retry_at in rows
        ]


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT: takes the write lock up front so read-check-write is atomic."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._outer = False

    def __enter__(self) -> None:
        self._outer = not self._db.in_transaction
        if self._outer:
            self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *_: object) -> None:
        if self._outer:
            self._db.execute("ROLLBACK" if exc_type else "COMMIT")
