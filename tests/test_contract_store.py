"""The `ObjectStore` contract (core/ports.py), run against a directory and against S3 on moto.

put reports "written" or "unchanged" (bytes, content type and cache control all equal), get
gives the bytes or None, delete says whether there was an object, list gives the paths under a
string prefix in lexicographic order, as S3 lists keys; `metadata` (both stores have it, the
status report and `warta validate` read it) gives the content type and cache control. What is
the directory's own (atomic writes, temp files, folders, unsafe paths) is in
test_directory_store.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pytest

from warta.core.ports import ObjectStore

from support.contracts import STORES, directory_store, s3_store

XML = "application/xml; charset=utf-8"
SHORT = "public, max-age=300"
LONG = "public, max-age=86400"


class StoreWithMetadata(ObjectStore, Protocol):
    def metadata(self, path: str) -> dict[str, str]: ...


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreWithMetadata]:
    if request.param == "directory":
        yield directory_store(tmp_path)
    else:
        prefix = "andalpost/" if request.param == "s3-prefixed" else ""
        yield s3_store(request.getfixturevalue("moto"), key_prefix=prefix)


# --- put ---------------------------------------------------------------------------------------


def test_put_writes_then_reports_unchanged(store: StoreWithMetadata) -> None:
    assert store.put("feed/index.xml", b"<rss/>", XML, SHORT) == "written"
    assert store.get("feed/index.xml") == b"<rss/>"
    assert store.put("feed/index.xml", b"<rss/>", XML, SHORT) == "unchanged"
    assert store.metadata("feed/index.xml") == {"content_type": XML, "cache_control": SHORT}


@pytest.mark.parametrize(
    ("body", "content_type", "cache_control"),
    [
        (b"<rss>2</rss>", XML, SHORT),  # other bytes
        (b"<rss/>", XML, LONG),  # other cache control
        (b"<rss/>", "application/rss+xml", SHORT),  # other content type
        (b"", XML, SHORT),  # empty body
    ],
)
def test_put_writes_when_anything_differs(
    store: StoreWithMetadata, body: bytes, content_type: str, cache_control: str
) -> None:
    store.put("feed/index.xml", b"<rss/>", XML, SHORT)
    assert store.put("feed/index.xml", body, content_type, cache_control) == "written"
    assert store.get("feed/index.xml") == body
    assert store.metadata("feed/index.xml") == {
        "content_type": content_type,
        "cache_control": cache_control,
    }
    assert store.put("feed/index.xml", body, content_type, cache_control) == "unchanged"


def test_put_empty_body_is_an_object(store: StoreWithMetadata) -> None:
    assert store.put("empty.txt", b"", "text/plain", SHORT) == "written"
    assert store.get("empty.txt") == b""
    assert list(store.list()) == ["empty.txt"]
    assert store.put("empty.txt", b"", "text/plain", SHORT) == "unchanged"


# --- get / metadata / delete -------------------------------------------------------------------


def test_get(store: StoreWithMetadata) -> None:
    store.put("amp/nasional/berita.html", "<p>Ä</p>".encode(), "text/html", SHORT)
    assert store.get("amp/nasional/berita.html") == "<p>Ä</p>".encode()
    assert store.get("amp/nasional/missing.html") is None
    assert store.get("amp/nasional") is None  # a folder is not an object
    assert store.get("amp/nasional/berita.html/x") is None  # an object is not a folder


def test_metadata_of_a_missing_object_is_empty(store: StoreWithMetadata) -> None:
    assert store.metadata("feed/index.xml") == {}


def test_paths_of_any_script_round_trip(store: StoreWithMetadata) -> None:
    paths = ["amp/crème brûlée.html", "amp/berita-🙂.html", "amp/東京.html", "amp/a+b=c%20d.html"]
    for path in paths:
        assert store.put(path, path.encode(), "text/html", SHORT) == "written"
    for path in paths:
        assert store.get(path) == path.encode()
    assert list(store.list("amp/")) == sorted(paths)


def test_delete(store: StoreWithMetadata) -> None:
    store.put("feed/index.xml", b"a", XML, SHORT)
    store.put("feed/ekonomi.xml", b"b", XML, SHORT)
    assert store.delete("feed/index.xml") is True
    assert store.get("feed/index.xml") is None
    assert store.metadata("feed/index.xml") == {}
    assert store.delete("feed/index.xml") is False
    assert store.delete("never/was.xml") is False
    assert list(store.list()) == ["feed/ekonomi.xml"]
    assert store.metadata("feed/ekonomi.xml") == {"content_type": XML, "cache_control": SHORT}


def test_a_deleted_object_put_again_is_written(store: StoreWithMetadata) -> None:
    store.put("robots.txt", b"User-agent: *\n", "text/plain", SHORT)
    store.delete("robots.txt")
    assert store.put("robots.txt", b"User-agent: *\n", "text/plain", SHORT) == "written"
    assert store.get("robots.txt") == b"User-agent: *\n"


# --- list --------------------------------------------------------------------------------------

PATHS = [
    "sitemaps/2023-10.xml",
    "feed/index.xml",
    "sitemaps/2023-09.xml",
    "amp/nasional/b.html",
    "amp/nasional/a.html",
    "feed/ekonomi.xml",
    "sitemap.xml",
    "sitemap-news.xml",
]


@pytest.fixture
def filled(store: StoreWithMetadata) -> StoreWithMetadata:
    for path in PATHS:
        store.put(path, path.encode(), XML, SHORT)
    return store


PREFIXES = [
    ("sitemaps/", ["sitemaps/2023-09.xml", "sitemaps/2023-10.xml"]),
    ("amp/nasional/", ["amp/nasional/a.html", "amp/nasional/b.html"]),
    ("feed/e", ["feed/ekonomi.xml"]),
    ("sitemap-", ["sitemap-news.xml"]),
    ("nothing/", []),
    ("feed/index.xml", ["feed/index.xml"]),
]


def test_list_prefix_filter(filled: StoreWithMetadata) -> None:
    for prefix, expected in PREFIXES:
        assert list(filled.list(prefix)) == expected, prefix


def test_list_prefix_is_a_string_prefix_like_s3(filled: StoreWithMetadata) -> None:
    assert list(filled.list("sitemap")) == [
        "sitemap-news.xml",
        "sitemap.xml",
        "sitemaps/2023-09.xml",
        "sitemaps/2023-10.xml",
    ]


def test_list_is_every_path_once_in_lexicographic_order(filled: StoreWithMetadata) -> None:
    listed = list(filled.list())
    assert listed == sorted(PATHS)
    assert list(filled.list()) == listed
    assert list(filled.list(include_temp=True)) == listed  # no write was interrupted


def test_list_order_is_by_character_not_by_folder(store: StoreWithMetadata) -> None:
    """ "a-b" sorts before "a/b" ('-' < '/'), which sorts before "a.b" and "a0": S3's order."""
    paths = ["a/b", "a-b", "a.b", "a0", "a/a/z", "ab"]
    for path in paths:
        store.put(path, b"x", "text/plain", SHORT)
    assert list(store.list()) == sorted(paths) == ["a-b", "a.b", "a/a/z", "a/b", "a0", "ab"]


def test_list_empty_store(store: StoreWithMetadata) -> None:
    assert list(store.list()) == []
    assert list(store.list("feed/")) == []
