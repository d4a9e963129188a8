"""Operator records beside the local article index: rejected events, takedowns, runs, counts.

The local `OperatorLog` (core/ports.py) and more: the status page and `warta validate` read
them; `adapters/dynamodb_ops.py` is the Lambda functions' counterpart. The tables live in the
index's SQLite file; the `articles` table is read, never written, here.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from warta.core.operator_records import ArticleCounts, Rejection, Run, Takedown

__all__ = ["ArticleCounts", "OpsLog", "Rejection", "Run", "Takedown"]

BUSY_TIMEOUT_SECONDS = 60
KEEP_REJECTIONS = 1_000  # the status page shows recent ones; older rows are pruned

_SCHEMA = """
CREATE TABLE IF NOT EXISTS ops_rejections (
    at TEXT NOT NULL,
    source TEXT NOT NULL,
    reason TEXT NOT NULL,
    event_id TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS ops_takedowns (
    site TEXT NOT NULL,
    id TEXT NOT NULL,
    url TEXT NOT NULL,
    revision INTEGER NOT NULL,
    PRIMARY KEY (site, id, url)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ops_runs (
    at TEXT NOT NULL,
    command TEXT NOT NULL,
    accepted INTEGER NOT NULL,
    stale INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    written INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    deleted INTEGER NOT NULL
);
"""


class OpsLog:
    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(ops_rejections)")}
        if "event_id" not in columns:  # a state directory from before event ids were kept
            try:
                self._db.execute("ALTER TABLE ops_rejections ADD COLUMN event_id TEXT NOT NULL DEFAULT ''")
            except sqlite3.OperationalError as exc:
                if "duplicate column" not in str(exc):  # another process added it first
                    raise

    def close(self) -> None:
        self._db.close()

    def record_rejection(self, at: datetime, source: str, reason: str, event_id: str = "") -> None:
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "INSERT INTO ops_rejections (at, source, reason, event_id) VALUES (?, ?, ?, ?)",
                (at.isoformat(timespec="seconds"), source, reason, event_id),
            )
            self._db.execute(
                "DELETE FROM ops_rejections WHERE rowid <= (SELECT MAX(rowid) FROM ops_rejections) - ?",
                (KEEP_REJECTIONS,),
            )

    def recent_rejections(self, limit: int = 20) -> list[Rejection]:
        rows = self._db.execute(
            "SELECT at, source, reason, event_id FROM ops_rejections ORDER BY rowid DESC LIMIT ?", (limit,)
        )
        return [Rejection(*row) for row in rows]

    def record_takedown(self, site: str, article_id: str, url: str, revision: int) -> None:
        """A taken-down article's last URL: the index forgets it, validation looks for it."""
        self._db.execute(
            "INSERT OR REPLACE INTO ops_takedowns VALUES (?, ?, ?, ?)", (site, article_id, url, revision)
        )

    def clear_takedown(self, site: str, article_id: str, revision: int) -> None:
        """The article is live again at `revision`: forget its takedowns of older revisions."""
        self._db.execute(
            "DELETE FROM ops_takedowns WHERE site = ? AND id = ? AND revision < ?",
            (site, article_id, revision),
        )

    def record_run(self, at: datetime, command: str, counts: dict[str, int]) -> None:
        names = ("accepted", "stale", "rejected", "written", "unchanged", "deleted")
        self._db.execute(
            "INSERT INTO ops_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (at.isoformat(timespec="seconds"), command, *(counts.get(name, 0) for name in names)),
        )

    def last_run(self, command: str) -> Run | None:
        row = self._db.execute(
            "SELECT * FROM ops_runs WHERE command = ? ORDER BY rowid DESC LIMIT 1", (command,)
        ).fetchone()
        return Run(*row) if row else None

    def _has_articles(self) -> bool:
        return bool(
            self._db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'articles'"
            ).fetchone()
        )

    def article_counts(self, site: str, now: datetime) -> ArticleCounts:
        if not self._has_articles():
            return ArticleCounts(0, 0, 0)
        micros = round(now.timestamp() * 1_000_000)
        live, scheduled, gone = self._db.execute(
            "SELECT COALESCE(SUM(live = 1 AND published_us <= ?), 0),"
            " COALESCE(SUM(live = 1 AND published_us > ?), 0), COALESCE(SUM(live = 0), 0)"
            " FROM articles WHERE site = ?",
            (micros, micros, site),
        ).fetchone()
        return ArticleCounts(live, scheduled, gone)

    def takedowns(self, site: str) -> list[Takedown]:
        """Every article of the site that is a tombstone now, with its recorded URLs (or the last
        URL the index kept with the tombstone, if none was recorded)."""
        if not self._has_articles():
            return []
        rows = self._db.execute(
            "SELECT a.id, COALESCE(t.url, a.url, '') FROM articles a"
            " LEFT JOIN ops_takedowns t ON t.site = a.site AND t.id = a.id"
            " WHERE a.site = ? AND a.live = 0 ORDER BY a.id",
            (site,),
        )
        return [Takedown(*row) for row in rows]
