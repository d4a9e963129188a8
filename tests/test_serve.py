"""`warta serve`: the output tree over HTTP with stored headers and conditional GETs."""

from __future__ import annotations

import gzip
import http.client
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

import pytest

from warta.adapters.directory_store import DirectoryStore
from warta.cli.serve import make_server

RSS = "application/rss+xml; charset=utf-8"
FEED_CC = "public, max-age=300"
FEED_BODY = b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>'


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


@dataclass
class Server:
    host: str
    port: int
    root: Path
    meta_root: Path
    store: DirectoryStore

    def request(self, path: str, method: str = "GET", headers: dict[str, str] | None = None) -> Response:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            # skip_host/skip_accept_encoding keep the raw path exactly as given
            conn.putrequest(method, path, skip_accept_encoding=True)
            for name, value in (headers or {}).items():
                conn.putheader(name, value)
            conn.endheaders()
            response = conn.getresponse()
            return Response(response.status, response.headers, response.read())
        finally:
            conn.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    root, meta_root = tmp_path / "public", tmp_path / "state" / "objects"
    store = DirectoryStore(root, meta_root)
    (tmp_path / "secret.txt").write_bytes(b"TOP SECRET")
    httpd = make_server(root, meta_root, 0)
    host, port = httpd.server_address[:2]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Server(host, port, root, meta_root, store)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def test_binds_loopback_on_an_ephemeral_port(server: Server) -> None:
    assert server.host == "127.0.0.1"
    assert server.port > 0


def test_get_serves_body_and_stored_headers(server: Server) -> None:
    server.store.put("feed/index.xml", FEED_BODY, RSS, FEED_CC)
    response = server.request("/feed/index.xml")
    assert response.status == 200
    assert response.body == FEED_BODY
    assert response.headers["Content-Type"] == RSS
    assert response.headers["Cache-Control"] == FEED_CC
    assert int(response.headers["Content-Length"]) == len(FEED_BODY)
    etag = response.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 2
    last_modified = parsedate_to_datetime(response.headers["Last-Modified"])
    mtime = (server.root / "feed" / "index.xml").stat().st_mtime
    assert int(last_modified.timestamp()) == int(mtime)
    assert response.headers["Last-Modified"].endswith("GMT")


@pytest.mark.parametrize(
    ("path", "content_type", "cache_control"),
    [
        ("robots.txt", "text/plain; charset=utf-8", "public, max-age=3600"),
        ("amp/nasional/berita-1.html", "text/html; charset=utf-8", "public, max-age=60"),
        ("sitemaps/2023-09.xml", "application/xml; charset=utf-8", "public, max-age=86400"),
    ],
)
def test_headers_come_from_each_objects_metadata(
    server: Server, path: str, content_type: str, cache_control: str
) -> None:
    server.store.put(path, path.encode(), content_type, cache_control)
    response = server.request("/" + path)
    assert (response.status, response.body) == (200, path.encode())
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Cache-Control"] == cache_control


def test_query_string_is_ignored(server: Server) -> None:
    server.store.put("feed/index.xml", FEED_BODY, RSS, FEED_CC)
    response = server.request("/feed/index.xml?utm_source=x")
    assert (response.status, response.body) == (200, FEED_BODY)


def test_percent_encoded_path_is_decoded(server: Server) -> None:
    server.store.put("amp/berita satu.html", b"x", "text/html", FEED_CC)
    assert server.request("/amp/berita%20satu.html").status == 200


def test_folder_serves_its_index_html(server: Server) -> None:
    server.store.put("index.html", b"<h1>home</h1>", "text/html; charset=utf-8", FEED_CC)
    response = server.request("/")
    assert (response.status, response.body) == (200, b"<h1>home</h1>")
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Cache-Control"] == FEED_CC


def test_without_metadata_the_type_is_guessed_and_no_cache_control(server: Server) -> None:
    server.root.joinpath("stray.xml").write_bytes(b"<x/>")
    response = server.request("/stray.xml")
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert response.headers["Cache-Control"] is None


# --- conditional GET ---------------------------------------------------------------------------


@pytest.fixture
def feed(server: Server) -> Response:
    server.store.put("feed/index.xml", FEED_BODY, RSS, FEED_CC)
    first = server.request("/feed/index.xml")
    assert first.status == 200
    return first


