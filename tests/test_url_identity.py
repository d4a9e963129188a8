"""Issue 14, class 3: the URL -> AMP file map is one-to-one and reachable.

Article URLs are normalised once, at ingest (`warta.core.urls.normalise_url`); each normal-form
URL has its own AMP file at its decoded path (`url_file_path`), which `warta serve` (and S3
behind CloudFront, which decode the same way) finds by the URL's path; a URL belongs to one
live article id at a time.
"""

from __future__ import annotations

import copy
import http.client
import json
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warta.adapters.local_stack import open_local_stack
from warta.app.ingest import ingest_event
from warta.app.outputs.amp import amp_path
from warta.app.render import render_pending
from warta.cli.serve import make_server
from warta.core.body import build_body
from warta.core.config import SiteConfig
from warta.core.urls import (
    FILE_NAME_BYTES,
    InvalidUrl,
    bounded_key,
    normalise_url,
    url_file_path,
)

from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE

NOW = datetime.fromisoformat("2023-09-21T00:00:00+07:00")
BASE = "https://www.andalpost.com"
TEMPLATE = json.loads((EXAMPLE_EVENTS / "004-laba-koperasi-tani-makmur.json").read_bytes())

# raw URL -> its normal form (RFC 3986 section 6.2.2 and 6.2.3)
NORMAL_FORMS = [
    (f"{BASE}/a/b", f"{BASE}/a/b"),
    ("HTTPS://WWW.Andalpost.COM/a/b", f"{BASE}/a/b"),  # scheme and host case
    (f"{BASE}:443/a/b", f"{BASE}/a/b"),  # default port
    ("http://www.andalpost.com:80/a", "http://www.andalpost.com/a"),
    (f"{BASE}:8443/a", f"{BASE}:8443/a"),  # another port stays
    (f"{BASE}/a/b#bagian", f"{BASE}/a/b"),  # fragment dropped
    (f"{BASE}/a/b#", f"{BASE}/a/b"),
    (f"{BASE}/x/../a/b", f"{BASE}/a/b"),  # dot segments
    (f"{BASE}/a/./b", f"{BASE}/a/b"),
    (f"{BASE}/../../a/b", f"{BASE}/a/b"),
    (f"{BASE}/a/%2E%2E/a/b", f"{BASE}/a/b"),  # "%2E" is an unreserved "."
    (f"{BASE}/a/b/.", f"{BASE}/a/b/"),
    (f"{BASE}/%61/%7Eb", f"{BASE}/a/~b"),  # unreserved escapes decoded
    (f"{BASE}/cr%c3%a8me", f"{BASE}/cr%C3%A8me"),  # other escapes upper-cased
    (f"{BASE}/crème", f"{BASE}/cr%C3%A8me"),  # raw non-ASCII escaped
    (f"{BASE}/a b", f"{BASE}/a%20b"),
    (f"{BASE}/100%", f"{BASE}/100%25"),  # a lone "%" is a literal
    (f"{BASE}/a%2Fb", f"{BASE}/a%2Fb"),  # an escaped "/" is not a separator
    (f"{BASE}/?p=123", f"{BASE}/?p=123"),  # the query is identity
    (f"{BASE}/?p=%31%32", f"{BASE}/?p=12"),
    (f"{BASE}/a?", f"{BASE}/a"),  # an empty query is none
    (BASE, f"{BASE}/"),
    (f"{BASE}/index", f"{BASE}/index"),  # aliases are not folded
    (f"{BASE}/a/index.html", f"{BASE}/a/index.html"),
    ("https://bücher.example/ü", "https://xn--bcher-kva.example/%C3%BC"),  # IDN
    ("https://www.andalpost.com./a", f"{BASE}/a"),  # fully qualified host
]


@pytest.mark.parametrize(("raw", "normal"), NORMAL_FORMS)
def test_normal_form(raw: str, normal: str) -> None:
    assert normalise_url(raw) == normal
    assert normalise_url(normal) == normal  # idempotent


@pytest.mark.parametrize(
    "raw",
    [f"{BASE}:99999/a", f"{BASE}:x/a", "https://u:p@www.andalpost.com/a", "https://a_b.com/", "ftp://x/"],
)
def test_url_that_cannot_be_normalised_is_invalid(raw: str) -> None:
    with pytest.raises(InvalidUrl):
        normalise_url(raw)


# Distinct normal-form URLs that the old map folded onto one file, or stored undecoded, or could
# not store at all (segment past NAME_MAX, whole path past an S3 key).
VARIANTS = [
    "/nasional/berita",
    "/nasional/berita/",
    "/nasional/berita?p=1",
    "/nasional/berita?p=2",
    "/nasional/berita/?p=1",
    "/?p=123",
    "/?p=124",
    "/",
    "/index",
    "/index/",
    "/nasional/berita/index",
    "/nasional/berita/index.html",
    "/nasional//berita",
    "/nasional/cr%C3%A8me-br%C3%BBl%C3%A9e",
    "/nasional/cr%C3%A8me-br%C3%BBl%C3%A9e?utm=1",
    "/nasional/a%2Fb",  # an escaped "/" hashed, not a folder
    "/nasional/a%25C3%25A8",  # a literal "%C3%A8" in the URL
    "/nasional/~berita",  # "~" is reserved for markers
    "/nasional/" + "panjang-" * 40,  # 320-byte segment
    "/nasional/" + "/".join(["bagian-panjang"] * 60),  # 900-byte path
    "/nasional/" + "x" * 1950,  # near the contract's 2,000 characters
    "/nasional/%E2%80%AEkiri",  # a bidi control: printable? no: hashed
    "/nasional/caf%C3%A9",  # NFC
    "/nasional/cafe%CC%81",  # NFD: a different URL, a different file
]


