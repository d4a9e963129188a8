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
import functools
import itertools
import json
import os
import secrets
import stat
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


def _relative_path(path: str) -> str:
    """`path` in normal form (as `_relative` would give it), checked: most paths are already
    plain, and a rebuild puts tens of thousands of them, so those skip pathlib."""
    parts = path.split("/")
    if path and path[0] != "/" and "" not in parts and "." not in parts and ".." not in parts:
        return path
    return _relative(path).as_posix()


_READ_FLAGS = os.O_RDONLY | os.O_CLOEXEC


def _read(path: str | Path, size: int | None = None) -> bytes | None:
    """The file's bytes; None if there is no file or, `size` given, if it is not that long (a
    put compares only a stored body of the new one's size: a publish's changed feeds and its
    ~1.5 MB open shard part grow or shrink as they change). With the OS's calls, not `open`: a
    put reads up to three small files, and a buffered file object costs four more calls each."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or (size is not None and info.st_size != size):
            return None  # a folder (or anything else) where a file would be: no file
        chunks = [os.read(fd, info.st_size + 1)]
        while chunks[-1]:  # until the end, as the file may have grown since the fstat
            chunks.append(os.read(fd, max(info.st_size, 65_536)))
        return b"".join(chunks)
    finally:
        os.close(fd)


# Temp file names: this process's own series, so a name is new without asking the random
# source for each file (O_EXCL still guards it; a clash, another host's writer on a shared
# folder, takes a random name instead).
_TEMP_SERIES = itertools.count()
_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)


# Every file the store writes is world-readable (a web server serves the public tree).
_FILE_MODE = 0o644


def _process_umask() -> int | None:
    """This process's umask, read without changing it (os.umask would set it, racing other
    threads' creates); None where the kernel does not say (Linux before 4.7, other systems)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return None


@functools.cache
def _mode_needs_chmod() -> bool:
    """Whether a file created with `_FILE_MODE` loses bits of it to the umask, so needs an
    fchmod after its write: with the usual umasks (022, 002) it does not, and a rebuild makes
    one system call fewer for each of its tens of thousands of files. Asked at the first write:
    warta never sets a umask, it is the one the process was started with."""
    umask = _process_umask()
    return umask is None or umask & _FILE_MODE != 0


def _open_temp(folder: str) -> tuple[int, str]:
    """A new empty file in `folder` (created with its parents if missing), open for writing."""
    name = f"{folder}/{_TEMP_PREFIX}{os.getpid():x}-{next(_TEMP_SERIES):x}"
    for attempt in range(100):
        try:
            return os.open(name, _TEMP_FLAGS, _FILE_MODE), name
        except (FileNotFoundError, NotADirectoryError):
            if attempt:
                raise
            # Raises what a missing folder's creation meets (a file in the way, named as such).
            os.makedirs(folder, exist_ok=True)
        except FileExistsError:
            name = f"{folder}/{_TEMP_PREFIX}{secrets.token_hex(6)}"
    raise FileExistsError(f"no free temp file name in {folder}")


def _fill(fd: int, data: bytes) -> None:
    """Write all of `data` to the new file `fd`, world-readable, and close it."""
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if _mode_needs_chmod():
            os.fchmod(fd, _FILE_MODE)
    finally:
        os.close(fd)


def _create_once(target: Path, data: bytes) -> bool:
    """Write a file that no one else has written yet (whole, like `_write_atomically`): False
    when it was already there, whoever wrote it; concurrent writers all read the first one."""
    fd, tmp = _open_temp(str(target.parent))
    try:
        _fill(fd, data)
        os.link(tmp, target)  # unlike a rename, never replaces a file that is there
    except FileExistsError:
        return False
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return True


def _write_atomically(target: str | Path, data: bytes) -> None:
    """Readers see the old file or the new one, never a half-written one."""
    fd, tmp = _open_temp(os.path.dirname(target))
    try:
        _fill(fd, data)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@functools.lru_cache(maxsize=64)
def _metadata_bytes(content_type: str, cache_control: str) -> bytes:
    return json.dumps({"content_type": content_type, "cache_control": cache_control}, sort_keys=True).encode()


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


# Folder metadata files a store remembers the bytes of (a site has a few dozen folders; a URL
# scheme with a folder per day, some thousands).
KNOWN_FOLDERS = 4096


class DirectoryStore:
    """`ObjectStore` on a directory, with object metadata kept under `meta_root`."""

    def __init__(self, root: Path, meta_root: Path) -> None:
        self.root = root.resolve()
        self.meta_root = meta_root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self._root, self._meta_root = str(self.root), str(self.meta_root)
        # folder metadata file -> (its inode, change time and size when read, its bytes)
        self._folders: dict[str, tuple[tuple[int, int, int], bytes]] = {}

    def _folder_metadata(self, folder_file: str) -> bytes | None:
        """The bytes of a folder's metadata file, None if there is none. Every put reads its
        folder's, and they hardly ever change (written once, removed with their emptied
        folder): one stat tells whether the bytes read last time are still the file's, instead
        of the five calls a read takes. Another process's new file has another inode or change
        time, and is read."""
        try:
            info = os.stat(folder_file)
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not stat.S_ISREG(info.st_mode):
            return None  # as _read: a folder where the file would be is no file
        stamp = (info.st_ino, info.st_ctime_ns, info.st_size)
        known = self._folders.get(folder_file)
        if known is not None and known[0] == stamp:
            return known[1]
        data = _read(folder_file)
        if data is not None:
            if len(self._folders) >= KNOWN_FOLDERS:
                self._folders.clear()
            # The stamp of before the read: if the file changed in between, the next stat
            # differs from it and reads the file again.
            self._folders[folder_file] = (stamp, data)
        return data

    def _file(self, path: str) -> Path:
        return self.root.joinpath(*_relative(path).parts)

    def put(self, path: str, body: bytes, content_type: str, cache_control: str) -> PutOutcome:
        # Paths as strings, not pathlib: this is every file a rebuild writes (see _meta_file).
        rel = _relative_path(path)
        target = f"{self._root}/{rel}"
        meta = _metadata_bytes(content_type, cache_control)
        own_file = f"{self._meta_root}/{rel}.json"
        slash = rel.rfind("/")
        folder_file = f"{self._meta_root}/{rel[:slash]}.json" if slash > 0 else None
        same_body, own = _read(target, len(body)) == body, _read(own_file)
        folder = self._folder_metadata(folder_file) if folder_file is not None else None
        if same_body and (own if own is not None else folder) == meta:
            return "unchanged"
        # Body first: if that fails, the old body keeps its old metadata. Metadata that is
        # already right (most publishes) is not written again.
        _write_atomically(target, body)
        if folder_file is not None and folder is None:
            # The folder's first file names its metadata, once: later files that differ keep
            # their own (a folder's metadata is never rewritten, so it never changes under them).
            folder = meta if _create_once(Path(folder_file), meta) else _read(folder_file)
        if folder == meta:
            if own is not None:  # its own file is no longer needed (or from an older tree)
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(own_file)
                _remove_empty_parents(Path(own_file), self.meta_root)
        elif own != meta:
            _write_atomically(own_file, meta)
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
