"""The SQLite index's kept sitemap-index blocks (`ListingBlock`), one row per site and period."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager

from warta.core.views import ListingBlock

LISTING_SCHEMA = """
CREATE TABLE IF NOT EXISTS sitemap_listing (
    site TEXT NOT NULL,
    period TEXT NOT NULL,
    stamp TEXT NOT NULL,
    body BLOB NOT NULL,
    sizes TEXT NOT NULL,
    entries INTEGER NOT NULL,
    bound INTEGER NOT NULL,
    url_count INTEGER NOT NULL,
    PRIMARY KEY (site, period)
) WITHOUT ROWID
"""

_INSERT = "INSERT INTO sitemap_listing VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
_UPSERT = {
    True: _INSERT + " ON CONFLICT (site, period) DO UPDATE SET stamp = excluded.stamp,"
    " body = excluded.body, sizes = excluded.sizes, entries = excluded.entries, bound = excluded.bound,"
    " url_count = excluded.url_count",
    # Not over a block of the same stamp: a concurrent render kept it from newer parts.
    False: _INSERT + " ON CONFLICT (site, period) DO UPDATE SET stamp = excluded.stamp,"
    " body = excluded.body, sizes = excluded.sizes, entries = excluded.entries, bound = excluded.bound,"
    " url_count = excluded.url_count"
    " WHERE sitemap_listing.stamp != excluded.stamp",
}


class SqliteListing:
    """`ArticleIndex.sitemap_listing` and friends, for `SqliteIndex` (which mixes this in)."""

    _db: sqlite3.Connection

    _transaction: Callable[[], AbstractContextManager[None]]  # SqliteIndex's

    def sitemap_listing(self, site: str) -> list[ListingBlock]:
        rows = self._db.execute(
            "SELECT period, stamp, body, sizes, entries, bound, url_count FROM sitemap_listing"
            " WHERE site = ? ORDER BY period",
            (site,),
        )
        return [
            ListingBlock(period, stamp, bytes(body), sizes, entries, bound, count)
            for period, stamp, body, sizes, entries, bound, count in rows
        ]

    def put_listing_blocks(self, site: str, blocks: Sequence[ListingBlock], replace: bool = True) -> None:
        with self._transaction():
            self._db.executemany(
                _UPSERT[replace],
                [(site, b.period, b.stamp, b.body, b.sizes, b.entries, b.bound, b.url_count) for b in blocks],
            )

    def drop_listing_blocks(self, site: str, periods: Iterable[str]) -> None:
        with self._transaction():
            self._db.executemany(
                "DELETE FROM sitemap_listing WHERE site = ? AND period = ?", [(site, p) for p in periods]
            )
