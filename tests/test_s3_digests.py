# ruff: noqa: F811  (tests take the `aws` fixture imported from test_aws_stack by name)
"""The render Lambda's digest manifest (issue 17, point 1): the files a site's batches keep
writing cost no HEAD once their digest is known, the bucket ends byte for byte as without it,
and a batch that dies leaves no manifest that could make a changed file look unchanged."""

from __future__ import annotations

import json
from collections import Counter, OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_harness import SITE_BUCKET, STATE_BUCKET, AwsHarness
from test_aws_stack import EVENT_FILES, aws, moto_endpoint  # noqa: F401 (fixtures)

from warta.adapters.s3_digests import MANIFEST_PREFIX, DigestManifest, KnownDigestStore
from warta.adapters.s3_store import S3Store

FEW = [p for p in EVENT_FILES if p.name[:3] in {"001", "002", "003", "004", "005"}]
UPDATE = [p for p in EVENT_FILES if p.name[:3] == "020"]  # 001 again: the same feeds and shard


class _Calls:
    """S3 operations the clients make, counted at botocore's level."""

    def __init__(self, client: Any) -> None:
        self.seen: Counter[str] = Counter()
        self.heads: list[str] = []
        client.meta.events.register("before-call.s3", self._count)

    def _count(self, model: Any, params: Any = None, **_: Any) -> None:
        self.seen[model.name] += 1
        if model.name == "HeadObject":
            self.heads.append(str((params or {}).get("url_path", "")))


@pytest.fixture
def counted(aws: AwsHarness) -> Iterator[_Calls]:
    from warta.handlers import runtime

    yield _Calls(runtime.stack().s3)


def _send(aws: AwsHarness, events: list[Path]) -> None:
    for path in events:
        aws.eventbridge(json.loads(path.read_bytes()))
    aws.drain_render_queue()


def test_known_files_cost_no_head_and_the_bucket_is_the_same(aws: AwsHarness, counted: _Calls) -> None:
    _send(aws, FEW)
    manifest = json.loads(
        aws.s3.get_object(Bucket=STATE_BUCKET, Key=f"{MANIFEST_PREFIX}andalpost.json")["Body"].read()
    )
    assert "feed/index.xml" in manifest and not any(path.startswith("amp/") for path in manifest)
    aws.eventbridge(json.loads(UPDATE[0].read_bytes()))
    counted.seen.clear()
    counted.heads.clear()
    aws.drain_render_queue()  # the render alone (ingest's empty-index guard asks S3 too)
    # Without the manifest each of the update's files was asked about first; now only its AMP
    # page is (AMP pages are not remembered), and the manifest is deleted (on the condition it is
    # still the copy this process put back: no read) and written back.
    assert counted.seen["HeadObject"] == 1, counted.heads
    assert counted.seen["PutObject"] >= 10  # the feeds, the shard, the page ... and the manifest
    before = aws.bucket_tree(SITE_BUCKET)
    aws.eventbridge(json.loads(UPDATE[0].read_bytes()))  # the same event again: stale
    counted.seen.clear()
    aws.drain_render_queue()
    assert counted.seen["PutObject"] <= 1  # the manifest itself, nothing of the site
    assert aws.bucket_tree(SITE_BUCKET) == before


def test_a_batch_that_dies_leaves_no_manifest(aws: AwsHarness) -> None:
    _send(aws, FEW)
    manifest = DigestManifest(aws.s3, STATE_BUCKET, "andalpost")
    known = manifest.take()
    assert known  # the batches so far put theirs back
    # A batch that dies here never puts it back: the next one asks S3 about every file.
    assert manifest.take() == {}
    manifest.put_back(known)
    assert manifest.take() == known


def test_a_take_after_this_process_put_it_back_deletes_it_unread_unless_it_changed(
    aws: AwsHarness,
) -> None:
    manifest = DigestManifest(aws.s3, STATE_BUCKET, "andalpost")
    calls = _Calls(aws.s3)
    known = OrderedDict([("feed/index.xml", "d1")])
    manifest.put_back(known)
    assert manifest.take() == known
    assert (calls.seen["GetObject"], calls.seen["DeleteObject"]) == (0, 1)
    assert manifest.take() == {}  # taken all the same: a batch that dies leaves none
    manifest.put_back(known)
    theirs = {"feed/index.xml": "d2"}  # another container's batch put back its own since
    aws.s3.put_object(Bucket=STATE_BUCKET, Key=manifest.key, Body=json.dumps(theirs).encode())
    calls.seen.clear()
    assert manifest.take() == theirs and calls.seen["GetObject"] == 1
    assert manifest.take() == {}
    manifest.put_back(known)
    aws.s3.delete_object(Bucket=STATE_BUCKET, Key=manifest.key)  # a rebuild forgot it
    assert manifest.take() == {}


def test_a_known_digest_skips_the_head_and_an_unknown_one_asks(aws: AwsHarness) -> None:
    store = S3Store(aws.s3, SITE_BUCKET)
    calls = _Calls(aws.s3)
    known: OrderedDict[str, str] = OrderedDict()
    digests = KnownDigestStore(store, known, lambda path: not path.startswith("amp/"))
    assert digests.put("feed/x.xml", b"a", "application/xml", "public") == "written"  # unknown: HEAD
    assert calls.seen["HeadObject"] == 1
    assert digests.put("feed/x.xml", b"a", "application/xml", "public") == "unchanged"  # no request
    assert digests.put("feed/x.xml", b"b", "application/xml", "public") == "written"  # no HEAD
    assert digests.put("feed/x.xml", b"b", "application/xml", "no-cache") == "written"  # headers count
    assert calls.seen["HeadObject"] == 1 and calls.seen["PutObject"] == 3
    assert digests.put("amp/p.html", b"p", "text/html", "public") == "written"
    assert "amp/p.html" not in known  # AMP pages are not remembered
    assert digests.delete("feed/x.xml") is True and calls.seen["HeadObject"] == 2  # amp/p's HEAD
    assert store.get("feed/x.xml") is None
    assert digests.delete("feed/x.xml") is False and calls.seen["HeadObject"] == 2  # known absent
    assert digests.delete("feed/never.xml") is False and calls.seen["HeadObject"] == 3  # asks once
    assert digests.delete("feed/never.xml") is False and calls.seen["HeadObject"] == 3
    assert digests.put("feed/never.xml", b"n", "application/xml", "public") == "written"
    assert calls.seen["HeadObject"] == 3 and store.get("feed/never.xml") == b"n"


def test_a_rebuild_forgets_every_manifest(aws: AwsHarness) -> None:
    from warta.handlers import rebuild, runtime

    _send(aws, FEW)
    listed = aws.s3.list_objects_v2(Bucket=STATE_BUCKET, Prefix=MANIFEST_PREFIX).get("KeyCount", 0)
    assert listed == 1
    runtime.stack.cache_clear()
    assert "queued" in rebuild.handler({}, aws.context)
    assert aws.s3.list_objects_v2(Bucket=STATE_BUCKET, Prefix=MANIFEST_PREFIX).get("KeyCount", 0) == 0
