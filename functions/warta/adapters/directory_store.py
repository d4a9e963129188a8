"""The object store on a local directory: the local default, served by `warta serve`.

The public tree holds only outputs. Each object's content type and cache control live in a
private metadata tree (in the state directory), as S3 keeps them in object metadata: once per
folder, where a file of the folder's name would keep its own (`amp/nasional.json` for the files
of `amp/nasional/`: a folder and a file of one name cannot both be in the public tree), and in a
file's own `<name>.json` beside it only where the file differs from its folder (and for files at
the root). One metadata file per folder, not one per object, halves the files a rebuild creates;
trees written with one metadata file per object read the same, and lose those files as they are
written again.
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


def _create_once(target: Path, data: bytes) -> bool:
    """Write a file that no one else has written yet (whole, like `_write_atomically`): False
    when it was already there, whoever wrote it; concurrent writers all read the first one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            os.fchmod(handle.fileno(), 0o644)
        os.link(tmp, target)  # unlike a rename, never replaces a file that is there
    except FileExistsError:
        return False
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return True


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
        except FileNotFoundError:
            pass  # a metadata folder that never held a file of its own: look further up
        except OSError:
            return
        parent = parent.parent


def _meta_file(meta_root: Path, rel: PurePosixPath) -> Path:
    """Where the metadata of the object (or, for a folder, of its files) at `rel` is kept."""
    return meta_root.joinpath(*rel.parts).with_name(rel.name + ".json")


def _parse(meta: bytes | None) -> dict[str, str]:
    if meta is None:
        return {}
    try:
        fields: dict[str, str] = json.loads(meta)
    except ValueError:
        return {}
    return fields


def read_metadata(root: Path, meta_root: Path, path: str) -> dict[str, str]:
    """The content type and cache control of the object at `path`, {} when it has none: its own
    metadata file, else its folder's if the object is there. For `warta serve` and the store."""
    rel = _relative(path)
    own = _read(_meta_file(meta_root, rel))
    if own is not None:
        return _parse(own)
    if len(rel.parts) < 2 or not root.joinpath(*rel.parts).is_file():
        return {}
    return _parse(_read(_meta_file(meta_root, rel.parent)))


class DirectoryStore:
    """`ObjectStore` on a directory, with object metadata kept under `meta_root`."""

    def __init__(self, root: Path, meta_root: Path) -> None:
        self.root = root.resolve()
        self.meta_root = meta_root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _file(self, path: str) -> Path:
        return self.root.joinpath(*_relative(path).parts)

    def put(self, path: str, body: bytes, content_type: str, cache_control: str) -> PutOutcome:
        rel = _relative(path)
        target = self.root.joinpath(*rel.parts)
        meta = json.dumps(
            {"content_type": content_type, "cache_control": cache_control}, sort_keys=True
        ).encode()
        own_file = _meta_file(self.meta_root, rel)
        folder_file = _meta_file(self.meta_root, rel.parent) if len(rel.parts) > 1 else None
        old_body, own = _read(target), _read(own_file)
        folder = _read(folder_file) if folder_file is not None else None
        old_meta = own if own is not None else folder if old_body is not None else None
        if old_body == body and old_meta == meta:
            return "unchanged"
        # Body first: if that fails, the old body keeps its old metadata. A file that was there
        # has its folder; metadata that is already right (most publishes) is not written again.
        _write_atomically(target, body, folder_exists=old_body is not None)
        if folder_file is not None and folder is None:
            # The folder's first file names its metadata, once: later files that differ keep
            # their own (a folder's metadata is never rewritten, so it never changes under them).
            folder = meta if _create_once(folder_file, meta) else _read(folder_file)
        if folder == meta:
            if own is not None:  # its own file is no longer needed (or from an older tree)
                with contextlib.suppress(FileNotFoundError):
                    own_file.unlink()
                _remove_empty_parents(own_file, self.meta_root)
        elif own != meta:
            _write_atomically(own_file, meta, folder_exists=own is not None)
        return "written"

    def get(self, path: str) -> bytes | None:
        return _read(self._file(path))

    def metadata(self, path: str) -> dict[str, str]:
        return read_metadata(self.root, self.meta_root, path)

    def delete(self, path: str) -> bool:
        rel = _relative(path)
        target = self.root.joinpath(*rel.parts)
        own_file = _meta_file(self.meta_root, rel)
        with contextlib.suppress(FileNotFoundError):
            own_file.unlink()
        try:
            target.unlink()
        except FileNotFoundError:
            existed = False
        else:
            existed = True
            _remove_empty_parents(target, self.root)
        # A folder the delete emptied (and removed) takes its metadata with it.
        for folder in rel.parents:
            if folder == PurePosixPath(".") or self.root.joinpath(*folder.parts).is_dir():
                break
            with contextlib.suppress(FileNotFoundError):
                _meta_file(self.meta_root, folder).unlink()
        _remove_empty_parents(own_file, self.meta_root)
        return existed

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
