"""Takedown: after an unpublish no output, local or on AWS, holds the article's URL, title or
any sentence of its body; the CDN invalidation names every file that held it; IndexNow hears of
the URL. Also when the worker that wrote the takedown to the index died before queueing it."""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aws_harness import SITE_BUCKET, AwsHarness, create_test_distribution

from warta.cli.main import main

from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE
from support.aws_runs import bucket_tree, drain, eventbridge, moto_environment, open_aws
from support.faults import WorkerDied

NOW = datetime.fromisoformat("2023-09-21T00:00:00+07:00")
PUBLISHED = [p for p in sorted(EXAMPLE_EVENTS.glob("*.json")) if not p.name.startswith(("022", "023"))]
TAKEDOWN = EXAMPLE_EVENTS / "022-unpublished-016-senandung-kabut.json"
VICTIM = json.loads((EXAMPLE_EVENTS / "016-embed-senandung-kabut-album.json").read_bytes())["article"]


# --- what must vanish -----------------------------------------------------------------------------


def body_sentences(article: dict[str, Any]) -> list[str]:
    """The sentences of the article's text (20 characters or more, so each is its own)."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", " ".join(article["pages"])))
    text = re.sub(r"\s+", " ", text)
    return [s.strip() for s in re.split(r"(?<=[.!?])\s", text) if len(s.strip()) >= 20]


def traces(tree: dict[str, bytes], article: dict[str, Any]) -> list[str]:
    """Where the article still shows: its URL (or path), its title, a sentence of its body."""
    url = article["url"]
    path = url.split("/", 3)[3]
    needles = {"url": url, "path": "/" + path, "title": article["title"]}
    needles |= {f"sentence {n}": s for n, s in enumerate(body_sentences(article))}
    found = [f"{key}: an AMP page" for key in tree if key == f"amp/{path}.html"]
    for key, body in sorted(tree.items()):
        text = re.sub(r"\s+", " ", html.unescape(html.unescape(body.decode("utf-8", "replace"))))
        found += [f"{key}: {what}" for what, needle in needles.items() if needle in text]
    return found


def test_the_victim_is_findable_before_its_takedown() -> None:
    """The scan is only as good as what it looks for: the article has many body sentences."""
    assert len(body_sentences(VICTIM)) >= 5


# --- a real IndexNow endpoint ---------------------------------------------------------------------


class IndexNow:
    def __init__(self) -> None:
        self.urls: list[str] = []
        received = self.urls

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.extend(json.loads(body)["urlList"])
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/indexnow"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05})
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def indexnow() -> Iterator[IndexNow]:
    endpoint = IndexNow()
    yield endpoint
    endpoint.close()


def site_pinging(indexnow: IndexNow, tmp_path: Path) -> Path:
    toml = EXAMPLE_SITE.read_text(encoding="utf-8")
    assert 'indexnow_endpoint = ""' in toml
    config = tmp_path / "site.toml"
    config.write_text(toml.replace('indexnow_endpoint = ""', f'indexnow_endpoint = "{indexnow.url}"'))
    return config


# --- locally ----------------------------------------------------------------------------------------


def local_tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_local_takedown_leaves_no_trace_and_tells_indexnow(indexnow: IndexNow, tmp_path: Path) -> None:
    config = site_pinging(indexnow, tmp_path)
    out, state = tmp_path / "public", tmp_path / "state"
    args = [
        "publish",
        "--config",
        str(config),
        "--out",
        str(out),
        "--state",
        str(state),
        "--now",
        NOW.isoformat(),
    ]
    assert main([*args, *map(str, PUBLISHED)]) == 0
    before = local_tree(out)
    assert len(traces(before, VICTIM)) > 10  # it was everywhere
    # Its author's and its tags' feeds among them: the scan below covers them too.
    assert traces({"a": before["feed/author/nadia-puspitasari.xml"]}, VICTIM)
    assert traces({"t": before["feed/tag/senandung-kabut.xml"]}, VICTIM)
    indexnow.urls.clear()
    assert main([*args, str(TAKEDOWN)]) == 0
    assert traces(local_tree(out), VICTIM) == []
    assert VICTIM["url"] in indexnow.urls


def test_local_takedown_survives_a_worker_dying_after_the_index_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warta.adapters.sqlite_index import SqliteIndex

    from support.local_runs import publish_batch

    out, state = tmp_path / "public", tmp_path / "state"
    events = [json.loads(p.read_bytes()) for p in PUBLISHED]
    publish_batch(EXAMPLE_SITE, out, state, events, NOW)
    takedown = json.loads(TAKEDOWN.read_bytes())
    die_after_write(monkeypatch, SqliteIndex)
    with pytest.raises(WorkerDied):
        publish_batch(EXAMPLE_SITE, out, state, [takedown], NOW)
    monkeypatch.undo()
    publish_batch(EXAMPLE_SITE, out, state, [takedown], NOW)  # the redelivery
    assert traces(local_tree(out), VICTIM) == []


def die_after_write(monkeypatch: pytest.MonkeyPatch, index_class: type) -> None:
    """The next index write of a takedown takes effect, then its worker dies."""
    original: Callable[..., Any] = index_class.write

    def write(self: Any, state: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, state, *args, **kwargs)
        if state.id == VICTIM["id"] and result.applied:
            raise WorkerDied("after the index write")
        return result

    monkeypatch.setattr(index_class, "write", write)


# --- on AWS -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    with moto_environment() as endpoint:
        yield endpoint


def distribution(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str]:
    return create_test_distribution(monkeypatch, "warta-takedown")


def invalidations(cloudfront: Any, distribution_id: str) -> set[str]:
    listed = cloudfront.list_invalidations(DistributionId=distribution_id)["InvalidationList"]
    return {item["Id"] for item in listed.get("Items", [])}


def invalidated_paths(cloudfront: Any, distribution_id: str, ids: set[str]) -> set[str]:
    paths: set[str] = set()
    for item in sorted(ids):
        batch = cloudfront.get_invalidation(DistributionId=distribution_id, Id=item)
        paths.update(batch["Invalidation"]["InvalidationBatch"]["Paths"]["Items"])
    return paths


def forced(takedown: dict[str, Any]) -> dict[str, Any]:
    """The takedown again, as on-call forces it (docs/operations.md): revision + 1000."""
    again = json.loads(json.dumps(takedown))
    again["event_id"] = f"oncall-{takedown['event_id']}"
    again["article"]["revision"] += 1000
    return again


def test_a_forced_takedown_removes_a_copy_restored_after_the_first(tmp_path: Path) -> None:
    """The index keeps a tombstone's last URL: a takedown forced after a hand restore (an S3
    version restore, a backup copied back) finds the page and deletes it again."""
    out, state = tmp_path / "public", tmp_path / "state"
    args = ["publish", "--config", str(EXAMPLE_SITE), "--out", str(out), "--state", str(state)]
    args += ["--now", NOW.isoformat()]
    assert main([*args, *map(str, PUBLISHED)]) == 0
    page = out / f"amp/{VICTIM['url'].split('/', 3)[3]}.html"
    copy = page.read_bytes()
    assert main([*args, str(TAKEDOWN)]) == 0
    assert not page.exists()
    page.write_bytes(copy)  # restored by hand
    events = tmp_path / "forced.json"
    events.write_text(json.dumps(forced(json.loads(TAKEDOWN.read_bytes()))))
    assert main([*args, str(events)]) == 0
    assert not page.exists()
    assert traces(local_tree(out), VICTIM) == []


def test_aws_forced_takedown_removes_a_restored_copy(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws = open_aws(moto_endpoint, monkeypatch, NOW)
    publish_on_aws(aws)
    key = f"amp/{VICTIM['url'].split('/', 3)[3]}.html"
    copy = bucket_tree(aws.s3)[key]
    takedown = json.loads(TAKEDOWN.read_bytes())
    assert eventbridge(takedown)["status"] == "accepted"
    drain(aws)
    assert key not in bucket_tree(aws.s3)
    aws.s3.put_object(Bucket=SITE_BUCKET, Key=key, Body=copy, ContentType="text/html; charset=utf-8")
    assert eventbridge(forced(takedown))["status"] == "accepted"
    drain(aws)
    assert traces(bucket_tree(aws.s3), VICTIM) == []


def publish_on_aws(aws: AwsHarness) -> None:
    for path in PUBLISHED:
        aws.eventbridge(json.loads(path.read_bytes()))
    drain(aws)


def test_aws_takedown_leaves_no_trace_invalidates_and_tells_indexnow(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, indexnow: IndexNow, tmp_path: Path
) -> None:
    aws = open_aws(moto_endpoint, monkeypatch, NOW, site_toml=site_pinging(indexnow, tmp_path))
    cloudfront, distribution_id = distribution(monkeypatch)
    publish_on_aws(aws)
    before = bucket_tree(aws.s3)
    held = {key for key in before if traces({key: before[key]}, VICTIM)}
    assert f"amp/{VICTIM['url'].split('/', 3)[3]}.html" in held
    assert {"feed/index.xml", "feed/hiburan.xml"} <= held
    # Its author's and its tags' feeds (the author keeps a feed of her other articles).
    assert {"feed/author/nadia-puspitasari.xml", "feed/tag/senandung-kabut.xml"} <= held
    assert any(key.startswith("sitemaps/") for key in held)
    earlier = invalidations(cloudfront, distribution_id)
    indexnow.urls.clear()

    assert aws.eventbridge(json.loads(TAKEDOWN.read_bytes()))["status"] == "accepted"
    drain(aws)
    assert traces(bucket_tree(aws.s3), VICTIM) == []
    new = invalidations(cloudfront, distribution_id) - earlier
    assert len(new) == 1  # one render batch, one invalidation
    invalidated = invalidated_paths(cloudfront, distribution_id, new)
    assert {"/" + key for key in held} <= invalidated, sorted({"/" + k for k in held} - invalidated)
    assert VICTIM["url"] in indexnow.urls


def test_aws_takedown_survives_a_worker_dying_after_the_index_write(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warta.adapters.dynamodb_index import DynamoIndex

    aws = open_aws(moto_endpoint, monkeypatch, NOW)
    publish_on_aws(aws)
    takedown = json.loads(TAKEDOWN.read_bytes())
    with monkeypatch.context() as patch:
        die_after_write(patch, DynamoIndex)
        with pytest.raises(WorkerDied):
            eventbridge(takedown)
    drain(aws)  # whatever the dead worker queued
    assert eventbridge(takedown)["status"] == "stale"  # EventBridge retries the failed invocation
    drain(aws)
    assert traces(bucket_tree(aws.s3), VICTIM) == []


def test_aws_takedown_render_that_dies_before_invalidating_is_invalidated_by_its_retry(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worst moment to die: every object written and deleted, the invalidation not sent.
    The retry finds nothing left to change, yet the CDN still serves the page and the feeds."""
    from warta.adapters.sqs_queue import SqsRenderQueue

    aws = open_aws(moto_endpoint, monkeypatch, NOW)
    cloudfront, distribution_id = distribution(monkeypatch)
    publish_on_aws(aws)
    before = bucket_tree(aws.s3)
    held = {key for key in before if traces({key: before[key]}, VICTIM)}
    earlier = invalidations(cloudfront, distribution_id)
    original: Callable[..., Any] = SqsRenderQueue.done
    deaths: list[str] = []

    def done(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not deaths:
            deaths.append("after the writes, before done and the invalidation")
            raise WorkerDied(deaths[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SqsRenderQueue, "done", done)
    assert eventbridge(json.loads(TAKEDOWN.read_bytes()))["status"] == "accepted"
    stats = drain(aws)
    assert deaths and stats.deaths["render"] == 1
    assert traces(bucket_tree(aws.s3), VICTIM) == []
    new = invalidations(cloudfront, distribution_id) - earlier
    invalidated = invalidated_paths(cloudfront, distribution_id, new)
    assert {"/" + key for key in held} <= invalidated, sorted({"/" + k for k in held} - invalidated)
