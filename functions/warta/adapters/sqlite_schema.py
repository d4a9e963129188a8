"""The SQLite index's tables: the schema, the upgrade of files from earlier releases, an article's rows."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import datetime

from warta.adapters.sqlite_listing import LISTING_SCHEMA
from warta.core.articles import Article, Author
from warta.core.authors import author_slug, author_slugs
from warta.core.planner import epoch_micros
from warta.core.render.sitemaps import (
    NEWS_FRAGMENT_FORMAT,
    SITEMAP_FRAGMENT_FORMAT,
    ends_part,
    news_fragment,
    sitemap_image_urls,
    url_fragment,
)
from warta.core.text import slugify
from warta.core.views import SitemapEntry, SitemapImage

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    site TEXT NOT NULL,
    id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    live INTEGER NOT NULL,
    url TEXT,
    section TEXT,
    period TEXT,
    published_us INTEGER,
    released INTEGER NOT NULL DEFAULT 0,
    sitemap TEXT,
    doc TEXT,
    cut INTEGER NOT NULL DEFAULT 0,
    sitemap_xml BLOB,
    sitemap_format INTEGER,
    lastmod TEXT,
    news_xml BLOB,
    news_format INTEGER,
    PRIMARY KEY (site, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS articles_latest
    ON articles (site, published_us DESC, id DESC) WHERE live = 1;
-- The section and URL indexes carry `live` (and the URL one `published_us`): a query names
-- `live = 1` to use a partial index, and an index without the column leaves SQLite to look each
-- row up in the table for it. So a rebuild's list of every live URL and of the sections reads
-- these indexes alone (50,000 articles: 80-240 -> 45 ms and 160-260 -> 7 ms in a new process).
-- A file of an earlier release has them without: see _REDEFINED_INDEXES.
CREATE INDEX IF NOT EXISTS articles_section
    ON articles (site, section, published_us DESC, id DESC, live) WHERE live = 1;
CREATE INDEX IF NOT EXISTS articles_url ON articles (site, url, published_us, live) WHERE live = 1;
-- Covers a shard part's read: the rows' fragments come from the index alone. The table's
-- `doc` column sits before these columns, so reading them from the table would walk each
-- row's overflow pages (a publish re-reads about a thousand rows).
DROP INDEX IF EXISTS articles_period;
CREATE INDEX IF NOT EXISTS articles_period_rows
    ON articles (site, period, published_us, id, live, cut, lastmod, sitemap_format, sitemap_xml)
    WHERE live = 1;
-- Covers the news sitemap's read (its window's newest live rows, up to 1,000 a publish): from
-- the table each row would be looked up past its `doc` (1.7 against 4.9 ms cold at 20,000).
-- The entries are kept finished (`news_xml`), so a new process splices them instead of reading
-- three fields out of each row's JSON and making 1,000 entries (10-17 -> 3-5 ms cold).
DROP INDEX IF EXISTS articles_news;
CREATE INDEX IF NOT EXISTS articles_news_kept
    ON articles (site, published_us, id, live, url, news_format, news_xml) WHERE live = 1;
CREATE INDEX IF NOT EXISTS articles_cuts
    ON articles (site, period, published_us, id) WHERE live = 1 AND cut = 1;
-- The live rows an earlier release wrote without the sitemap columns, which every open fills:
-- empty once they are, so the check reads nothing instead of scanning a million rows (4 s).
CREATE INDEX IF NOT EXISTS articles_unfilled ON articles (site) WHERE live = 1 AND lastmod IS NULL;
CREATE INDEX IF NOT EXISTS articles_due
    ON articles (site, published_us) WHERE live = 1 AND released = 0;
-- Tag and author memberships of live articles (tag slugs, core.authors.author_slug). Each row
-- carries its article's published_us so a feed walks its newest members in index order and
-- stops at the feed's size: ordering by the articles' column would look every member up first,
-- some 200,000 rows for an author of a million-article archive.
CREATE TABLE IF NOT EXISTS article_tags (
    site TEXT NOT NULL,
    tag TEXT NOT NULL,
    id TEXT NOT NULL,
    published_us INTEGER,
    PRIMARY KEY (site, tag, id)
) WITHOUT ROWID;
-- A write replaces the article's tags: without this, finding them scans every tag row.
CREATE INDEX IF NOT EXISTS article_tags_by_article ON article_tags (site, id);
CREATE INDEX IF NOT EXISTS article_tags_newest ON article_tags (site, tag, published_us DESC, id DESC);
CREATE TABLE IF NOT EXISTS article_authors (
    site TEXT NOT NULL,
    author TEXT NOT NULL,
    id TEXT NOT NULL,
    published_us INTEGER NOT NULL,
    PRIMARY KEY (site, author, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS article_authors_by_article ON article_authors (site, id);
CREATE INDEX IF NOT EXISTS article_authors_newest
    ON article_authors (site, author, published_us DESC, id DESC);
CREATE TABLE IF NOT EXISTS shard_parts (
    site TEXT NOT NULL,
    period TEXT NOT NULL,
    part INTEGER NOT NULL,
    url_count INTEGER NOT NULL,
    lastmod TEXT,
    cut TEXT,
    PRIMARY KEY (site, period, part)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS output_templates (
    site TEXT NOT NULL,
    template TEXT NOT NULL,
    PRIMARY KEY (site, template)
) WITHOUT ROWID;
-- Finished feed items (ports.FeedItem) by article and variant, served for `revision` only. A
-- rowid table: a full-text item is about as big as its article's body.
CREATE TABLE IF NOT EXISTS feed_items (
    site TEXT NOT NULL,
    id TEXT NOT NULL,
    variant TEXT NOT NULL,
    revision INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (site, id, variant)
);
CREATE TABLE IF NOT EXISTS pending (
    site TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (site, kind, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS quarantine (
    site TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    reason TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    retry_at INTEGER NOT NULL,
    PRIMARY KEY (site, kind, name)
) WITHOUT ROWID;
"""


