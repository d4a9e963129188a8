"""The AWS entry points end to end, on a moto server reached over HTTP (no in-process mocks).

The key check: the corpus sent through EventBridge, SQS, the webhook and the S3 inbox, rendered
by the render function from its FIFO queue, leaves in the bucket byte for byte the tree that
`warta publish` writes locally with the same clock.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from aws_harness import (
    ENVIRONMENT,
    STATE_BUCKET,
    TABLE,
    AwsHarness,
    create_test_distribution,
    json_bytes,
    send_corpus_through_every_entry_point,
)
from lxml import etree

from warta.adapters.directory_store import read_metadata
from warta.cli.main import main

from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE

NOW = "2023-09-21T00:00:00+07:00"
BEFORE_SCHEDULE = "2023-09-15T00:00:00+07:00"
EVENT_FILES = sorted(EXAMPLE_EVENTS.glob("*.json"))


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", endpoint)
        for name, value in ENVIRONMENT.items():
            patch.setenv(name, value)
        yield endpoint
    server.stop()


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsHarness]:
    from warta.handlers import runtime

    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=30).raise_for_status()
    harness = AwsHarness(EXAMPLE_SITE)
    for name, value in harness.create_resources().items():
        monkeypatch.setenv(name, value)
    runtime.stack.cache_clear()
    set_clock(monkeypatch, NOW)
    yield harness
    runtime.stack.cache_clear()


def set_clock(monkeypatch: pytest.MonkeyPatch, moment: str) -> datetime:
    from warta.handlers import runtime

    fixed = datetime.fromisoformat(moment)
    monkeypatch.setattr(runtime, "now", lambda: fixed)
    return fixed


def local_tree(tmp: Path, now: str = NOW) -> tuple[dict[str, bytes], Path]:
    out, state = tmp / "public", tmp / "state"
    args = ["publish", "--config", str(EXAMPLE_SITE), "--out", str(out), "--state", str(state), "--now", now]
    assert main([*args, str(EXAMPLE_EVENTS)]) == 0
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    return files, state / "objects"


def test_corpus_through_aws_gives_the_local_tree_byte_for_byte(aws: AwsHarness, tmp_path: Path) -> None:
    expected, meta_root = local_tree(tmp_path)
    send_corpus_through_every_entry_point(aws, EVENT_FILES, NOW)
    assert aws.drain_render_queue() >= 1
    got = aws.bucket_tree()
    assert sorted(got) == sorted(expected)
    # Tag and author feeds too (read through DynamoDB's G# and W# lists).
    assert {"feed/author/maya-larasati.xml", "feed/tag/tepian-raya.xml"} <= got.keys()
    for path, body in expected.items():
        assert got[path] == body, path
    # Same content type and cache control as the directory store recorded.
    for path in ("feed/index.xml", "sitemap.xml", "robots.txt"):
        head = aws.s3.head_object(Bucket="warta-site", Key=path)
        meta = read_metadata(tmp_path / "public", meta_root, path)
        assert (head["ContentType"], head["CacheControl"]) == (meta["content_type"], meta["cache_control"])
    # The inbox was emptied.
    assert "Contents" not in aws.s3.list_objects_v2(Bucket=STATE_BUCKET, Prefix="inbox/")


def test_rebuild_fans_out_in_pages_and_restores_the_tree(
    aws: AwsHarness, tmp_path: Path, monkeypatch
) -> None:
    from warta.handlers import rebuild, runtime

    expected, _ = local_tree(tmp_path)
    send_corpus_through_every_entry_point(aws, EVENT_FILES, NOW)
    aws.drain_render_queue()
    for key in aws.bucket_tree():
        aws.s3.delete_object(Bucket="warta-site", Key=key)
    monkeypatch.setenv("WARTA_RENDER_PAGE_SIZE", "7")
    runtime.stack.cache_clear()
    queued = rebuild.handler({}, aws.context)["queued"]
    batches = aws.drain_render_queue()
    assert batches >= queued // 7  # one page of seven outputs per render, signalled onwards
    assert aws.bucket_tree() == expected


def test_a_burst_of_updates_renders_the_home_feed_a_few_times(
    aws: AwsHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warta.adapters.s3_store import S3Store

    renders: list[str] = []
    original_put = S3Store.put

    def counting_put(self: S3Store, path: str, *args: object) -> str:
        if path == "feed/index.xml":
            renders.append(path)
        return original_put(self, path, *args)

    monkeypatch.setattr(S3Store, "put", counting_put)
    original_unchecked = S3Store.put_unchecked

    def counting_unchecked(self: S3Store, path: str, *args: Any) -> None:
        # A put the render Lambda's digest manifest makes without asking first is a render too.
        if path == "feed/index.xml":
            renders.append(path)
        original_unchecked(self, path, *args)

    monkeypatch.setattr(S3Store, "put_unchecked", counting_unchecked)
    event = json.loads(EVENT_FILES[0].read_bytes())
    bodies = []
    for revision in range(1, 101):
        event["event_id"] = f"burst-{revision}"
        event["article"]["revision"] = revision
        event["article"]["title"] = f"Judul revisi {revision}"
        bodies.append(json.dumps(event))
    for start in range(0, 100, 10):
        assert aws.sqs(bodies[start : start + 10])[1] == {"batchItemFailures": []}
    assert aws.render_messages_waiting() == 100
    aws.drain_render_queue()
    assert 1 <= len(renders) <= 3
    feed = etree.fromstring(aws.s3.get_object(Bucket="warta-site", Key="feed/index.xml")["Body"].read())
    assert feed.xpath("//item/title/text()") == ["Judul revisi 100"]


def test_a_render_that_took_every_pending_output_does_not_look_for_more(
    aws: AwsHarness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A push sends a signal of its own, so only a render that took a full page looks again."""
    from warta.adapters.sqs_queue import SqsRenderQueue
    from warta.handlers import rebuild, runtime

    looked: list[str | None] = []
    has_pending = SqsRenderQueue.has_pending
    monkeypatch.setattr(SqsRenderQueue, "has_pending", lambda q: looked.append(q.site) or has_pending(q))
    send_corpus_through_every_entry_point(aws, EVENT_FILES, NOW)
    aws.drain_render_queue()
    assert looked == []
    expected = aws.bucket_tree()
    for key in expected:
        aws.s3.delete_object(Bucket="warta-site", Key=key)
    monkeypatch.setenv("WARTA_RENDER_PAGE_SIZE", "7")
    runtime.stack.cache_clear()
    rebuild.handler({}, aws.context)
    aws.drain_render_queue()
    assert looked and set(looked) == {"andalpost"}  # full pages: the next one was signalled
    assert aws.bucket_tree() == expected
    assert aws.render_messages_waiting() == 0