def test_if_none_match_gives_304_without_body(server: Server, feed: Response) -> None:
    etag = feed.headers["ETag"]
    response = server.request("/feed/index.xml", headers={"If-None-Match": etag})
    assert response.status == 304
    assert response.body == b""
    assert response.headers["ETag"] == etag
    assert response.headers["Cache-Control"] == FEED_CC


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{etag}", 304),
        ('"other", {etag}', 304),
        ("*", 304),
        ('"other"', 200),
        ('"{bare}x"', 200),
    ],
)
def test_if_none_match_values(server: Server, feed: Response, value: str, expected: int) -> None:
    etag = feed.headers["ETag"]
    header = value.format(etag=etag, bare=etag.strip('"'))
    response = server.request("/feed/index.xml", headers={"If-None-Match": header})
    assert response.status == expected
    assert response.body == (FEED_BODY if expected == 200 else b"")


def test_if_modified_since_gives_304(server: Server, feed: Response) -> None:
    response = server.request("/feed/index.xml", headers={"If-Modified-Since": feed.headers["Last-Modified"]})
    assert response.status == 304
    assert response.body == b""


def test_if_modified_since_before_the_change_gives_200(server: Server, feed: Response) -> None:
    path = server.root / "feed" / "index.xml"
    mtime = path.stat().st_mtime
    earlier = formatdate(mtime - 3600, usegmt=True)
    response = server.request("/feed/index.xml", headers={"If-Modified-Since": earlier})
    assert (response.status, response.body) == (200, FEED_BODY)


def test_if_modified_since_garbage_is_ignored(server: Server, feed: Response) -> None:
    response = server.request("/feed/index.xml", headers={"If-Modified-Since": "not a date"})
    assert response.status == 200


def test_if_none_match_takes_precedence_over_if_modified_since(server: Server, feed: Response) -> None:
    response = server.request(
        "/feed/index.xml",
        headers={
            "If-None-Match": '"stale"',
            "If-Modified-Since": feed.headers["Last-Modified"],
        },
    )
    assert (response.status, response.body) == (200, FEED_BODY)


def test_a_changed_file_gets_a_new_etag_and_200(server: Server, feed: Response) -> None:
    old_etag = feed.headers["ETag"]
    path = server.root / "feed" / "index.xml"
    before = path.stat().st_mtime
    assert server.store.put("feed/index.xml", FEED_BODY + b"\n", RSS, FEED_CC) == "written"
    os.utime(path, (before + 5, before + 5))  # a later second, whatever the clock resolution
    response = server.request("/feed/index.xml", headers={"If-None-Match": old_etag})
    assert response.status == 200
    assert response.body == FEED_BODY + b"\n"
    assert response.headers["ETag"] != old_etag
    assert response.headers["Last-Modified"] != feed.headers["Last-Modified"]
    again = server.request("/feed/index.xml", headers={"If-Modified-Since": feed.headers["Last-Modified"]})
    assert again.status == 200


def test_etag_depends_on_content_only(server: Server) -> None:
    server.store.put("a.xml", b"same", RSS, FEED_CC)
    server.store.put("b.xml", b"same", RSS, FEED_CC)
    server.store.put("c.xml", b"different", RSS, FEED_CC)
    tags = [server.request(f"/{name}").headers["ETag"] for name in ("a.xml", "b.xml", "c.xml")]
    assert tags[0] == tags[1] != tags[2]


# --- not found and traversal -------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/missing.xml", "/feed/missing.xml", "/feed/", "/feed"])
def test_missing_paths_are_404(server: Server, path: str) -> None:
    server.store.put("feed/index.xml", FEED_BODY, RSS, FEED_CC)
    response = server.request(path)
    assert response.status == 404
    assert FEED_BODY not in response.body


def test_a_trailing_slash_after_a_file_is_404(server: Server) -> None:
    server.store.put("feed/index.xml", FEED_BODY, RSS, FEED_CC)
    assert server.request("/feed/index.xml/").status == 404


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/../../../../etc/passwd",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/%2e%2e%2fsecret.txt",
        "/feed/../../secret.txt",
        "/feed/%2e%2e/%2e%2e/secret.txt",
        "/..%2f..%2f..%2fetc%2fpasswd",
        "/../state/objects/feed/index.xml.json",
        "/%2e%2e/state/objects/feed/index.xml.json",
    ],
)
def test_path_traversal_is_404(server: Server, path: str) -> None:
    server.store.put("feed/index.xml", FEED_BODY, RSS, FEED_CC)
    response = server.request(path)
    assert response.status == 404
    assert b"TOP SECRET" not in response.body
    assert b"root:" not in response.body
    assert b"content_type" not in response.body


