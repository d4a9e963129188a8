# ruff: noqa: F811  (tests take the `aws` fixture imported from test_aws_stack by name)
"""The rebuild Lambda on moto: it sweeps exactly the strays of the bucket, and refuses an empty
table beside a populated bucket (logged, counted, alarmed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_harness import CONFIG_KEY, SITE_BUCKET, STATE_BUCKET, TABLE, AwsHarness
from test_aws_stack import EVENT_FILES, aws, moto_endpoint  # noqa: F401 (fixtures)

from conftest import EXAMPLE_SITE

TAKEN_DOWN_AMP = "amp/hiburan/senandung-kabut-rilis-album-kedua-gema-lembah.html"
NOT_THE_SITES = {
    "kabar/feed/index.xml": b"<rss/>",  # another site sharing the bucket
    "static/app.css": b"body{}",
    "amp/notes.txt": b"not an AMP page",
}


# A few articles, one of them published and taken down: enough for every kind of stray.
FEW_EVENTS = [p for p in EVENT_FILES if p.name[:3] in {"001", "002", "004", "016", "022"}]


def _publish(aws: AwsHarness, events: list[Path] = FEW_EVENTS) -> None:
    for path in events:
        aws.eventbridge(json.loads(path.read_bytes()))
    aws.drain_render_queue()


def _keys(aws: AwsHarness) -> set[str]:
    pages = aws.s3.get_paginator("list_objects_v2").paginate(Bucket=SITE_BUCKET)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


def _put(aws: AwsHarness, files: dict[str, bytes]) -> None:
    for key, body in files.items():
        aws.s3.put_object(Bucket=SITE_BUCKET, Key=key, Body=body)


def _rebuild(aws: AwsHarness, payload: dict) -> dict:
    from warta.handlers import rebuild, runtime

    runtime.stack.cache_clear()
    return rebuild.handler(payload, aws.context)


def test_rebuild_lambda_sweeps_exactly_the_strays(aws: AwsHarness, tmp_path: Path) -> None:
    _publish(aws)
    assert TAKEN_DOWN_AMP not in _keys(aws)
    # A config change: AMP pages move from amp/ to m/; every amp/ page is now an old path.
    old_pages = {k for k in _keys(aws) if k.startswith("amp/")}
    moved = EXAMPLE_SITE.read_text().replace('path = "amp/{path}.html"', 'path = "m/{path}.html"')
    aws.s3.put_object(Bucket=STATE_BUCKET, Key=CONFIG_KEY, Body=moved.encode())
    planted = {
        TAKEN_DOWN_AMP: b"<html>restored by hand</html>",  # as an S3 version restore would
        "feed/atom/.warta-tmp-k1ll3d": b"half",
        "feed/tag/a-tag-no-article-has.xml": b"<rss/>",
        "sitemaps/2019-01.xml": b"<urlset/>",
    }
    _put(aws, planted)
    _put(aws, NOT_THE_SITES)
    strays = old_pages | set(planted)
    before = _keys(aws)

    dry = _rebuild(aws, {"dry_run": True})
    assert dry["strays"] == len(strays) and set(dry["paths"]) == strays
    assert _keys(aws) == before

    answer = _rebuild(aws, {})
    assert answer["strays_removed"] == len(strays)
    assert _keys(aws) == before - strays
    aws.drain_render_queue()
    keys = _keys(aws)
    assert {k.replace("m/", "amp/", 1) for k in keys if k.startswith("m/")} == old_pages - {TAKEN_DOWN_AMP}
    for key, body in NOT_THE_SITES.items():
        assert aws.s3.get_object(Bucket=SITE_BUCKET, Key=key)["Body"].read() == body
    assert _rebuild(aws, {"dry_run": True})["strays"] == 0


def test_rebuild_lambda_refuses_an_empty_table_beside_a_populated_bucket(
    aws: AwsHarness, capsys: pytest.CaptureFixture[str]
) -> None:
    _publish(aws)
    items = aws.ddb.scan(TableName=TABLE, ProjectionExpression="pk, sk")["Items"]
    for item in items:  # an emptied (or newly created) table
        aws.ddb.delete_item(TableName=TABLE, Key=item)
    before = _keys(aws)
    capsys.readouterr()
    answer = _rebuild(aws, {})
    assert "index is new or empty" in answer["refused"]
    assert _keys(aws) == before
    out = capsys.readouterr().out
    metrics = [json.loads(line) for line in out.splitlines() if '"EmptyIndexRefused"' in line]
    assert metrics, out  # the EmptyIndexRefusedAlarm counts these (template.yaml)
    # Saying so goes on: the tree becomes what the (empty) table holds.
    answer = _rebuild(aws, {"new_index": True})
    assert answer["strays_removed"] > 0
    keys = _keys(aws)
    assert not {k for k in keys if k.startswith(("amp/", "sitemaps/", "feed/ekonomi"))}
    assert "feed/index.xml" in keys  # the home feed is planned even when empty


def test_ingest_refuses_an_empty_table_beside_a_populated_bucket(
    aws: AwsHarness, capsys: pytest.CaptureFixture[str]
) -> None:
    from warta.app.sweep import EmptyIndexError

    _publish(aws)
    for item in aws.ddb.scan(TableName=TABLE, ProjectionExpression="pk, sk")["Items"]:
        aws.ddb.delete_item(TableName=TABLE, Key=item)
    before = {key: body for key, body in aws.bucket_tree().items()}
    from warta.handlers import runtime

    runtime.stack.cache_clear()
    capsys.readouterr()
    event = json.loads(EVENT_FILES[2].read_bytes())
    with pytest.raises(EmptyIndexError):  # fails, so it is retried and lands in a dead-letter queue
        aws.eventbridge(event)
    assert aws.ddb.scan(TableName=TABLE)["Count"] == 0  # nothing written
    aws.drain_render_queue()
    assert aws.bucket_tree() == before  # the tree did not shrink
    assert '"EmptyIndexRefused"' in capsys.readouterr().out
    # The operator accepts the table as it is; then events go through again.
    assert _rebuild(aws, {"new_index": True})["strays_removed"] > 0
    aws.drain_render_queue()
    runtime.stack.cache_clear()
    assert aws.eventbridge(event)["status"] == "accepted"