def test_sqs_batch_reports_only_the_bad_record(aws: AwsHarness) -> None:
    good = [p.read_text() for p in EVENT_FILES[:2]]
    records, response = aws.sqs([good[0], "{not json", good[1]])
    assert response == {"batchItemFailures": [{"itemIdentifier": records[1]["messageId"]}]}
    aws.drain_render_queue()
    amp = [k for k in aws.bucket_tree() if k.startswith("amp/")]
    assert len(amp) == 2


def test_redelivery_is_idempotent(aws: AwsHarness) -> None:
    event = json.loads(EVENT_FILES[0].read_bytes())
    first = aws.eventbridge(event)
    assert first["status"] == "accepted"
    waiting = aws.render_messages_waiting()
    again = aws.eventbridge(event)
    assert again == first  # the stored response: nothing ran twice
    assert aws.render_messages_waiting() == waiting  # no second push, so no second signal


def test_the_handlers_clients_leave_parameter_checks_to_the_service(aws: AwsHarness) -> None:
    from botocore.exceptions import ClientError

    from warta.handlers import runtime

    stack = runtime.stack()
    # Without its Key, botocore's check would raise ParamValidationError before sending; the
    # service refuses it instead, as a ClientError (the run fails and is retried either way; moto
    # answers 500 where DynamoDB answers ValidationException).
    with pytest.raises(ClientError):
        stack.ops._ddb.get_item(TableName=TABLE)  # type: ignore[call-arg]


