"""Open a local SQLite database for several processes at once: WAL, a busy timeout, autocommit."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

# The page size of an index created here. The articles table is WITHOUT ROWID, and such a
# table keeps at most (U - 12) * 64 / 255 - 23 bytes of a row in its B-tree cell (the file
# format's minimum embedded fraction, sqlite.org/fileformat2): 1,002 bytes at SQLite's default
# 4 KiB, so a row with a 2-3 KB document spilled into overflow pages, read one by one; at
# 16 KiB a row of up to 4,086 bytes stays in its leaf with its neighbours, and a longer one
# needs a quarter of the overflow pages. 20,000 articles: feeds + sitemaps rebuild
# 0.58 -> 0.39 s, warm publish 34-36 -> 30-31 ms, cold 45-49 -> 43-46 ms (bench/publish.py).
# An index file made by an earlier release keeps its page size (SQLite sets it at creation).
INDEX_PAGE_SIZE = 16_384

# Long enough for a whole render of another process to finish and let go of the lock.
BUSY_TIMEOUT_SECONDS = 60
_FIRST_RETRY_SECONDS = 0.001
_LONGEST_RETRY_SECONDS = 0.1


def connect_wal(path: Path, timeout: float = BUSY_TIMEOUT_SECONDS) -> sqlite3.Connection:
    """A connection in WAL mode (readers never wait for the writer), transactions by hand."""
    db = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    try:
        # Before WAL: a database in WAL mode cannot change its page size; on a file that
        # already has pages SQLite ignores it.
        db.execute(f"PRAGMA page_size = {INDEX_PAGE_SIZE}")
        _switch_to_wal(db, timeout)
        db.execute("PRAGMA synchronous=NORMAL")
    except BaseException:
        db.close()
        raise
    return db


def _switch_to_wal(db: sqlite3.Connection, timeout: float) -> None:
    # Switching a new file to WAL takes an exclusive lock, and while another connection is
    # switching it SQLite answers "database is locked" at once instead of calling the busy
    # handler (seen with four processes opening a fresh index). So wait here, as the busy
    # timeout would.
    deadline = time.monotonic() + timeout
    delay = _FIRST_RETRY_SECONDS
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, _LONGEST_RETRY_SECONDS)