def _event(number: int, url: str) -> dict[str, Any]:
    event = copy.deepcopy(TEMPLATE)
    event["event_id"] = f"evt-url-{number}"
    event["article"].update(id=f"url-{number}", url=url, title=f"Berita URL nomor {number}")
    return event


def _publish(tmp: Path, events: list[dict[str, Any]]) -> list[Any]:
    stack = open_local_stack([EXAMPLE_SITE], tmp / "public", tmp / "state")
    outcomes = [
        ingest_event(
            json.dumps(e),
            f"test:{n}",
            deployment=stack.deployment,
            index=stack.index,
            queue=stack.index,
            now=NOW,
            build_body=build_body,
        )
        for n, e in enumerate(events)
    ]
    with stack.render_lock():
        render_pending(
            deployment=stack.deployment, index=stack.index, queue=stack.index, store=stack.store, now=NOW
        )
    stack.index.close()
    return outcomes


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    httpd = make_server(tmp_path / "public", tmp_path / "state" / "objects", 0)
    host, port = httpd.server_address[:2]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()

    def get(path: str) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(host, port, timeout=10)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    try:
        yield get
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def _canonical(page: bytes) -> str:
    (href,) = lxml.html.document_fromstring(page).xpath("//link[@rel='canonical']/@href")
    return str(href)


def test_every_variant_has_its_own_reachable_page(tmp_path: Path, serve: Any, site: SiteConfig) -> None:
    urls = [BASE + path for path in VARIANTS]
    assert len({normalise_url(u) for u in urls}) == len(urls)
    outcomes = _publish(tmp_path, [_event(n, url) for n, url in enumerate(urls)])
    assert [o.status for o in outcomes] == ["accepted"] * len(urls), [o.reason for o in outcomes]
    files = [amp_path(site, url) for url in urls]
    assert len(set(files)) == len(files)  # one-to-one
    for url, file in zip(urls, files, strict=True):
        assert all(len(name.encode()) <= FILE_NAME_BYTES for name in file.split("/")), file
        status, page = serve("/" + quote(file))  # as a browser requests the decoded path
        assert status == 200, (url, file)
        assert _canonical(page) == url  # the page of this URL, not of another


def test_percent_encoded_url_is_stored_decoded(site: SiteConfig) -> None:
    url = f"{BASE}/gaya-hidup/cr%C3%A8me-br%C3%BBl%C3%A9e"
    assert amp_path(site, url) == "amp/gaya-hidup/crème-brûlée.html"


def test_a_live_url_is_not_taken_by_another_id_until_its_takedown(tmp_path: Path, serve: Any) -> None:
    holder = _event(1, f"{BASE}/nasional/berita-asli")
    # The same URL as the newcomer writes it: another case, port, fragment and dot segment.
    newcomer = _event(2, "https://WWW.ANDALPOST.COM:443/nasional/x/../berita-asli#atas")
    outcomes = _publish(tmp_path, [holder, newcomer])
    assert [o.status for o in outcomes] == ["accepted", "rejected"]
    assert outcomes[1].reason.startswith("article/url:") and "url-1" in outcomes[1].reason
    status, page = serve("/amp/nasional/berita-asli.html")
    assert status == 200 and b"Berita URL nomor 1" in page and b"Berita URL nomor 2" not in page

    # Decided (docs/reliability.md): after the holder's takedown the URL is free.
    takedown = {
        "spec_version": "1",
        "event_id": "evt-url-1-down",
        "type": "article.unpublished",
        "occurred_at": "2023-09-12T13:47:03+07:00",
        "article": {"id": "url-1", "revision": 2},
    }
    newcomer["event_id"] = "evt-url-2-again"
    outcomes = _publish(tmp_path, [takedown, newcomer])
    assert [o.status for o in outcomes] == ["accepted", "accepted"]
    status, page = serve("/amp/nasional/berita-asli.html")
    assert status == 200 and b"Berita URL nomor 2" in page
    # ... and the old holder cannot take it back while the newcomer holds it.
    comeback = _event(1, f"{BASE}/nasional/berita-asli")
    comeback["article"]["revision"], comeback["event_id"] = 3, "evt-url-1-back"
    (outcome,) = _publish(tmp_path, [comeback])
    assert outcome.status == "rejected" and outcome.reason.startswith("article/url:")