def test_an_event_id_reused_for_another_article_is_rejected_naming_it(aws: AwsHarness) -> None:
    """Within the idempotency window the stored answer would silently drop the second event."""
    event = json.loads(EVENT_FILES[0].read_bytes())
    assert aws.eventbridge(event)["status"] == "accepted"
    changed = json.loads(EVENT_FILES[0].read_bytes())
    changed["article"]["revision"] += 1
    changed["article"]["title"] = "Judul lain dengan id peristiwa yang sama"
    records, response = aws.sqs([json.dumps(changed), EVENT_FILES[1].read_text()])
    assert response == {"batchItemFailures": [{"itemIdentifier": records[0]["messageId"]}]}
    response = aws.webhook(json_bytes(changed), datetime.fromisoformat(NOW))
    assert response["statusCode"] == 400 and json.loads(response["body"])["field"] == "event_id", response
    assert aws.eventbridge(event)["status"] == "accepted"  # the true redelivery still gets its answer
    aws.drain_render_queue()
    assert changed["article"]["title"].encode() not in aws.bucket_tree()["feed/index.xml"]


def test_webhook_refuses_missing_bad_and_stale_signatures(aws: AwsHarness) -> None:
    body = EVENT_FILES[0].read_bytes()
    now = datetime.fromisoformat(NOW)
    assert aws.webhook(body, now, headers={"content-type": "application/json"})["statusCode"] == 401
    assert aws.webhook(body, now, secret="salah")["statusCode"] == 401
    stale = datetime.fromisoformat("2023-09-20T23:54:00+07:00")  # six minutes before the clock
    assert aws.webhook(body, stale)["statusCode"] == 401
    assert aws.render_messages_waiting() == 0
    assert aws.webhook(body, now)["statusCode"] == 202


def test_webhook_names_the_field_of_an_invalid_event(aws: AwsHarness) -> None:
    event = json.loads(EVENT_FILES[0].read_bytes())
    event["article"]["revision"] = 0
    response = aws.webhook(json_bytes(event), datetime.fromisoformat(NOW))
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["field"] == "article/revision"
    assert aws.render_messages_waiting() == 0


def test_webhook_refuses_an_oversized_body_before_reading_it(aws: AwsHarness) -> None:
    from warta.handlers.webhook import DEFAULT_MAX_BODY_BYTES

    body = b"{" + b" " * DEFAULT_MAX_BODY_BYTES + b"}"  # not even JSON: never parsed
    response = aws.webhook(body, datetime.fromisoformat(NOW), headers={})
    assert response["statusCode"] == 413


def _big_event(number: int) -> dict:
    """An event far over SQS's 256 KB, with a body DynamoDB could not hold in one item."""
    rng = random.Random(number)
    words = ["kabar", "warga", "pasar", "sungai", "jembatan", "desa", "harga", "musim", "panen", "kota"]
    paragraphs = [
        "<p>" + " ".join(rng.choice(words) + str(rng.randrange(10_000)) for _ in range(120)) + ".</p>"
        for _ in range(1_100)
    ]
    event = json.loads(EVENT_FILES[1].read_bytes())
    event["event_id"] = f"besar-{number}"
    article = event["article"]
    article["id"] = f"9900{number}"
    article["url"] = f"https://www.andalpost.com/nasional/laporan-panjang-{number}"
    article["pages"] = ["".join(paragraphs[:550]), "".join(paragraphs[550:])]
    return event


def test_events_over_256_kb_through_webhook_and_inbox(aws: AwsHarness) -> None:
    via_webhook, via_inbox = _big_event(1), _big_event(2)
    assert len(json_bytes(via_webhook)) > 2 * 256 * 1024
    assert aws.webhook(json_bytes(via_webhook), datetime.fromisoformat(NOW))["statusCode"] == 202
    assert aws.inbox("besar.json", json_bytes(via_inbox))["results"][0]["status"] == "accepted"
    aws.drain_render_queue()
    tree = aws.bucket_tree()
    for event in (via_webhook, via_inbox):
        page = tree["amp/" + event["article"]["url"].split("/", 3)[3] + ".html"]
        last_words = event["article"]["pages"][1][-60:-5].split()[-1]
        assert last_words.encode() in page
    # The documents went to the private bucket: each is far over DynamoDB's 400 KB item limit.
    docs = aws.s3.list_objects_v2(Bucket=STATE_BUCKET, Prefix="docs/").get("KeyCount", 0)
    assert docs == 2


@pytest.mark.parametrize("url_encoded", [True, False])
@pytest.mark.parametrize("name", ["biasa.json", "dengan spasi + plus (1).json", "berita:17.json"])
def test_inbox_files_with_any_name_arrive_through_eventbridge(
    aws: AwsHarness, name: str, url_encoded: bool
) -> None:
    """Whether S3 sends the key to EventBridge URL-encoded or not, the file is read, ingested
    and deleted: a file left in the inbox would be an event lost without a word."""
    event = json.loads((EVENT_FILES[0]).read_bytes())
    result = aws.inbox_via_eventbridge(name, json_bytes(event), url_encoded=url_encoded)
    assert result["status"] == "accepted", result
    assert "Contents" not in aws.s3.list_objects_v2(Bucket=STATE_BUCKET, Prefix="inbox/")


