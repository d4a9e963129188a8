"""DirectoryStore: what is the directory's own (files and folders, metadata kept outside the root,
temp files and atomic writes, unsafe paths). What every `ObjectStore` promises is tested on a
directory and on S3 alike in test_contract_store.py."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from test_contract_store import PATHS as CONTRACT_PATHS

from warta.adapters import directory_store
from warta.adapters.directory_store import DirectoryStore, UnsafePath

XML = "application/xml; charset=utf-8"
JSON = "application/feed+json"
SHORT = "public, max-age=300"
LONG = "public, max-age=86400"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "public"


@pytest.fixture
def meta_root(tmp_path: Path) -> Path:
    return tmp_path / "state" / "objects"


@pytest.fixture
def store(root: Path, meta_root: Path) -> DirectoryStore:
    return DirectoryStore(root, meta_root)


def files_under(folder: Path) -> set[str]:
    if not folder.exists():
        return set()
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def dirs_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_dir()}


# --- put ---------------------------------------------------------------------------------------


def test_put_of_unchanged_bytes_leaves_the_file_untouched(store: DirectoryStore, root: Path) -> None:
    assert store.put("feed/index.xml", b"<rss/>", XML, SHORT) == "written"
    assert (root / "feed" / "index.xml").read_bytes() == b"<rss/>"
    mtime = (root / "feed" / "index.xml").stat().st_mtime_ns
    assert store.put("feed/index.xml", b"<rss/>", XML, SHORT) == "unchanged"
    # Unchanged means untouched: Last-Modified of `warta serve` stays put.
    assert (root / "feed" / "index.xml").stat().st_mtime_ns == mtime


def test_put_writes_when_metadata_is_missing(store: DirectoryStore, root: Path, meta_root: Path) -> None:
    (root / "robots.txt").write_bytes(b"User-agent: *\n")  # a file that came from elsewhere
    assert store.metadata("robots.txt") == {}
    assert store.put("robots.txt", b"User-agent: *\n", "text/plain", SHORT) == "written"
    assert store.metadata("robots.txt") == {"content_type": "text/plain", "cache_control": SHORT}


def test_put_files_are_world_readable(store: DirectoryStore, root: Path) -> None:
    store.put("a/b.html", b"x", "text/html", SHORT)
    assert (root / "a" / "b.html").stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize(
    ("umask", "fchmod_calls"), [(0o000, 0), (0o002, 0), (0o022, 0), (0o027, 1), (0o077, 1)]
)
def test_files_are_world_readable_under_any_umask_with_an_fchmod_only_where_it_takes_bits(
    root: Path, meta_root: Path, monkeypatch: pytest.MonkeyPatch, umask: int, fchmod_calls: int
) -> None:
    calls: list[int] = []
    real_fchmod = os.fchmod

    def spy(fd: int, mode: int) -> None:
        calls.append(mode)
        real_fchmod(fd, mode)

    monkeypatch.setattr(os, "fchmod", spy)
    directory_store._mode_needs_chmod.cache_clear()  # the umask is read at a process's first write
    old = os.umask(umask)
    try:
        store = DirectoryStore(root, meta_root)
        store.put("a/b.html", b"x", "text/html", SHORT)
    finally:
        os.umask(old)
        directory_store._mode_needs_chmod.cache_clear()
    assert (root / "a" / "b.html").stat().st_mode & 0o777 == 0o644
    # The body's file, then the folder's metadata file: one fchmod each where the umask takes bits.
    assert calls == [0o644] * (2 * fchmod_calls)


def test_a_folder_metadata_file_read_once_is_not_read_again_while_unchanged(
    store: DirectoryStore, monkeypatch: pytest.MonkeyPatch, meta_root: Path
) -> None:
    store.put("amp/a.html", b"a", XML, SHORT)
    store.put("amp/b.html", b"b", XML, SHORT)
    reads: list[str] = []
    real_read = directory_store._read

    def spy(path: str | Path, size: int | None = None) -> bytes | None:
        reads.append(str(path))
        return real_read(path, size)

    monkeypatch.setattr(directory_store, "_read", spy)
    assert store.put("amp/c.html", b"c", XML, SHORT) == "written"
    assert str(meta_root / "amp.json") not in reads
    assert store.metadata("amp/c.html") == {"content_type": XML, "cache_control": SHORT}


def test_a_folder_metadata_file_another_writer_replaced_is_read_again(
    store: DirectoryStore, meta_root: Path
) -> None:
    store.put("amp/a.html", b"a", XML, SHORT)
    store.put("amp/b.html", b"b", XML, SHORT)  # the store knows amp.json now
    theirs = json.dumps({"content_type": "text/html", "cache_control": LONG}, sort_keys=True).encode()
    replacement = meta_root / "amp.json.new"
    replacement.write_bytes(theirs)
    os.replace(replacement, meta_root / "amp.json")  # as another process's writes do
    assert store.put("amp/c.html", b"c", XML, SHORT) == "written"
    assert store.metadata("amp/c.html") == {"content_type": XML, "cache_control": SHORT}
    assert store.metadata("amp/a.html") == {"content_type": "text/html", "cache_control": LONG}
    assert store.put("amp/c.html", b"c", XML, SHORT) == "unchanged"


def test_a_folder_metadata_file_another_writer_removed_is_written_again(
    store: DirectoryStore, root: Path, meta_root: Path
) -> None:
    store.put("amp/a.html", b"a", XML, SHORT)
    store.put("amp/b.html", b"b", XML, SHORT)  # the store knows amp.json now
    other = DirectoryStore(root, meta_root)  # another process empties the folder
    assert other.delete("amp/a.html") and other.delete("amp/b.html")
    assert not (meta_root / "amp.json").exists()
    assert store.put("amp/c.html", b"c", XML, SHORT) == "written"
    assert store.metadata("amp/c.html") == {"content_type": XML, "cache_control": SHORT}


# --- delete ------------------------------------------------------------------------------------


def test_delete_removes_the_file_and_its_metadata_file(
    store: DirectoryStore, root: Path, meta_root: Path
) -> None:
    store.put("feed/index.xml", b"a", XML, SHORT)
    store.put("feed/ekonomi.xml", b"b", XML, SHORT)
    store.put("feed/atom.xml", b"c", "application/atom+xml", SHORT)  # its own metadata file
    assert files_under(meta_root) == {"feed.json", "feed/atom.xml.json"}
    assert store.delete("feed/atom.xml") is True
    assert store.delete("feed/index.xml") is True
    assert files_under(root) == {"feed/ekonomi.xml"}
    assert files_under(meta_root) == {"feed.json"}  # the folder's, for ekonomi.xml
    assert store.metadata("feed/index.xml") == {}  # gone, though its folder's metadata is not
    assert store.delete("feed/ekonomi.xml") is True
    assert files_under(meta_root) == set()  # the folder went, and its metadata with it


def test_delete_removes_empty_parent_folders_but_not_the_root(
    store: DirectoryStore, root: Path, meta_root: Path
) -> None:
    store.put("amp/nasional/2023/a.html", b"a", "text/html", SHORT)
    store.put("amp/nasional/b.html", b"b", "text/html", SHORT)
    store.put("top.txt", b"t", "text/plain", SHORT)
    assert store.delete("amp/nasional/2023/a.html")
    assert dirs_under(root) == {"amp", "amp/nasional"}  # 2023 went, nasional still holds b
    assert dirs_under(meta_root) == {"amp"}  # holding nasional.json, for b
    assert store.delete("amp/nasional/b.html")
    assert dirs_under(root) == set()
    assert dirs_under(meta_root) == set()
    assert store.delete("top.txt")
    assert root.is_dir() and list(root.iterdir()) == []
    assert meta_root.is_dir()


def test_delete_keeps_a_folder_that_holds_a_foreign_file(store: DirectoryStore, root: Path) -> None:
    store.put("a/b/c.xml", b"c", XML, SHORT)
    (root / "a" / "keep.me").write_bytes(b"")
    assert store.delete("a/b/c.xml")
    assert dirs_under(root) == {"a"}
    assert (root / "a" / "keep.me").exists()


# --- list --------------------------------------------------------------------------------------

# The paths the ObjectStore contract suite lists (tests/test_contract_store.py).
PATHS = CONTRACT_PATHS


@pytest.fixture
def filled(store: DirectoryStore) -> DirectoryStore:
    for path in PATHS:
        store.put(path, path.encode(), XML, SHORT)
    return store


def test_list_skips_temp_files(filled: DirectoryStore, root: Path) -> None:
    (root / ".warta-tmp-abc123").write_bytes(b"half")
    (root / "feed" / ".warta-tmp-xyz").write_bytes(b"half")
    listed = list(filled.list())
    assert sorted(listed) == sorted(PATHS)
    assert not any(".warta-tmp-" in path for path in listed)
    assert list(filled.list("feed/.warta")) == []


# --- unsafe paths ------------------------------------------------------------------------------

UNSAFE = [
    "../escape.txt",
    "a/../../escape.txt",
    "a/../b.txt",
    "..",
    "/etc/passwd",
    "/abs/x.xml",
    "feed/",
    "feed/sub/",
    "",
    ".",
    "./",
]


@pytest.mark.parametrize("path", UNSAFE)
def test_unsafe_paths_raise(store: DirectoryStore, tmp_path: Path, path: str) -> None:
    with pytest.raises(UnsafePath):
        store.put(path, b"x", "text/plain", SHORT)
    with pytest.raises(UnsafePath):
        store.get(path)
    with pytest.raises(UnsafePath):
        store.delete(path)
    assert files_under(tmp_path) == set()


def test_unsafe_path_is_a_value_error() -> None:
    assert issubclass(UnsafePath, ValueError)


# --- metadata ----------------------------------------------------------------------------------


def test_metadata_lives_outside_the_public_root(store: DirectoryStore, root: Path, meta_root: Path) -> None:
    store.put("feed/index.xml", b"<rss/>", "application/rss+xml; charset=utf-8", SHORT)
    store.put("robots.txt", b"User-agent: *", "text/plain; charset=utf-8", LONG)
    assert files_under(root) == {"feed/index.xml", "robots.txt"}
    # A folder's files share one metadata file, named as a file of the folder's name would be.
    assert files_under(meta_root) == {"feed.json", "robots.txt.json"}
    stored = json.loads((meta_root / "feed.json").read_bytes())
    assert stored == {"content_type": "application/rss+xml; charset=utf-8", "cache_control": SHORT}
    assert store.metadata("robots.txt") == {
        "content_type": "text/plain; charset=utf-8",
        "cache_control": LONG,
    }
    assert store.metadata("nothing.xml") == {}


def test_objects_named_like_metadata_do_not_collide(store: DirectoryStore) -> None:
    store.put("a.xml", b"1", XML, SHORT)
    store.put("a.xml.json", b"2", "application/json", LONG)
    assert store.get("a.xml") == b"1"
    assert store.metadata("a.xml") == {"content_type": XML, "cache_control": SHORT}
    assert store.metadata("a.xml.json") == {"content_type": "application/json", "cache_control": LONG}


# --- atomicity ---------------------------------------------------------------------------------


def _temp_files(*folders: Path) -> list[Path]:
    return [p for folder in folders if folder.exists() for p in folder.rglob(".warta-tmp-*")]


def test_put_goes_through_a_temp_file_and_rename(
    store: DirectoryStore, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.put("feed/index.xml", b"old", XML, SHORT)
    calls: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src: str, dst: str | Path) -> None:
        calls.append((str(src), str(dst)))
        # The temp file is complete before it is renamed over the target.
        if Path(dst) == root / "feed" / "index.xml":
            assert Path(src).read_bytes() == b"new"
            assert Path(src).parent == Path(dst).parent  # same filesystem: rename is atomic
            assert Path(src).name.startswith(".warta-tmp-")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    assert store.put("feed/index.xml", b"new", XML, SHORT) == "written"
    assert str(root / "feed" / "index.xml") in [dst for _, dst in calls]
    assert store.get("feed/index.xml") == b"new"


@pytest.mark.parametrize("fail_on", ["any", "body"])
def test_a_failed_put_leaves_the_old_body_and_no_temp_file(
    store: DirectoryStore,
    root: Path,
    meta_root: Path,
    monkeypatch: pytest.MonkeyPatch,
    fail_on: str,
) -> None:
    store.put("feed/index.xml", b"old", XML, SHORT)
    real_replace = os.replace
    target = root / "feed" / "index.xml"

    def failing(src: str, dst: str | Path) -> None:
        if fail_on == "any" or Path(dst) == target:
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(OSError, match="disk full"):
        store.put("feed/index.xml", b"new", "text/html", LONG)
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert _temp_files(root, meta_root) == []
    assert list(store.list()) == ["feed/index.xml"]


def test_a_failed_write_of_a_new_object_leaves_nothing(
    store: DirectoryStore, root: Path, meta_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(OSError):
        store.put("new/object.xml", b"x", XML, SHORT)
    monkeypatch.undo()
    assert files_under(root) == set()
    assert _temp_files(root, meta_root) == []
    assert store.get("new/object.xml") is None


def test_a_failed_put_leaves_the_old_metadata(
    store: DirectoryStore, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.put("feed/index.xml", b"old", XML, SHORT)
    real_replace = os.replace
    target = root / "feed" / "index.xml"

    def failing(src: str, dst: str | Path) -> None:
        if Path(dst) == target:
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(OSError):
        store.put("feed/index.xml", b"new", "text/html", LONG)
    monkeypatch.undo()
    assert store.get("feed/index.xml") == b"old"
    assert store.metadata("feed/index.xml") == {"content_type": XML, "cache_control": SHORT}


def test_a_put_whose_metadata_write_failed_is_healed_by_a_retry(
    store: DirectoryStore, meta_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.put("feed/index.xml", b"old", XML, SHORT)
    real_replace = os.replace
    meta_file = meta_root / "feed" / "index.xml.json"

    def failing(src: str, dst: str | Path) -> None:
        if Path(dst) == meta_file:
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(OSError):
        store.put("feed/index.xml", b"new", "text/html", LONG)
    monkeypatch.undo()
    assert _temp_files(store.root, meta_root) == []
    # Whatever was left half-done, the same put again must not be "unchanged".
    assert store.put("feed/index.xml", b"new", "text/html", LONG) == "written"
    assert store.get("feed/index.xml") == b"new"
    assert store.metadata("feed/index.xml") == {"content_type": "text/html", "cache_control": LONG}


# --- one metadata file per folder --------------------------------------------------------------


def test_a_folder_of_alike_files_has_one_metadata_file(store: DirectoryStore, meta_root: Path) -> None:
    for n in range(50):
        assert store.put(f"amp/nasional/b-{n}.html", b"x", "text/html", SHORT) == "written"
    assert files_under(meta_root) == {"amp/nasional.json"}
    assert store.metadata("amp/nasional/b-7.html") == {"content_type": "text/html", "cache_control": SHORT}
    assert store.metadata("amp/nasional/b-50.html") == {}  # no such file


def test_a_file_unlike_its_folder_keeps_its_own_metadata(store: DirectoryStore, meta_root: Path) -> None:
    store.put("feed/index.xml", b"a", XML, SHORT)
    store.put("feed/index.json", b"b", JSON, SHORT)
    assert files_under(meta_root) == {"feed.json", "feed/index.json.json"}
    assert store.metadata("feed/index.xml") == {"content_type": XML, "cache_control": SHORT}
    assert store.metadata("feed/index.json") == {"content_type": JSON, "cache_control": SHORT}
    # Written again with its folder's metadata: its own file goes.
    assert store.put("feed/index.json", b"b", XML, SHORT) == "written"
    assert files_under(meta_root) == {"feed.json"}
    assert store.put("feed/index.json", b"b", XML, SHORT) == "unchanged"
    # A folder's metadata is never rewritten: a file that differs now keeps its own.
    assert store.put("feed/index.xml", b"a", XML, LONG) == "written"
    assert files_under(meta_root) == {"feed.json", "feed/index.xml.json"}
    assert store.metadata("feed/index.xml") == {"content_type": XML, "cache_control": LONG}
    assert store.metadata("feed/index.json") == {"content_type": XML, "cache_control": SHORT}


def test_a_tree_with_one_metadata_file_per_object_reads_the_same(
    store: DirectoryStore, root: Path, meta_root: Path
) -> None:
    """Trees written before folders kept their files' metadata: each file's own is read, and
    goes when the file is written again with its folder's."""
    own = {"content_type": XML, "cache_control": SHORT}
    for path in ("feed/index.xml", "feed/ekonomi.xml", "robots.txt"):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(b"old")
        (meta_root / (path + ".json")).parent.mkdir(parents=True, exist_ok=True)
        (meta_root / (path + ".json")).write_bytes(json.dumps(own, sort_keys=True).encode())
    assert store.metadata("feed/index.xml") == own
    assert store.put("feed/index.xml", b"old", XML, SHORT) == "unchanged"
    assert store.put("feed/index.xml", b"new", XML, SHORT) == "written"
    assert files_under(meta_root) == {"feed.json", "feed/ekonomi.xml.json", "robots.txt.json"}
    assert store.metadata("feed/index.xml") == own
    assert store.metadata("feed/ekonomi.xml") == own
    assert store.delete("feed/ekonomi.xml") and store.delete("feed/index.xml")
    assert files_under(meta_root) == {"robots.txt.json"}
    assert dirs_under(meta_root) == set()