# Columns added since the first release, for `_add_missing_columns`.
_ADDED_COLUMNS = {
    "articles": {
        "cut": "INTEGER NOT NULL DEFAULT 0",
        "sitemap_xml": "BLOB",
        "sitemap_format": "INTEGER",
        "lastmod": "TEXT",
        "news_xml": "BLOB",
        "news_format": "INTEGER",
    },
    "shard_parts": {"cut": "TEXT"},
    "article_tags": {"published_us": "INTEGER"},
}


def _sitemap_json(article: Article) -> str:
    return json.dumps(
        {
            "lastmod": article.modified_at.isoformat(),
            "images": sitemap_image_urls(article),
            # What the news sitemap reads, so it never loads article bodies.
            "title": article.title,
            "language": article.language,
            "published_at": article.published_at.isoformat(),
        },
        ensure_ascii=False,
    )


def sitemap_entry(url: str, sitemap: str) -> SitemapEntry:
    """The sitemap entry of an article from its `url` and `sitemap` columns."""
    data = json.loads(sitemap)
    return SitemapEntry(
        url=url,
        lastmod=datetime.fromisoformat(data["lastmod"]),
        images=tuple(SitemapImage(src) for src in data["images"]),
    )


def article_row(state: Article, period: str | None, released: bool) -> dict[str, object]:
    """The `articles` row of a live article, every column (`INSERT_ARTICLE`'s parameters)."""
    sitemap = _sitemap_json(state)
    return {
        "site": state.site,
        "id": state.id,
        "revision": state.revision,
        "live": 1,
        "url": state.url,
        "section": state.section.id,
        "period": period,
        "published_us": epoch_micros(state.published_at),
        "released": int(released),
        "sitemap": sitemap,
        "doc": json.dumps(state.to_json(), ensure_ascii=False, separators=(",", ":")),
        "cut": int(ends_part(state.id)),
        # The article's <url> element, rendered once here so a shard part is a concatenation.
        "sitemap_xml": url_fragment(sitemap_entry(state.url, sitemap)),
        "sitemap_format": SITEMAP_FRAGMENT_FORMAT,
        "lastmod": state.modified_at.isoformat(),
        # Its news sitemap entry but for the site's name (NULL for text lxml refuses, which a
        # read hands to the renderer as fields, to raise there).
        "news_xml": news_fragment(state),
        "news_format": NEWS_FRAGMENT_FORMAT,
    }


