"""The object store on a local directory: the local default, served by `warta serve`.

The public tree holds only outputs. Each object's content type and cache control live beside
it in a private metadata tree (in the state directory), as S3 keeps them in object metadata.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from warta.core.output_scopes import TEMP_FILE_PREFIX
from warta.core.ports import PutOutcome

_TEMP_PREFIX = TEMP_FILE_PREFIX


class UnsafePath(ValueError):
    """An object path that would leave the store's root."""


def _relative(path: str) -> PurePosixPath:
    rel = PurePosixPath(path)
    if rel.is_absolute() or not rel.parts or ".." in rel.parts or path.endswith("/"):
        raise UnsafePath(f"object path {path!r} is not a relative file path inside the store")
    return rel


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def _write_atomically(target: Path, data: bytes, folder_exists: bool = False) -> None:
    """Readers see the old file or the new one, never a half-written one."""
    if not folder_exists:
        target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            os.fchmod(handle.fileno(), 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _remove_empty_parents(path: Path, root: Path) -> None:
    """Keep the tree a function of its files: no empty folders left behind by deletes."""
    parent = path.parent
    while parent != root and root in parent.parents:
        try:
            parent.rmdir()
        except OSError:
            return
        parent = parent.parent


class DirectoryStore:
    """`ObjectStore` on a directory, with object metadata kept under `meta_root`."""

    def __init__(self, root: Path, meta_root: Path) -> None:
        self.root = root.resolve()
        self.meta_root = meta_root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _file(self, path: str) -> Path:
        return self.root.joinpath(*_relative(path).parts)

    def _meta(self, path: str) -> Path:
        return self.meta_root.joinpath(*_relative(path).parts).with_name(_relative(path).name + ".json")

    def put(self, path: str, body: bytes, content_type: str, cache_control: str) -> PutOutcome:
        target = self._file(path)
        meta = json.dumps(
            {"content_type": content_type, "cache_control": cache_control}, sort_keys=True
        ).encode()
        meta_file = self._meta(path)
        old_body, old_meta = _read(target), _read(meta_file)
        if old_body == body and old_meta == meta:
            return "unchanged"
        # Body first: if that fails, the old body keeps its old metadata. A file that was there
        # has its folder; metadata that is already right (most publishes) is not written again.
        _write_atomically(target, body, folder_exists=old_body is not None)
        if old_meta != meta:
            _write_atomically(meta_file, meta, folder_exists=old_meta is not None)
        return "written"

    def get(self, path: str) -> bytes | None:
        return _read(self._file(path))

    def metadata(self, path: str) -> dict[str, str]:
        try:
            meta: dict[str, str] = json.loads(self._meta(path).read_bytes())
            return meta
        except FileNotFoundError:
            return {}

    def delete(self, path: str) -> bool:
        target = self._file(path)
        meta = self._meta(path)
        with contextlib.suppress(FileNotFoundError):
            meta.unlink()
            _remove_empty_parents(meta, self.meta_root)
        try:
            target.unlink()
        except FileNotFoundError:
            return False
        _remove_empty_parents(target, self.root)
        return True

    def list(self, prefix: str = "", include_temp: bool = False) -> Iterator[str]:
        """Paths in lexicographic order, as S3 lists keys; temp files of writes only if asked."""
        found = []
        for dirpath, _, filenames in os.walk(self.root):
            base = Path(dirpath).relative_to(self.root)
            for name in filenames:
                path = (base / name).as_posix()
                if (include_temp or not name.startswith(_TEMP_PREFIX)) and path.startswith(prefix):
                    found.append(path)
        yield from sorted(found)