def test_a_put_that_failed_before_the_folder_metadata_leaves_none_named(
    store: DirectoryStore, root: Path, meta_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "link", failing)
    with pytest.raises(OSError):
        store.put("amp/a.html", b"x", XML, SHORT)
    monkeypatch.undo()
    assert _temp_files(root, meta_root) == []
    assert files_under(meta_root) == set()
    assert store.put("amp/a.html", b"x", XML, SHORT) == "written"  # healed by the retry
    assert store.metadata("amp/a.html") == {"content_type": XML, "cache_control": SHORT}


def test_folder_metadata_written_by_another_writer_first_is_kept(
    store: DirectoryStore, meta_root: Path
) -> None:
    (meta_root / "amp.json").parent.mkdir(parents=True)
    theirs = {"content_type": "text/html", "cache_control": LONG}
    (meta_root / "amp.json").write_bytes(json.dumps(theirs, sort_keys=True).encode())
    assert store.put("amp/a.html", b"x", XML, SHORT) == "written"
    assert json.loads((meta_root / "amp.json").read_bytes()) == theirs
    assert store.metadata("amp/a.html") == {"content_type": XML, "cache_control": SHORT}


# --- get ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 65_535, 65_536, 65_537, 3 * 65_536 + 1])
def test_get_gives_every_byte_of_a_file_of_any_size(store: DirectoryStore, root: Path, size: int) -> None:
    body = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    assert store.put("amp/nasional/berita.html", body, "text/html", "no-cache") == "written"
    assert store.get("amp/nasional/berita.html") == body
    (root / "amp" / "nasional" / "berita.html").write_bytes(body + b"x")  # another writer's
    assert store.get("amp/nasional/berita.html") == body + b"x"