MembershipRow = tuple[str, str, str, int]  # site, tag or author slug, article id, published_us


def membership_rows(articles: Iterable[Article]) -> tuple[list[MembershipRow], list[MembershipRow]]:
    """The article_tags and article_authors rows of live articles."""
    tags: list[MembershipRow] = []
    authors: list[MembershipRow] = []
    for a in articles:
        us = epoch_micros(a.published_at)
        tags += [(a.site, slugify(tag), a.id, us) for tag in a.tags]
        authors += [(a.site, slug, a.id, us) for slug in author_slugs(a)]
    return tags, authors


ARTICLE_COLUMNS = (
    "site, id, revision, live, url, section, period, published_us, released, sitemap, doc,"
    " cut, sitemap_xml, sitemap_format, lastmod, news_xml, news_format"
)
INSERT_ARTICLE = (
    f"INSERT OR REPLACE INTO articles ({ARTICLE_COLUMNS}) VALUES"
    f" ({', '.join(':' + c.strip() for c in ARTICLE_COLUMNS.split(','))})"
)


# Indexes whose columns changed since an earlier release, with their columns now: a file with
# the old columns loses the index on open, and the schema makes it again. The names stay, so a
# process of the earlier release on the same file still finds the indexes its queries name
# (INDEXED BY), and its own open, which creates them only if missing, leaves them as they are.
_REDEFINED_INDEXES = {
    "articles_section": ("site", "section", "published_us", "id", "live"),
    "articles_url": ("site", "url", "published_us", "live"),
}


def _drop_redefined_indexes(db: sqlite3.Connection) -> None:
    for name, columns in _REDEFINED_INDEXES.items():
        present = tuple(row[2] for row in db.execute(f"PRAGMA index_info({name})"))
        if present and present != columns:
            db.execute(f"DROP INDEX {name}")


def create_or_upgrade(db: sqlite3.Connection) -> None:
    """Create the tables, or bring a file written by an earlier release up to this schema (in the
    caller's transaction)."""
    added = _add_missing_columns(db)
    _drop_redefined_indexes(db)
    had_authors = _has_table(db, "article_authors")
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)
    db.execute(LISTING_SCHEMA)
    _backfill_sitemap_columns(db)
    if ("article_tags", "published_us") in added:
        _backfill_tag_times(db)
    if not had_authors:
        _backfill_authors(db)


def _add_missing_columns(db: sqlite3.Connection) -> set[tuple[str, str]]:
    """Bring an index written by an earlier release up to this schema (columns only);
    returns the (table, column) pairs added."""
    added = set()
    for table, columns in _ADDED_COLUMNS.items():
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if present:
            for name, declaration in columns.items():
                if name not in present:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {declaration}")
                    added.add((table, name))
    return added


def _has_table(db: sqlite3.Connection, name: str) -> bool:
    found = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
    return found.fetchone() is not None


def _backfill_tag_times(db: sqlite3.Connection) -> None:
    db.execute(
        "UPDATE article_tags SET published_us = (SELECT a.published_us FROM articles a"
        " WHERE a.site = article_tags.site AND a.id = article_tags.id)"
    )


def _backfill_authors(db: sqlite3.Connection) -> None:
    """Fill article_authors for the live articles of an index written before it existed."""
    # SQLite picks the names out of the documents, so no article body is parsed.
    rows = db.execute(
        "SELECT a.site, a.id, a.published_us, json_extract(j.value, '$.name')"
        " FROM articles a, json_each(a.doc, '$.authors') j WHERE a.live = 1"
    ).fetchall()
    db.executemany(
        "INSERT OR IGNORE INTO article_authors VALUES (?, ?, ?, ?)",
        [(site, author_slug(Author(name)), article_id, us) for site, article_id, us, name in rows],
    )


def _backfill_sitemap_columns(db: sqlite3.Connection) -> None:
    stale = db.execute(
        "SELECT doc, period, released FROM articles INDEXED BY articles_unfilled"
        " WHERE live = 1 AND lastmod IS NULL"
    ).fetchall()
    for doc, period, released in stale:
        db.execute(INSERT_ARTICLE, article_row(Article.from_json(json.loads(doc)), period, released))
