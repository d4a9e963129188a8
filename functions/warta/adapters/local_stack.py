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


@dataclass(frozen=True, slots=True)
class LocalStack:
    deployment: Deployment
    index: SqliteIndex  # also the render queue
    store: DirectoryStore
    lock_file: Path

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
