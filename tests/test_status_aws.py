"""The status report on AWS, on a moto server over HTTP: rewritten after each render batch into
the private state bucket, with the counts, feeds, shards and rejected events the local report
shows for the same events and clock; and recording never fails an event or a batch."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import pytest
import requests
from aws_harness import SITE_BUCKET, STATE_BUCKET, AwsHarness, json_bytes
from lxml import html

from warta.adapters.directory_store import DirectoryStore
from warta.adapters.dynamodb_ops import TTL_ATTRIBUTE, DynamoOpsLog
from warta.adapters.local_stack import open_local_stack
from warta.adapters.s3_status import DEFAULT_STATUS_PREFIX, S3StatusStore
from warta.adapters.sqlite_ops import OpsLog
from warta.app.render import RenderReport, render_pending
from warta.cli.main import main
from warta.cli.status import status_page
from warta.core.config import load_deployment
from warta.core.planner import site_wide_outputs
from warta.status import StaleStatus
from warta.status import batches as status_batches
from warta.status.batches import SiteState, update_site_state
from warta.status.report import check_files

from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE, shared_path
from support.aws_runs import moto_environment

NOW = "2023-09-21T00:00:00+07:00"
REPORT_KEY = DEFAULT_STATUS_PREFIX + "index.html"
EVENT_FILES = sorted(EXAMPLE_EVENTS.glob("*.json"))
FIELD = re.compile(r"^(\(event\)|\(root\)|type|article(/[a-z_]+)*): ")


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with moto_environment() as url:
        yield url


@pytest.fixture
def aws(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsHarness]:
    from warta.handlers import runtime

    requests.post(f"{endpoint}/moto-api/reset", timeout=30).raise_for_status()
    harness = AwsHarness(EXAMPLE_SITE)
    for name, value in harness.create_resources().items():
        monkeypatch.setenv(name, value)
    runtime.stack.cache_clear()
    fixed = datetime.fromisoformat(NOW)
    monkeypatch.setattr(runtime, "now", lambda: fixed)
    yield harness
    runtime.stack.cache_clear()


def invalid_events() -> list[Path]:
    return sorted(shared_path("corpus", "invalid").glob("*.json"))


def _is_typed_object(raw: bytes) -> bool:
    try:
        data = json.loads(raw)
    except ValueError:
        return False
    return isinstance(data, dict) and isinstance(data.get("type"), str)


def send(aws: AwsHarness, paths: list[Path]) -> None:
    """Round robin over EventBridge, SQS, the signed webhook and the S3 inbox, as the CMS would;
    EventBridge carries only JSON objects with a type (its detail-type), so others go by SQS."""
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    from warta.handlers.ingest import RecordRejected

    now = datetime.fromisoformat(NOW)
    for number, path in enumerate(paths):
        raw = path.read_bytes()
        route = number % 4
        # A rejection fails its EventBridge delivery (retried, then dead-lettered) and its SQS
        # record (a batch of one that fails whole raises, so SQS returns it).
        with contextlib.suppress(RecordRejected, BatchProcessingError):
            if route == 0 and _is_typed_object(raw):
                aws.eventbridge(json.loads(raw))
            elif route in (0, 1):
                aws.sqs([raw.decode("utf-8", "replace")])
            elif route == 2:
                assert aws.webhook(raw, now)["statusCode"] in (200, 202, 400)
            else:
                aws.inbox(path.name, raw)


def report_page(aws: AwsHarness) -> html.HtmlElement:
    found = aws.s3.get_object(Bucket=STATE_BUCKET, Key=REPORT_KEY)
    assert found["ContentType"].startswith("text/html")
    return html.fromstring(found["Body"].read())


def counts(doc: html.HtmlElement) -> dict[str, int]:
    return {b.get("data-count"): int(b.text_content()) for b in doc.xpath("//*[@data-count]")}


def feeds(doc: html.HtmlElement) -> dict[str, tuple[str, str]]:
    return {
        row.get("data-feed"): (
            row.xpath("string(.//*[@data-items])"),
            row.xpath("string(.//*[@data-valid]/@data-valid)"),
        )
        for row in doc.xpath("//tr[@data-feed]")
    }


def shards(doc: html.HtmlElement) -> dict[str, str]:
    return {
        row.get("data-shard"): row.xpath("string(.//*[@data-urls])") for row in doc.xpath("//tr[@data-shard]")
    }


def rejections(doc: html.HtmlElement) -> list[tuple[str, str]]:
    return [
        (row.xpath("string(td[2])"), row.xpath("string(*[@data-reason])"))
        for row in doc.xpath("//tr[@data-rejection]")
    ]


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[html.HtmlElement, list[str]]:
    """`warta publish` of the corpus and the invalid events, then `warta status`, same clock."""
    tmp = tmp_path_factory.mktemp("local")
    out, state = tmp / "public", tmp / "state"
    args = ["publish", "--config", str(EXAMPLE_SITE), "--out", str(out), "--state", str(state)]
    invalid = tmp / "invalid"
    invalid.mkdir()
    for path in invalid_events():
        (invalid / path.name).write_bytes(path.read_bytes())
    assert main([*args, "--now", NOW, "--progress", "off", str(EXAMPLE_EVENTS), str(invalid)]) == 2
    page = status_page([EXAMPLE_SITE], out, state, datetime.fromisoformat(NOW))
    return html.fromstring(page), sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())


def test_the_report_shows_what_the_local_one_shows_and_stays_private(
    aws: AwsHarness, local_run: tuple[html.HtmlElement, list[str]]
) -> None:
    local_report, local_files = local_run
    send(aws, EVENT_FILES)
    send(aws, invalid_events())
    assert aws.drain_render_queue() >= 1
    doc = report_page(aws)
    # Private: in the state bucket, never among the public outputs CloudFront serves.
    assert sorted(aws.bucket_tree(SITE_BUCKET)) == local_files
    assert "s3://warta-site" in doc.xpath("string(//header)")
    # The same counts, feeds and shards as `warta status` of the same events at the same clock.
    assert counts(doc) == counts(local_report)
    assert counts(doc)["live"] > 0 and counts(doc)["taken-down"] == 1
    assert feeds(doc) == feeds(local_report) and feeds(doc)
    assert shards(doc) == shards(local_report) and shards(doc)
    assert "never" not in doc.xpath("string(//*[@data-last='render'])")
    # Every rejected event, each with the reason the local run gave, naming the field first.
    got = rejections(doc)
    assert len(got) == len(invalid_events())
    assert sorted(reason for _, reason in got) == sorted(reason for _, reason in rejections(local_report))
    assert all(FIELD.match(reason) for _, reason in got), got
    sources = {source.split(":", 1)[0] for source, _ in got}
    assert sources == {"eventbridge", "sqs", "webhook", "s3"}
    revision_zero = [r for _, r in got if r.startswith("article/revision:")]
    assert revision_zero == ["article/revision: 0 is less than the minimum of 1"]
    # AMP pages are not validated in Lambda, and the page says so.
    assert "AMP validator" in doc.xpath("string(//main)")


def test_the_report_is_rewritten_after_the_next_render_batch(aws: AwsHarness) -> None:
    send(aws, EVENT_FILES)
    aws.drain_render_queue()
    before = report_page(aws)
    gone = json.loads(next(p for p in EVENT_FILES if p.name.startswith("020")).read_bytes())["article"]
    takedown = {
        "spec_version": "1",
        "event_id": "evt-status-takedown",
        "type": "article.unpublished",
        "occurred_at": "2023-09-20T10:00:00+07:00",
        "article": {"id": gone["id"], "revision": gone["revision"] + 1},
    }
    assert aws.sqs([json.dumps(takedown)])[1] == {"batchItemFailures": []}
    assert aws.drain_render_queue() >= 1
    after = report_page(aws)
    was, now = counts(before), counts(after)
    assert (now["live"], now["taken-down"]) == (was["live"] - 1, was["taken-down"] + 1)
    home_before, home_after = feeds(before)["feed/index.xml"], feeds(after)["feed/index.xml"]
    assert int(home_after[0]) == int(home_before[0]) - 1 and home_after[1] == "true"
    assert gone["title"] not in html.tostring(after, encoding="unicode").split("Sitemap shards")[1]
    # Brought back by a newer revision: no longer counted as taken down.
    back = json.loads(next(p for p in EVENT_FILES if p.name.startswith("020")).read_bytes())
    back["event_id"] = "evt-status-back"
    back["article"]["revision"] = gone["revision"] + 2
    assert aws.eventbridge(back)["status"] == "accepted"
    aws.drain_render_queue()
    assert counts(report_page(aws)) == was


def test_failures_to_record_never_fail_an_event_or_a_batch(
    aws: AwsHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warta.handlers.ingest import RecordRejected

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("DynamoDB is down")

    monkeypatch.setattr(DynamoOpsLog, "record_rejection", broken)
    monkeypatch.setattr(DynamoOpsLog, "record_takedown", broken)
    monkeypatch.setattr(DynamoOpsLog, "clear_takedown", broken)
    good = [p.read_text() for p in EVENT_FILES[:2]]
    records, response = aws.sqs([good[0], "{not json", good[1]])
    assert response == {"batchItemFailures": [{"itemIdentifier": records[1]["messageId"]}]}
    bad = json.loads(EVENT_FILES[2].read_bytes())
    bad["article"]["revision"] = 0
    assert aws.webhook(json_bytes(bad), datetime.fromisoformat(NOW))["statusCode"] == 400
    assert aws.inbox("rusak.json", b"{")["results"][0]["status"] == "rejected"
    with pytest.raises(RecordRejected):
        aws.eventbridge(bad)
    takedown = {
        "spec_version": "1",
        "event_id": "evt-takedown-unrecorded",
        "type": "article.unpublished",
        "occurred_at": "2023-09-20T10:00:00+07:00",
        "article": {"id": json.loads(good[0])["article"]["id"], "revision": 9},
    }
    assert aws.eventbridge(takedown)["status"] == "accepted"
    # And a status report that cannot be written leaves the render batch a success.
    monkeypatch.setattr(S3StatusStore, "write", broken)
    assert aws.drain_render_queue() >= 1  # asserts no batch item failed
    assert "feed/index.xml" in aws.bucket_tree(SITE_BUCKET)
    assert "Contents" not in aws.s3.list_objects_v2(Bucket=STATE_BUCKET, Prefix=DEFAULT_STATUS_PREFIX)


def test_a_retried_rejection_is_recorded_once(aws: AwsHarness) -> None:
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    from warta.handlers import ingest

    record = aws.sqs_record("{not json")
    for receive in ("1", "2", "3"):  # SQS delivers it again until it goes to the dead-letter queue
        record["attributes"]["ApproximateReceiveCount"] = receive
        with pytest.raises(BatchProcessingError):
            ingest.handler({"Records": [record]}, aws.context)
    found = DynamoOpsLog(aws.ddb, "warta-index").recent_rejections()
    assert [(r.source, r.reason.split(":")[0]) for r in found] == [(f"sqs:{record['messageId']}", "(event)")]


# --- without AWS: the first scan of a site's tree, a bounded slice per batch ------------------------


class _DirectoryTree:
    def __init__(self, root: Path, meta_root: Path) -> None:
        self._store = DirectoryStore(root, meta_root=meta_root)
        self._keys = sorted(self._store.list())

    def get(self, path: str) -> bytes | None:
        return self._store.get(path)

    def list(self, prefix: str = "") -> Iterator[str]:
        return iter(k for k in self._keys if k.startswith(prefix))

    def list_after(self, prefix: str, after: str, limit: int) -> list[str]:
        return [k for k in self._keys if k.startswith(prefix) and k > after][:limit]


def test_the_first_scan_goes_a_bounded_slice_per_batch_until_it_covers_the_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "public"
    args = ["publish", "--config", str(EXAMPLE_SITE), "--out", str(out), "--state", str(tmp_path / "state")]
    assert main([*args, "--now", NOW, "--progress", "off", str(EXAMPLE_EVENTS)]) == 0
    monkeypatch.setattr(status_batches, "SCAN_FILES_PER_BATCH", 4)
    monkeypatch.setattr(status_batches, "SCAN_KEYS_PER_BATCH", 9)
    deployment = load_deployment([EXAMPLE_SITE])
    site = deployment.sites["andalpost"]
    tree = _DirectoryTree(out, tmp_path / "state" / "objects")
    now = datetime.fromisoformat(NOW)
    state = SiteState()
    batches = 0
    while not state.scan_done:
        before = len(state.files.feeds) + len(state.files.shards) + len(state.files.fixed)
        update_site_state(state, site, deployment, tree, RenderReport(), now, now)
        state = SiteState.from_json(state.to_json())  # as stored between batches
        assert len(state.files.feeds) + len(state.files.shards) + len(state.files.fixed) - before <= 4
        batches += 1
        assert batches < 200
    whole = check_files(deployment, tree, now)["andalpost"]
    assert state.files == whole
    assert batches >= (len(whole.feeds) + len(whole.shards) + len(whole.fixed)) // 4


class _CountedTree(_DirectoryTree):
    def __init__(self, root: Path, meta_root: Path) -> None:
        super().__init__(root, meta_root)
        self.read: list[str] = []

    def get(self, path: str) -> bytes | None:
        self.read.append(path)
        return super().get(path)


def test_a_batch_checks_the_small_files_it_wrote_from_their_bytes_without_reading_them_back(
    tmp_path: Path,
) -> None:
    args = ["--config", str(EXAMPLE_SITE), "--state", str(tmp_path / "state"), "--progress", "off"]
    assert main(["publish", *args, "--out", str(tmp_path / "public"), "--now", NOW, str(EXAMPLE_EVENTS)]) == 0
    # The site-wide files rendered again into an empty tree: each one written.
    stack = open_local_stack([EXAMPLE_SITE], tmp_path / "fresh", tmp_path / "state")
    site = stack.deployment.sites["andalpost"]
    now = datetime.fromisoformat(NOW)
    stack.index.push(site_wide_outputs(site))
    report = render_pending(
        deployment=stack.deployment, index=stack.index, queue=stack.index, store=stack.store, now=now
    )
    maps = site.sitemaps
    small = {site.output_prefix + rel for rel in (maps.index_path, maps.news_path, maps.robots_path)}
    assert small <= report.bodies.keys()
    tree = _CountedTree(tmp_path / "fresh", tmp_path / "state" / "objects")
    state = SiteState(scan_done=True)
    update_site_state(state, site, stack.deployment, tree, report, now, now)
    assert not set(tree.read) & report.bodies.keys()
    assert state.files.fixed == check_files(stack.deployment, tree, now)["andalpost"].fixed
    assert small <= state.files.fixed.keys()


def test_a_state_is_updated_from_the_copy_its_store_wrote_unless_another_wrote_since(
    aws: AwsHarness,
) -> None:
    name = "sites/andalpost.json"
    gets: list[str] = []
    aws.s3.meta.events.register("before-call.s3.GetObject", lambda **_: gets.append(name))
    mine, other = S3StatusStore(aws.s3, STATE_BUCKET), S3StatusStore(aws.s3, STATE_BUCKET)
    assert mine.read_to_write(name) is None and len(gets) == 1
    mine.write(name, b"1", "application/json")
    assert mine.read_to_write(name) == b"1" and len(gets) == 1  # its copy: no read
    mine.write(name, b"2", "application/json")
    assert other.read_to_write(name) == b"2" and len(gets) == 2  # another container's batch
    other.write(name, b"3", "application/json")
    assert mine.read_to_write(name) == b"2"  # its copy, replaced since
    with pytest.raises(StaleStatus):
        mine.write(name, b"4", "application/json")
    assert mine.read(name) == b"3"  # nothing lost
    assert mine.read_to_write(name) == b"3"  # read afresh
    mine.write(name, b"5", "application/json")
    assert other.read(name) == b"5"


class _RacedStore:
    """A status store whose remembered copy of a state was replaced by another writer."""

    def __init__(self, copy: SiteState, stored: SiteState) -> None:
        self.copy: SiteState | None = copy
        self.stored = stored
        self.written: list[SiteState] = []

    def read(self, name: str) -> bytes | None:
        return self.stored.to_json()

    def read_to_write(self, name: str) -> bytes | None:
        return self.copy.to_json() if self.copy is not None else self.read(name)

    def write(self, name: str, body: bytes, content_type: str) -> None:
        if self.copy is not None:
            self.copy = None  # forgotten, as the store does
            raise StaleStatus(name)
        self.written.append(SiteState.from_json(body))

    def location(self, name: str) -> str:
        return name


def test_a_state_written_from_a_replaced_copy_is_made_again_from_a_fresh_read() -> None:
    deployment = load_deployment([EXAMPLE_SITE])
    site = deployment.sites["andalpost"]
    stored = SiteState(scan_done=True)
    stored.files.fixed["robots.txt"] = ()  # what the other writer's batch found
    store = _RacedStore(SiteState(scan_done=True), stored)
    now = datetime.fromisoformat(NOW)
    tree = cast(status_batches.ListableTree, None)  # an empty report reads no file
    state = status_batches._update_state(store, site, deployment, tree, RenderReport(), now, now)
    assert store.written == [state]
    assert state.files.fixed == {"robots.txt": ()} and state.last_render is not None


# --- the template and the local log -------------------------------------------------------------


def test_the_template_keeps_the_report_private_and_lets_rejections_expire() -> None:
    from cfnlint.decode import decode

    template, errors = decode(str(EXAMPLE_SITE.parents[2] / "template.yaml"))
    assert not errors
    resources = template["Resources"]
    origins = resources["Distribution"]["Properties"]["DistributionConfig"]["Origins"]
    # The only bucket CloudFront reads is the site bucket (the other origin is the Gone function).
    buckets = [o["DomainName"] for o in origins if "S3OriginConfig" in o]
    assert buckets == [{"Fn::GetAtt": ["SiteBucket", "RegionalDomainName"]}]
    assert "StateBucket" not in json.dumps(origins)
    render = resources["RenderFunction"]["Properties"]
    assert render["Environment"]["Variables"]["WARTA_STATUS_PREFIX"] == DEFAULT_STATUS_PREFIX
    granted = json.dumps(render["Policies"])
    assert json.dumps({"Fn::Sub": "${StateBucket.Arn}/" + DEFAULT_STATUS_PREFIX + "*"}) in granted
    ttl = resources["IndexTable"]["Properties"]["TimeToLiveSpecification"]
    assert ttl == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}


def test_a_local_log_from_before_event_ids_gains_the_column(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "index.sqlite3"
    with sqlite3.connect(db) as old:
        old.execute(
            "CREATE TABLE ops_rejections (at TEXT NOT NULL, source TEXT NOT NULL, reason TEXT NOT NULL)"
        )
        old.execute("INSERT INTO ops_rejections VALUES ('2023-09-01T00:00:00+00:00', 'a.json', 'type: bad')")
    ops = OpsLog(db)
    ops.record_rejection(datetime.fromisoformat(NOW), "b.json", "article/title: empty", "evt-1")
    found = ops.recent_rejections()
    ops.close()
    assert [(r.source, r.event_id) for r in found] == [("b.json", "evt-1"), ("a.json", "")]