def test_get_of_a_folder_or_of_a_path_under_a_file_is_no_file(store: DirectoryStore, root: Path) -> None:
    store.put("amp/nasional/berita.html", b"<p/>", "text/html", "no-cache")
    assert store.get("amp/nasional") is None
    assert store.get("amp/nasional/berita.html/lagi") is None


@pytest.mark.parametrize(
    ("old", "new", "outcome"),
    [
        (b"", b"", "unchanged"),
        (b"", b"a", "written"),
        (b"a", b"", "written"),
        (b"abc", b"abc", "unchanged"),
        (b"abc", b"abd", "written"),  # same size, other bytes
        (b"abc", b"abcd", "written"),
        (b"x" * 65_537, b"x" * 65_537, "unchanged"),
        (b"x" * 65_537, b"x" * 65_536 + b"y", "written"),
    ],
)
def test_put_compares_the_stored_bytes_whatever_their_sizes(
    store: DirectoryStore, root: Path, old: bytes, new: bytes, outcome: str
) -> None:
    store.put("feed/index.xml", old, "application/rss+xml", "no-cache")
    assert store.put("feed/index.xml", new, "application/rss+xml", "no-cache") == outcome
    assert (root / "feed" / "index.xml").read_bytes() == new


def test_put_over_a_folder_where_the_file_would_be_is_refused(store: DirectoryStore, root: Path) -> None:
    (root / "feed" / "index.xml").mkdir(parents=True)
    with pytest.raises(OSError):
        store.put("feed/index.xml", b"<rss/>", "application/rss+xml", "no-cache")
