"""The local default wired together: a SQLite index and queue, a directory store, a file lock."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from warta.adapters.directory_store import DirectoryStore
from warta.adapters.sqlite_index import SqliteIndex
from warta.core.config import ConfigError, Deployment, load_deployment

INDEX_FILE = "index.sqlite3"
# A render worker reads its pages' articles in URL order, rows all over the index file: mapped,
# a row is read in place instead of its page being copied into SQLite's 2,000-page cache. One
# worker, 10,000 pages of the 50,000 archive (4 pairs): 276-292 -> 253-268 us of CPU a page, the
# kernel's share 56-73 -> 34-41 us. SQLite maps at most SQLITE_MAX_MMAP_SIZE (2 GB by default)
# and reads the rest of a larger file as before.
WORKER_MAPPED_BYTES = 2 * 1024**3


@dataclass(frozen=True, slots=True)
class LocalStores:
    """Opens a local stack's index and store anew, in the process that calls it: a render
    worker's own SQLite connection and directory store (`app.render_workers.StoreOpener`)."""

    index_file: Path
    root: Path
    meta_root: Path

    def __call__(self) -> tuple[SqliteIndex, DirectoryStore]:
        index = SqliteIndex(self.index_file, mapped_bytes=WORKER_MAPPED_BYTES)
        return index, DirectoryStore(self.root, self.meta_root)


@dataclass(frozen=True, slots=True)
class LocalStack:
    deployment: Deployment
    index: SqliteIndex  # also the render queue
    store: DirectoryStore
    lock_file: Path

    def worker_stores(self) -> LocalStores:
        return LocalStores(self.lock_file.parent / INDEX_FILE, self.store.root, self.store.meta_root)

    @contextlib.contextmanager
    def render_lock(self) -> Iterator[None]:
        """One renderer at a time per state directory, across processes."""
        with open(self.lock_file, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def open_local_stack(config_paths: list[Path], out: Path, state: Path) -> LocalStack:
    state, out = state.resolve(), out.resolve()
    if state == out or out in state.parents:
        raise ConfigError(f"--state {state} lies inside --out {out}: private state must not be served")
    deployment = load_deployment(config_paths)
    state.mkdir(parents=True, exist_ok=True)
    return LocalStack(
        deployment=deployment,
        index=SqliteIndex(state / INDEX_FILE),
        store=DirectoryStore(out, meta_root=state / "objects"),
        lock_file=state / "render.lock",
    )