def test_an_article_may_keep_or_change_its_own_url(tmp_path: Path, serve: Any) -> None:
    first = _event(1, f"{BASE}/nasional/lama")
    again = _event(1, f"{BASE}/nasional/lama#x")
    again["article"]["revision"], again["event_id"] = 2, "evt-url-1-r2"
    moved = _event(1, f"{BASE}/nasional/baru")
    moved["article"]["revision"], moved["event_id"] = 3, "evt-url-1-r3"
    reuse = _event(2, f"{BASE}/nasional/lama")
    outcomes = _publish(tmp_path, [first, again, moved, reuse])
    assert [o.status for o in outcomes] == ["accepted"] * 4
    assert serve("/amp/nasional/baru.html")[0] == 200
    assert b"Berita URL nomor 2" in serve("/amp/nasional/lama.html")[1]


# --- property: distinct normal-form URLs never share a file; one URL always has one file -----

_SEGMENT_CHARS = st.sampled_from(
    [
        *"aZ09-._~!$&'()*+,;=:@ /?#%[]\\",
        "%2F",
        "%2E",
        "%25",
        "%7E",
        "%C3%A8",
        "è",
        "index",
        "~q",
        "\x00",
        "\u202e",
    ]
)
_SEGMENT = st.lists(_SEGMENT_CHARS, max_size=8).map("".join)
_URL = st.builds(
    lambda segments, query, long: (
        BASE + "/" + "/".join(segments) + ("x" * long) + (f"?{query}" if query else "")
    ),
    st.lists(_SEGMENT, min_size=0, max_size=5),
    st.one_of(st.none(), _SEGMENT),
    st.sampled_from([0, 0, 0, 250, 900]),
)


def _normal_or_none(url: str) -> str | None:
    try:
        return normalise_url(url)
    except InvalidUrl:
        return None


@settings(max_examples=400, deadline=None)
@given(st.lists(_URL, min_size=2, max_size=6))
def test_distinct_normal_urls_have_distinct_files(urls: list[str]) -> None:
    normal = {n for n in map(_normal_or_none, urls) if n is not None}
    files = {url_file_path(n) for n in normal}
    assert len(files) == len(normal)
    for n in normal:
        assert url_file_path(n) == url_file_path(normalise_url(n))  # stable and idempotent
        file = url_file_path(n)
        assert not file.startswith("/") and "\x00" not in file
        assert all(name not in ("", ".", "..") for name in file.split("/"))
        assert all(len(name.encode()) <= FILE_NAME_BYTES - len(".html") for name in file.split("/"))
        assert urlsplit(n).fragment == ""


@pytest.mark.parametrize("size", [0, 1, 2047, 2048, 2049, 6000])
def test_bounded_key_stays_under_the_limit(size: int) -> None:
    text = "ü" * size
    key = bounded_key(text, 2048)
    assert len(key.encode()) <= 2048
    assert (key == text) == (len(text.encode()) <= 2048)
    assert bounded_key(text + "x", 2048) != key or len(text.encode()) < 2047


# --- AWS: DynamoDB keys from URLs stay under their limits; the URL claim is atomic -------------


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    from support.aws_runs import moto_environment

    with moto_environment() as endpoint:
        yield endpoint


def test_aws_long_url_publishes_rebuilds_and_keeps_keys_under_limits(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, site: SiteConfig
) -> None:
    from warta.handlers import rebuild
    from warta.handlers.ingest import RecordRejected

    from support.aws_runs import bucket_tree, drain, open_aws

    aws = open_aws(moto_endpoint, monkeypatch, NOW)
    long_url = f"{BASE}/nasional/" + "a" * (2000 - len(f"{BASE}/nasional/"))
    event = _event(1, long_url)
    event["article"]["tags"] = ["Ⅷ" * 100, "t" * 100]  # NFKD slugs of 400 and 100 bytes
    event["article"]["authors"] = [{"name": "Ⅷ" * 100}]
    assert len(long_url) == 2000
    assert aws.eventbridge(event)["status"] == "accepted"
    same_url = long_url.replace("www.andalpost", "WWW.ANDALPOST")
    with pytest.raises(RecordRejected, match=r"^article/url: .* is the URL of live article 'url-1'"):
        aws.eventbridge(_event(2, same_url))  # the URL claim holds; EventBridge retries, then DLQ
    drain(aws)
    tree = bucket_tree(aws.s3)
    page = tree[amp_path(site, long_url)]
    assert _canonical(page) == long_url
    items = _scan_all(aws.ddb)
    assert max(len(item["pk"]["S"].encode()) for item in items) <= 2048
    assert max(len(item["sk"]["S"].encode()) for item in items) <= 1024
    assert any(item["pk"]["S"].startswith("R#") for item in items)
    queued = rebuild.handler({}, aws.context)["queued"]
    assert queued > 0
    drain(aws)
    assert bucket_tree(aws.s3)[amp_path(site, long_url)] == page


def _scan_all(ddb: Any) -> list[dict[str, Any]]:
    from aws_harness import TABLE

    items: list[dict[str, Any]] = []
    for page in ddb.get_paginator("scan").paginate(TableName=TABLE):
        items += page["Items"]
    return items
