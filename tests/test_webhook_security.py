"""The signed webhook against hostile callers: every refusal leaves the index, the bucket and the
render queue as they were; the signature is compared in constant time; an oversized body is
refused before anything decodes or parses it.

A replay (the same timestamp, signature and body again inside the five-minute window) is not
refused: it is answered from the idempotency record of its `event_id` and changes nothing. Past
the window the timestamp check refuses it, and the window is far shorter than the idempotency
records live, so no replay ever runs an event twice.
"""

from __future__ import annotations

import hashlib
import hmac
import inspect
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from aws_harness import SECRET, TABLE, AwsHarness

from conftest import EXAMPLE_EVENTS
from support.aws_runs import bucket_tree, drain, moto_environment, open_aws

NOW = datetime.fromisoformat("2023-09-21T00:00:00+07:00")
EVENTS = sorted(EXAMPLE_EVENTS.glob("*.json"))


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    with moto_environment() as endpoint:
        yield endpoint


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> AwsHarness:
    harness = open_aws(moto_endpoint, monkeypatch, NOW)
    for path in EVENTS[:3]:
        assert harness.webhook(path.read_bytes(), NOW)["statusCode"] == 202
    drain(harness)
    return harness


def state(aws: AwsHarness) -> tuple[list[Any], dict[str, bytes], str]:
    items = [
        item
        for page in aws.ddb.get_paginator("scan").paginate(TableName=TABLE)
        for item in page.get("Items", [])
    ]
    waiting = aws.sqs_client.get_queue_attributes(
        QueueUrl=aws.render_queue, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"]
    return (
        sorted(items, key=lambda i: json.dumps(i, sort_keys=True, default=str)),
        bucket_tree(aws.s3),
        waiting,
    )


def signed_headers(body: bytes, moment: datetime, secret: str = SECRET) -> dict[str, str]:
    """Signed as infra/README.md tells a CMS to sign, written apart from the handler's code."""
    timestamp = str(int(moment.timestamp()))
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {
        "content-type": "application/json",
        "x-warta-timestamp": timestamp,
        "x-warta-signature": f"sha256={digest}",
    }


def _refusals() -> dict[str, tuple[bytes, dict[str, str]]]:
    body = EVENTS[3].read_bytes()
    other = EVENTS[4].read_bytes()
    good = signed_headers(body, NOW)
    return {
        "missing": (body, {"content-type": "application/json"}),
        "no timestamp": (body, {k: v for k, v in good.items() if k != "x-warta-timestamp"}),
        "wrong secret": (body, signed_headers(body, NOW, secret="bukan-rahasia")),
        "stale": (body, signed_headers(body, NOW - timedelta(minutes=6))),
        "from the future": (body, signed_headers(body, NOW + timedelta(minutes=6))),
        "another body's signature": (body, signed_headers(other, NOW)),
        "timestamp not the signed one": (body, {**good, "x-warta-timestamp": str(int(NOW.timestamp()) - 1)}),
        "signature without scheme": (body, {**good, "x-warta-signature": good["x-warta-signature"][7:]}),
        "signature in upper case": (body, {**good, "x-warta-signature": good["x-warta-signature"].upper()}),
        "timestamp not a number": (body, {**good, "x-warta-timestamp": "kemarin"}),
    }


def test_bad_signatures_are_refused_without_touching_state(aws: AwsHarness) -> None:
    refusals = _refusals()
    assert len(refusals) == 10
    before = state(aws)
    for case, (body, headers) in refusals.items():
        response = aws.webhook(body, NOW, headers=headers)
        assert response["statusCode"] == 401, (case, response)
        assert state(aws) == before, case
    # The same body, signed right, goes in: the refusals were about the signature alone.
    body, headers = refusals["missing"][0], signed_headers(refusals["missing"][0], NOW)
    assert aws.webhook(body, NOW, headers=headers)["statusCode"] == 202


def test_a_replay_inside_the_window_is_answered_and_changes_nothing(aws: AwsHarness) -> None:
    body = EVENTS[3].read_bytes()
    headers = signed_headers(body, NOW)
    first = aws.webhook(body, NOW, headers=headers)
    assert first["statusCode"] == 202
    drain(aws)
    after_first = state(aws)
    replay = aws.webhook(body, NOW, headers=headers)
    assert (replay["statusCode"], replay["body"]) == (first["statusCode"], first["body"])
    assert state(aws) == after_first  # no index write, no push, no render signal


def test_the_replay_window_is_shorter_than_the_idempotency_records_live() -> None:
    from warta.app.webhook_rules import REPLAY_WINDOW_SECONDS
    from warta.handlers.runtime import IDEMPOTENCY_EXPIRY_SECONDS

    assert REPLAY_WINDOW_SECONDS * 2 < IDEMPOTENCY_EXPIRY_SECONDS  # a window each side of now


def test_the_signature_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from warta.handlers import runtime, webhook

    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def recording(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", recording)
    monkeypatch.setattr(webhook, "_secret", lambda: SECRET.encode())
    monkeypatch.setattr(runtime, "now", lambda: NOW)
    body = b'{"event_id": "e"}'
    headers = signed_headers(body, NOW)
    assert webhook._signature_problem(headers, body) is None
    forged = {**headers, "x-warta-signature": "sha256=" + "0" * 64}
    assert webhook._signature_problem(forged, body) == "signature does not match"
    assert calls == [
        (headers["x-warta-signature"].encode(), headers["x-warta-signature"].encode()),
        (forged["x-warta-signature"].encode(), headers["x-warta-signature"].encode()),
    ]
    # And nothing else compares signatures: no `==` on them anywhere in the module.
    source = inspect.getsource(webhook)
    assert "signature ==" not in source and "== signature" not in source and "digest ==" not in source


class Forbidden:
    """Stands for a decoder or parser that must not be reached."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __getattr__(self, attribute: str) -> Any:
        raise AssertionError(f"{self.name}.{attribute} was used on an oversized body")


def test_an_oversized_body_is_refused_before_it_is_decoded_or_parsed(
    aws: AwsHarness, monkeypatch: pytest.MonkeyPatch
) -> None:

    limit = 4096
    monkeypatch.setenv("WARTA_WEBHOOK_MAX_BYTES", str(limit))
    event = json.loads(EVENTS[5].read_bytes())
    event["article"]["pages"] = ["<p>" + "kata " * 2000 + "</p>"]
    body = json.dumps(event).encode()
    assert len(body) > limit
    headers = signed_headers(body, NOW)  # even a correctly signed one
    before = state(aws)
    for encoded in (True, False):
        assert oversized(aws, monkeypatch, body, headers, encoded)["statusCode"] == 413
        assert state(aws) == before


def oversized(
    aws: AwsHarness, monkeypatch: pytest.MonkeyPatch, body: bytes, headers: dict[str, str], encoded: bool
) -> dict[str, Any]:
    import base64

    from warta.app import ingest
    from warta.handlers import runtime, webhook

    request = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/",
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "http": {"method": "POST", "path": "/", "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1"},
            "requestId": "oversized",
            "routeKey": "$default",
            "stage": "$default",
            "accountId": "123456789012",
            "apiId": "urlid",
            "domainName": "urlid.lambda-url.us-east-1.on.aws",
            "time": "21/Sep/2023:00:00:00 +0000",
            "timeEpoch": 1695229200000,
        },
        "body": base64.b64encode(body).decode() if encoded else body.decode(),
        "isBase64Encoded": encoded,
    }
    with monkeypatch.context() as patch:
        patch.setattr(webhook, "base64", Forbidden("base64"))
        patch.setattr(runtime, "decode_event", Forbidden("decode_event"))
        patch.setattr(ingest, "parse_event", Forbidden("parse_event"))
        patch.setattr(webhook, "_secret", Forbidden("the secret"))
        return webhook.handler(request, aws.context)