def test_a_symlink_out_of_the_root_is_404(server: Server, tmp_path: Path) -> None:
    server.root.joinpath("link.txt").symlink_to(tmp_path / "secret.txt")
    response = server.request("/link.txt")
    assert response.status == 404
    assert b"TOP SECRET" not in response.body


def test_dotdot_that_stays_inside_the_root_is_served(server: Server) -> None:
    server.store.put("feed/index.xml", FEED_BODY, RSS, FEED_CC)
    response = server.request("/amp/../feed/index.xml")
    assert (response.status, response.body) == (200, FEED_BODY)


def test_a_nul_byte_in_the_path_is_404(server: Server) -> None:
    assert server.request("/feed%00.xml").status == 404


def test_an_overlong_file_name_is_404(server: Server) -> None:
    assert server.request("/" + "x" * 300 + ".xml").status == 404


# --- HEAD --------------------------------------------------------------------------------------


def test_head_has_headers_but_no_body(server: Server) -> None:
    server.store.put("feed/index.xml", FEED_BODY, RSS, FEED_CC)
    get = server.request("/feed/index.xml")
    head = server.request("/feed/index.xml", method="HEAD")
    assert head.status == 200
    assert head.body == b""
    assert head.headers["Content-Type"] == RSS
    assert head.headers["Cache-Control"] == FEED_CC
    assert head.headers["ETag"] == get.headers["ETag"]
    assert head.headers["Last-Modified"] == get.headers["Last-Modified"]
    assert int(head.headers["Content-Length"]) == len(FEED_BODY)


def test_head_conditional_and_missing(server: Server) -> None:
    server.store.put("feed/index.xml", FEED_BODY, RSS, FEED_CC)
    etag = server.request("/feed/index.xml", method="HEAD").headers["ETag"]
    conditional = server.request("/feed/index.xml", method="HEAD", headers={"If-None-Match": etag})
    assert (conditional.status, conditional.body) == (304, b"")
    missing = server.request("/nothing.xml", method="HEAD")
    assert (missing.status, missing.body) == (404, b"")


def test_many_concurrent_requests(server: Server) -> None:
    server.store.put("feed/index.xml", FEED_BODY, RSS, FEED_CC)
    results: list[tuple[int, bytes]] = []
    lock = threading.Lock()

    def fetch() -> None:
        response = server.request("/feed/index.xml")
        with lock:
            results.append((response.status, response.body))

    threads = [threading.Thread(target=fetch) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert results == [(200, FEED_BODY)] * 16


# --- weak comparison and gzip (issue 15 point 6) -----------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("W/{etag}", 304),  # RFC 9110 §13.1.2: If-None-Match compares weakly
        ('W/"other", W/{etag}', 304),
        (" * ", 304),
        ('W/"other"', 200),
        ("w/{etag}", 200),  # the prefix is case-sensitive
    ],
)
def test_if_none_match_compares_weakly(server: Server, feed: Response, value: str, expected: int) -> None:
    header = value.format(etag=feed.headers["ETag"])
    response = server.request("/feed/index.xml", headers={"If-None-Match": header})
    assert response.status == expected


@pytest.mark.parametrize(
    ("accept_encoding", "gzipped"),
    [
        ("gzip", True),
        ("br, gzip;q=0.5", True),
        ("GZIP", True),
        ("*", True),
        ("gzip;q=0", False),
        ("gzip;q=0.0", False),
        ("br", False),
        ("identity", False),
        ("", False),
    ],
)
def test_gzip_only_when_the_client_accepts_it(
    server: Server, feed: Response, accept_encoding: str, gzipped: bool
) -> None:
    response = server.request("/feed/index.xml", headers={"Accept-Encoding": accept_encoding})
    assert response.status == 200
    assert response.headers["Vary"] == "Accept-Encoding"
    if gzipped:
        assert response.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(response.body) == FEED_BODY
        assert int(response.headers["Content-Length"]) == len(response.body)
        assert response.headers["ETag"] == "W/" + feed.headers["ETag"]
    else:
        assert response.headers["Content-Encoding"] is None
        assert response.body == FEED_BODY


def test_a_gzipped_etag_revalidates_the_plain_body_and_back(server: Server, feed: Response) -> None:
    zipped = server.request("/feed/index.xml", headers={"Accept-Encoding": "gzip"})
    plain = server.request("/feed/index.xml", headers={"If-None-Match": zipped.headers["ETag"]})
    assert plain.status == 304
    again = server.request(
        "/feed/index.xml", headers={"Accept-Encoding": "gzip", "If-None-Match": feed.headers["ETag"]}
    )
    assert again.status == 304
    assert again.body == b""
