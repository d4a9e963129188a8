"""`warta serve`: the output tree over HTTP on 127.0.0.1, as a CDN would answer.

Content type and cache control come from each object's stored metadata; ETag and
Last-Modified let feed readers and crawlers make conditional GETs, answered with 304;
If-None-Match uses the weak comparison RFC 9110 §13.1.2 asks for. A client that accepts
gzip gets the body gzipped (as a CDN would), tagged with the weak form of the ETag.
`/_status` is the operator's status page, rendered on each request (never a file of the tree).
With a webhook secret, `POST /_webhook` takes signed CMS events as the Lambda webhook does.
The AMP page of a taken-down article answers 410 Gone, so crawlers drop it rather than retry.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import mimetypes
from collections.abc import Callable, Mapping
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from warta.adapters.directory_store import read_metadata
from warta.app.webhook_rules import DEFAULT_MAX_BODY_BYTES, too_large_answer

LOOPBACK = "127.0.0.1"
STATUS_PATH = "/_status"
WEBHOOK_PATH = "/_webhook"
_EXTRA_TYPES = {
    ".xml": "application/xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


WEAK_PREFIX = "W/"  # RFC 9110 §8.8.3


class StatusUnavailable(Exception):
    """The status page cannot be made (no site config, say); the message says why."""


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _opaque(tag: str) -> str:
    """The opaque tag a weak comparison looks at: `W/"x"` and `"x"` are the same."""
    tag = tag.strip()
    return tag[len(WEAK_PREFIX) :] if tag.startswith(WEAK_PREFIX) else tag


def accepts_gzip(accept_encoding: str | None) -> bool:
    """True when the Accept-Encoding header lists gzip (or *) with a non-zero q (RFC 9110 §12.5.3)."""
    for item in (accept_encoding or "").split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() not in ("gzip", "x-gzip", "*"):
            continue
        q = params.strip().lower()
        if q.startswith("q="):
            try:
                return float(q[2:]) > 0
            except ValueError:
                return False
        return True
    return False


class OutputRequestHandler(BaseHTTPRequestHandler):
    root: Path
    meta_root: Path
    status_page: Callable[[], bytes] | None = None
    # (lower-cased headers, body) -> (status, JSON answer); see cli/serve_webhook.py
    webhook: Callable[[Mapping[str, str], bytes], tuple[int, dict[str, Any]]] | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    is_gone: Callable[[str], bool] | None = None  # tree path -> taken down
    server_version = "warta"

    def _resolve(self) -> Path | None:
        rel = unquote(urlsplit(self.path).path).lstrip("/")
        try:
            target = (self.root / rel).resolve()
            if target != self.root and self.root not in target.parents:
                return None
            if target.is_dir():
                target = target / "index.html"
            elif rel.endswith("/"):
                return None  # like an object store: "feed/index.xml/" is no key
            return target if target.is_file() else None
        except (OSError, ValueError):  # NUL bytes, names too long: no such object
            return None

    def _metadata(self, target: Path) -> dict[str, str]:
        return read_metadata(self.root, self.meta_root, target.relative_to(self.root).as_posix())

    def _not_modified(self, etag: str, mtime: float) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            if if_none_match.strip() == "*":
                return True
            return _opaque(etag) in [_opaque(tag) for tag in if_none_match.split(",")]
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                return int(mtime) <= parsedate_to_datetime(since).timestamp()
            except (TypeError, ValueError):
                return False
        return False

    def _answer_status(self, with_body: bool) -> None:
        assert self.status_page is not None
        status, content_type = HTTPStatus.OK, "text/html; charset=utf-8"
        try:
            body = self.status_page()
        except StatusUnavailable as exc:
            status, content_type = HTTPStatus.SERVICE_UNAVAILABLE, "text/plain; charset=utf-8"
            body = f"warta status unavailable: {exc}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def _answer(self, with_body: bool) -> None:
        if self.status_page is not None and urlsplit(self.path).path == STATUS_PATH:
            self._answer_status(with_body)
            return
        rel = unquote(urlsplit(self.path).path).lstrip("/")
        if self.is_gone is not None and self.is_gone(rel):
            # even if a copy is still on disk (restored by hand): the takedown wins
            self.send_error(HTTPStatus.GONE)
            return
        target = self._resolve()
        if target is None:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        body = target.read_bytes()
        meta = self._metadata(target)
        etag = _etag(body)
        gzipped = accepts_gzip(self.headers.get("Accept-Encoding"))
        if gzipped:
            body = gzip.compress(body, mtime=0)
            etag = WEAK_PREFIX + etag  # same content, another byte sequence
        mtime = target.stat().st_mtime
        status = HTTPStatus.NOT_MODIFIED if self._not_modified(etag, mtime) else HTTPStatus.OK
        self.send_response(status)
        content_type = (
            meta.get("content_type")
            or _EXTRA_TYPES.get(target.suffix)
            or (mimetypes.guess_type(target.name)[0] or "application/octet-stream")
        )
        self.send_header("Content-Type", content_type)
        self.send_header("ETag", etag)
        self.send_header("Vary", "Accept-Encoding")
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Last-Modified", formatdate(mtime, usegmt=True))
        if meta.get("cache_control"):
            self.send_header("Cache-Control", meta["cache_control"])
        if status == HTTPStatus.OK:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body and status == HTTPStatus.OK:
            self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        if self.webhook is None or urlsplit(self.path).path != WEBHOOK_PATH:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        length = self.headers.get("Content-Length", "")
        if not length.isascii() or not length.isdigit():
            self.close_connection = True
            self._send_json(HTTPStatus.LENGTH_REQUIRED, {"error": "Content-Length: required"})
            return
        if int(length) > self.max_body_bytes:  # size first: nothing read or parsed past the limit
            self.close_connection = True
            self._send_json(*too_large_answer(self.max_body_bytes))
            return
        body = self.rfile.read(int(length))
        headers = {name.lower(): value for name, value in self.headers.items()}
        self._send_json(*self.webhook(headers, body))

    def log_message(self, format: str, *args: object) -> None:
        pass


def make_server(
    root: Path,
    meta_root: Path,
    port: int = 0,
    status_page: Callable[[], bytes] | None = None,
    webhook: Callable[[Mapping[str, str], bytes], tuple[int, dict[str, Any]]] | None = None,
    is_gone: Callable[[str], bool] | None = None,
) -> ThreadingHTTPServer:
    attrs: dict[str, object] = {"root": root.resolve(), "meta_root": meta_root.resolve()}
    # staticmethod: a plain function stored on the class would be bound as a method.
    if is_gone is not None:
        attrs["is_gone"] = staticmethod(is_gone)
    if status_page is not None:
        attrs["status_page"] = staticmethod(status_page)
    if webhook is not None:
        attrs["webhook"] = staticmethod(webhook)
    handler = type("BoundOutputRequestHandler", (OutputRequestHandler,), attrs)
    return ThreadingHTTPServer((LOOPBACK, port), handler)


def serve(
    root: Path,
    meta_root: Path,
    port: int,
    status_page: Callable[[], bytes] | None = None,
    webhook: Callable[[Mapping[str, str], bytes], tuple[int, dict[str, Any]]] | None = None,
    is_gone: Callable[[str], bool] | None = None,
) -> None:
    server = make_server(root, meta_root, port, status_page, webhook, is_gone)
    host, bound = server.server_address[:2]
    print(f"serving {root} at http://{host!s}:{bound}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