def test_a_rejected_inbox_file_is_moved_aside_with_its_reason(aws: AwsHarness) -> None:
    result = aws.inbox("rusak.json", b'{"event_id": "x"}')["results"][0]
    assert result["status"] == "rejected"
    moved = aws.s3.head_object(Bucket=STATE_BUCKET, Key="rejected/rusak.json")
    assert "required property" in moved["Metadata"]["reason"]
    assert "Contents" not in aws.s3.list_objects_v2(Bucket=STATE_BUCKET, Prefix="inbox/")


def test_schedule_releases_a_scheduled_article_once_due(
    aws: AwsHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warta.handlers import schedule

    scheduled = next(p for p in EVENT_FILES if "scheduled" in p.name)
    url = json.loads(scheduled.read_bytes())["article"]["url"]
    amp = "amp/" + url.split("/", 3)[3] + ".html"
    set_clock(monkeypatch, BEFORE_SCHEDULE)
    aws.eventbridge(json.loads(scheduled.read_bytes()))
    aws.drain_render_queue()
    assert amp not in aws.bucket_tree()
    set_clock(monkeypatch, NOW)
    assert schedule.handler({"source": "aws.scheduler"}, aws.context)["released"] == 1
    aws.drain_render_queue()
    assert amp in aws.bucket_tree()
    news = aws.s3.get_object(Bucket="warta-site", Key="sitemap-news.xml")["Body"].read()
    assert url.encode() in news


def test_stale_revision_does_not_overwrite_a_newer_one(aws: AwsHarness) -> None:
    from warta.handlers import runtime

    newer = json.loads(next(p for p in EVENT_FILES if p.name.startswith("020")).read_bytes())
    older = json.loads(EVENT_FILES[0].read_bytes())
    assert aws.eventbridge(newer)["status"] == "accepted"
    assert aws.eventbridge(older)["status"] == "stale"
    stored = runtime.stack().index.get("andalpost", older["article"]["id"])
    assert stored is not None and stored.revision == newer["article"]["revision"]
    item = aws.ddb.get_item(
        TableName=TABLE, Key={"pk": {"S": f"A#andalpost#{older['article']['id']}"}, "sk": {"S": "ARTICLE"}}
    )["Item"]
    assert item["revision"]["N"] == str(newer["article"]["revision"])


def test_one_invalidation_per_render_batch_with_unique_paths(
    aws: AwsHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warta.adapters.cloudfront_cdn import invalidation_paths
    from warta.handlers import runtime

    cloudfront, distribution = create_test_distribution(monkeypatch, "warta-test")
    runtime.stack.cache_clear()
    events = [json.loads(path.read_bytes()) for path in EVENT_FILES[:3]]
    for event in events:
        aws.eventbridge(event)
    aws.drain_render_queue()
    # The example site invalidates only for takedowns: new articles wait out their max-age.
    listed = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]
    assert listed["Quantity"] == 0
    gone = events[0]["article"]
    aws.eventbridge(
        {
            "spec_version": "1",
            "event_id": "evt-takedown-invalidation",
            "type": "article.unpublished",
            "occurred_at": "2023-09-12T10:00:00+07:00",
            "article": {"id": gone["id"], "revision": gone["revision"] + 1},
        }
    )
    aws.drain_render_queue()
    listed = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]
    assert listed["Quantity"] == 1
    batch = cloudfront.get_invalidation(DistributionId=distribution, Id=listed["Items"][0]["Id"])
    paths = batch["Invalidation"]["InvalidationBatch"]["Paths"]["Items"]
    assert "/feed/index.xml" in paths and len(paths) == len(set(paths))
    assert "/amp/" + gone["url"].split("/", 3)[3] + ".html" in paths
    assert invalidation_paths(["a b.xml", "/a b.xml", "x"]) == ["/a%20b.xml", "/x"]
    assert invalidation_paths(f"amp/{n}.html" for n in range(600)) == ["/*"]


