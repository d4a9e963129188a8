"""Open a local SQLite database for several processes at once: WAL, a busy timeout, autocommit."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

# Long enough for a whole render of another process to finish and let go of the lock.
BUSY_TIMEOUT_SECONDS = 60
_FIRST_RETRY_SECONDS = 0.001
_LONGEST_RETRY_SECONDS = 0.1


def connect_wal(path: Path, timeout: float = BUSY_TIMEOUT_SECONDS) -> sqlite3.Connection:
    """A connection in WAL mode (readers never wait for the writer), transactions by hand."""
    db = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    try:
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
