"""`warta serve --webhook-secret-file`: the Lambda webhook's rules and answers at POST /_webhook."""

from __future__ import annotations

import argparse
import http.client
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from warta.app.webhook_rules import REPLAY_WINDOW_SECONDS, signature_for
from warta.cli.serve import make_server
from warta.cli.serve_webhook import make_receiver

from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE

SECRET = b"local-test-secret"
EVENT = sorted(EXAMPLE_EVENTS.glob("*.json"))[0].read_bytes()
MAX_BYTES = 4096


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, int, Path]]:
    args = argparse.Namespace(
        config=[str(EXAMPLE_SITE)], out=str(tmp_path / "public"), state=str(tmp_path / "state")
    )
    (tmp_path / "public").mkdir()
    httpd = make_server(
        tmp_path / "public", tmp_path / "state" / "objects", 0, None, make_receiver(args, SECRET)
    )
    httpd.RequestHandlerClass.max_body_bytes = max(MAX_BYTES, len(EVENT) + 1)  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    host, port = httpd.server_address[:2]
    yield str(host), int(port), tmp_path / "public"
    httpd.shutdown()
    httpd.server_close()


def _post(
    server: tuple[str, int, Path], body: bytes, headers: dict[str, str] | None = None, path: str = "/_webhook"
) -> tuple[int, dict[str, Any]]:
    if headers is None:
        timestamp = str(int(time.time()))
        headers = {
            "X-Warta-Timestamp": timestamp,
            "X-Warta-Signature": signature_for(SECRET, timestamp, body),
        }
    conn = http.client.HTTPConnection(server[0], server[1], timeout=30)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw.startswith(b"{") else {}
    finally:
        conn.close()


def test_a_signed_event_is_published_into_the_served_tree(server: tuple[str, int, Path]) -> None:
    status, answer = _post(server, EVENT)
    assert status == 202 and answer["status"] == "accepted"
    event = json.loads(EVENT)
    assert answer["event_id"] == event["event_id"]
    assert list((server[2] / "amp").rglob("*.html")), "the AMP page of the event"
    assert _post(server, EVENT)[0] == 200  # the same revision again: stale, changes nothing


def _signed(body: bytes, timestamp: str, secret: bytes = SECRET) -> dict[str, str]:
    return {"X-Warta-Timestamp": timestamp, "X-Warta-Signature": signature_for(secret, timestamp, body)}


@pytest.mark.parametrize(
    ("case", "expected_error"),
    [
        ("no headers", "missing signature or timestamp header"),
        ("wrong secret", "signature does not match"),
        ("just outside the window", "timestamp outside the replay window"),
        ("timestamp not digits", "timestamp is not Unix seconds (ASCII digits)"),
    ],
)
def test_refused_requests_get_the_lambdas_401(
    server: tuple[str, int, Path], case: str, expected_error: str
) -> None:
    now = int(time.time())
    headers = {
        "no headers": {},
        "wrong secret": _signed(EVENT, str(now), b"other"),
        "just outside the window": _signed(EVENT, str(now - REPLAY_WINDOW_SECONDS - 5)),
        "timestamp not digits": _signed(EVENT, f"+{now}"),
    }[case]
    assert _post(server, EVENT, headers) == (401, {"error": expected_error})
    assert not list(server[2].rglob("*.html"))


def test_a_takedown_and_a_rejection_through_the_webhook_are_recorded_as_publish_records_them(
    server: tuple[str, int, Path],
) -> None:
    """The takedown's page answers 410 in `warta serve` (its URL is recorded), and the rejected
    event is on the status page's list, as after `warta publish`."""
    from warta.adapters.sqlite_ops import OpsLog
    from warta.cli.gone import taken_down_paths

    event = json.loads(EVENT)
    assert _post(server, EVENT)[0] == 202
    takedown = {
        "spec_version": "1",
        "event_id": "evt-webhook-takedown",
        "type": "article.unpublished",
        "occurred_at": event["occurred_at"],
        "article": {"id": event["article"]["id"], "revision": event["article"]["revision"] + 1},
    }
    assert _post(server, json.dumps(takedown).encode())[0] == 202
    state = server[2].parent / "state"
    page = f"amp/{event['article']['url'].split('/', 3)[3]}.html"
    assert taken_down_paths([EXAMPLE_SITE], state) == {page}
    broken = dict(event, event_id="evt-broken")
    del broken["type"]
    assert _post(server, json.dumps(broken).encode())[0] == 400
    ops = OpsLog(state / "index.sqlite3")
    try:
        (rejection,) = ops.recent_rejections()
    finally:
        ops.close()
    assert (rejection.source, rejection.event_id) == ("webhook:local", "evt-broken")
    assert rejection.reason.startswith("type") or "type" in rejection.reason


def test_inside_the_window_is_accepted(server: tuple[str, int, Path]) -> None:
    timestamp = str(int(time.time()) - REPLAY_WINDOW_SECONDS + 30)
    assert _post(server, EVENT, _signed(EVENT, timestamp))[0] == 202


def test_an_invalid_event_gets_400_naming_the_field(server: tuple[str, int, Path]) -> None:
    event = json.loads(EVENT)
    del event["article"]["title"]
    status, answer = _post(server, json.dumps(event).encode())
    assert status == 400 and answer["field"] == "article" and "title" in answer["error"]
    assert answer["error"].startswith(answer["field"] + ": ")


@pytest.mark.parametrize(("extra", "status"), [(0, 202), (1, 413)])
def test_the_size_limit_is_the_last_byte_allowed(
    server: tuple[str, int, Path], extra: int, status: int
) -> None:
    limit = max(MAX_BYTES, len(EVENT) + 1)
    body = EVENT.rstrip() + b" " * (limit - len(EVENT.rstrip()) + extra)
    assert len(body) == limit + extra
    assert _post(server, body)[0] == status


def test_other_paths_take_no_post(server: tuple[str, int, Path]) -> None:
    assert _post(server, EVENT, path="/events")[0] == 404