def test_an_author_change_on_aws_moves_the_article_between_author_feeds(
    aws: AwsHarness, tmp_path: Path
) -> None:
    """DynamoDB's author lists give the author feeds `warta publish` gives, byte for byte, and
    an article whose byline changes leaves the old author's feed (here: his only one, deleted)."""
    chosen = [p for p in EVENT_FILES if p.name[:3] in ("003", "009", "010")]  # Maya, Arif, Maya
    change = json.loads(chosen[1].read_bytes())
    change["type"], change["event_id"] = "article.updated", change["event_id"] + "-byline"
    maya = {"name": "Maya Larasati", "url": "https://www.andalpost.com/author/maya-larasati"}
    change["article"] = {**change["article"], "revision": 2, "authors": [maya]}
    (tmp_path / "change.json").write_bytes(json_bytes(change))
    out, state = tmp_path / "public", tmp_path / "state"
    args = ["publish", "--config", str(EXAMPLE_SITE), "--out", str(out), "--state", str(state), "--now", NOW]
    assert main([*args, *map(str, chosen)]) == 0
    assert (out / "feed" / "author" / "arif-rahmanto.xml").is_file()
    assert main([*args, str(tmp_path / "change.json")]) == 0
    expected = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}

    for path in chosen:
        aws.eventbridge(json.loads(path.read_bytes()))
    aws.drain_render_queue()
    assert "feed/author/arif-rahmanto.xml" in aws.bucket_tree()
    aws.eventbridge(change)
    aws.drain_render_queue()
    got = aws.bucket_tree()
    assert sorted(got) == sorted(expected)
    assert "feed/author/arif-rahmanto.xml" not in got
    maya_feed = etree.fromstring(got["feed/author/maya-larasati.xml"])
    assert maya_feed.xpath("//item/guid/text()") == ["andalpost:48195", "andalpost:48180", "andalpost:48131"]
    for path, body in expected.items():
        assert got[path] == body, path
    # The author list alone, and with the filters no feed combines today.
    from warta.handlers import runtime

    index, now = runtime.stack().index, datetime.fromisoformat(NOW)
    assert index.facets("andalpost", now).feed_values["author"] == ("maya-larasati",)
    assert [a.id for a in index.latest("andalpost", now, 2, author="maya-larasati")] == ["48195", "48180"]
    both = index.latest("andalpost", now, 10, author="maya-larasati", tag="tepian-raya")
    assert [a.id for a in both] == ["48195", "48131"]
    assert [a.id for a in index.latest("andalpost", now, 10, author="maya-larasati", section="opini")] == [
        "48180"
    ]


def test_every_site_config_under_the_prefix_is_a_site_and_changes_reach_a_warm_container(
    aws: AwsHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """template.yaml points WARTA_SITE_CONFIG at a prefix of the state bucket (SiteConfigPrefix)."""
    from warta.handlers import runtime

    toml = EXAMPLE_SITE.read_text()
    second = toml.replace('id = "andalpost"', 'id = "kabarkota"').replace(
        'output_prefix = ""', 'output_prefix = "kota/"'
    )
    aws.s3.put_object(Bucket=STATE_BUCKET, Key="sites/a-andalpost.toml", Body=toml.encode())
    aws.s3.put_object(Bucket=STATE_BUCKET, Key="sites/b-kabarkota.toml", Body=second.encode())
    aws.s3.put_object(Bucket=STATE_BUCKET, Key="sites/README.md", Body=b"not a site")
    monkeypatch.setenv("WARTA_SITE_CONFIG", f"s3://{STATE_BUCKET}/sites/")
    monkeypatch.setenv("WARTA_CONFIG_RECHECK_SECONDS", "3600")
    runtime.stack.cache_clear()
    deployment = runtime.stack().deployment
    assert list(deployment.sites) == ["andalpost", "kabarkota"]
    assert deployment.default_site == "andalpost"

    renamed = second.replace('name = "Andalpost"', 'name = "Kabar Kota"')
    aws.s3.put_object(Bucket=STATE_BUCKET, Key="sites/b-kabarkota.toml", Body=renamed.encode())
    assert runtime.stack().deployment.sites["kabarkota"].name == "Andalpost"  # not due yet
    monkeypatch.setenv("WARTA_CONFIG_RECHECK_SECONDS", "0")
    assert runtime.stack().deployment.sites["kabarkota"].name == "Kabar Kota"
    unchanged = runtime.stack()
    assert runtime.stack() is unchanged  # same configs: the warm stack is kept
