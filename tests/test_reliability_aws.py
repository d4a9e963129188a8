"""Nothing lost, nothing leaked, on the AWS stack (a moto server over HTTP): a messy event log
delivered by concurrent workers through the Lambda entry points, with and without faults, ends
in exactly the outputs the reference model expects, byte for byte those of a sequential local run.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import yaml

from conftest import EXAMPLE_SITE, REPO
from support.aws_runs import (
    INGEST_MAX_RECEIVES,
    RENDER_MAX_RECEIVES,
    AwsRun,
    LambdaContext,
    ThreadStacks,
    bucket_tree,
    check_tree,
    dead_letters,
    drain,
    eventbridge,
    model_mismatches,
    moto_environment,
    open_aws,
    sqs_event,
)
from support.event_log import EventLog, generate_event_log
from support.faults import STANDARD_RETRIES, FaultInjector
from support.local_runs import publish_batch

FULL = os.environ.get("WARTA_STRESS_FULL") == "1"
EVENTS, ARTICLES, WORKERS = (2_000, 300, 8) if FULL else (160, 30, 8)
if os.environ.get("WARTA_STRESS_EVENTS"):  # a size in between, to chase a failure quickly
    EVENTS = int(os.environ["WARTA_STRESS_EVENTS"])
    ARTICLES = max(1, EVENTS * 3 // 20)
FAULT_SEED = 20230921
FAULT_RATE = 0.08  # of S3 and DynamoDB calls, before botocore's retries
DEATH_RATE = 0.03  # of index writes, after the write took effect
PUT_DEATH_RATE = 0.003  # of output puts (a render makes dozens), after the put took effect
SURE_DEATH_AT = 5  # the fifth chance to die dies if none has yet (a run always has a death)
REPORT = os.environ.get("WARTA_STRESS_REPORT")  # tools/stress.py collects the figures here


def report(name: str, figures: dict[str, Any]) -> None:
    if REPORT:
        with open(REPORT, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"run": name, **figures}) + "\n")


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    with moto_environment() as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def log() -> EventLog:
    return generate_event_log(events=EVENTS, articles=ARTICLES, seed=13)


@pytest.fixture(scope="module")
def sequential(log: EventLog, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    tmp = tmp_path_factory.mktemp("sequential")
    assert "rejected" not in publish_batch(EXAMPLE_SITE, tmp / "public", tmp / "state", log.events, log.now)
    root = tmp / "public"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's retries keep their number, not their waits: tests never sleep."""
    from botocore.retries import standard

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)


def test_stress_through_the_aws_entry_points(
    log: EventLog, sequential: dict[str, bytes], moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws = open_aws(moto_endpoint, monkeypatch, log.now, ThreadStacks())
    run = AwsRun(aws, workers=WORKERS)
    run.send(log.events)
    stats = run.deliver()
    tree = bucket_tree(aws.s3)
    checked, problems = model_mismatches(tree, log.events, log.now)
    assert not problems, problems[:5]
    assert check_tree(tree) == []
    assert sorted(tree) == sorted(sequential)
    assert [k for k in sequential if tree[k] != sequential[k]] == []
    assert dead_letters(aws, aws.ingest_dlq) == [] and dead_letters(aws, aws.render_dlq) == []
    assert stats.eventbridge_dead == []
    report(
        "aws",
        {
            "events": len(log.events),
            "articles": ARTICLES,
            "workers": WORKERS,
            "faults": 0,
            "outputs_checked": checked + len(tree),
            "invocations": dict(stats.invocations),
            "result": "pass",
        },
    )


def test_faults_and_deaths_converge_to_the_model(
    log: EventLog,
    sequential: dict[str, bytes],
    moto_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
    no_backoff: None,
) -> None:
    from warta.adapters.dynamodb_index import DynamoIndex
    from warta.adapters.s3_store import S3Store

    faults = FaultInjector(
        seed=FAULT_SEED, rate=FAULT_RATE, death_rate=DEATH_RATE, enabled=False, sure_death_at=SURE_DEATH_AT
    )
    aws = open_aws(moto_endpoint, monkeypatch, log.now, ThreadStacks(faults, retries=STANDARD_RETRIES))
    faults.kill_after(monkeypatch, DynamoIndex, "write")  # between the index write and the push
    faults.kill_after(monkeypatch, S3Store, "put", PUT_DEATH_RATE)  # between two outputs
    # ... and after a put the render Lambda's digest manifest made without asking first.
    faults.kill_after(monkeypatch, S3Store, "put_unchecked", PUT_DEATH_RATE)
    run = AwsRun(
        aws,
        workers=WORKERS,
        seed=FAULT_SEED,
        repeat_render_rate=0.3,
        scan_after_failure=1_000,  # every failed render
    )
    run.send(log.events)
    faults.enabled = True
    stats = run.deliver()
    # A message in five batches whose worker died goes to the DLQ though it is valid (as on
    # AWS, where a killed invocation returns its whole batch): on-call replays it.
    for _ in range(3):
        if run.replay_dead_letters():
            stats = run.deliver()
    faults.enabled = False
    run.tick()  # the next minute's schedule: wakes outputs whose signal went to the render DLQ
    tree = bucket_tree(aws.s3)
    checked, problems = model_mismatches(tree, log.events, log.now)
    injected = {f"{service} {kind}": 0 for service, _, kind in faults.injected}
    for (service, _, kind), count in faults.injected.items():
        injected[f"{service} {kind}"] += count
    figures = {
        "events": len(log.events),
        "workers": WORKERS,
        "faults": faults.total,
        "faults_by_kind": injected,
        "invocations": dict(stats.invocations),
        "failed_invocations": dict(stats.failures),
        "renders_repeated": stats.renders_repeated,
        "scans_after_failure": stats.scans,
        "outputs_checked": checked + len(tree) + stats.objects_checked,
        "eventbridge_dead": len(stats.eventbridge_dead),
        "dlq_replayed": stats.dlq_replayed,
    }
    print(figures)
    assert stats.problems == [], stats.problems[:5]  # nothing half-written, at any failure
    # The log was delivered: nothing is left in a dead-letter queue.
    assert stats.eventbridge_dead == [] and dead_letters(aws, aws.ingest_dlq) == []
    assert not problems, problems[:5]
    assert check_tree(tree) == []
    assert sorted(tree) == sorted(sequential)
    assert [k for k in sequential if tree[k] != sequential[k]] == []
    # The faults were real: every kind hit, some got through botocore's retries, workers died.
    assert {kind for _, _, kind in faults.injected} >= {
        "throttle",
        "server_error",
        "connect_timeout",
        "applied_then_timeout",
        "died",
    }
    assert sum(stats.failures.values()) > 0 and stats.renders_repeated > 0
    report("aws-faults", {**figures, "result": "pass"})


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_message_that_can_never_succeed_lands_in_its_dlq_with_the_reason(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warta.observability import logger

    aws = open_aws(moto_endpoint, monkeypatch, datetime.fromisoformat("2023-09-21T00:00:00+07:00"))
    captured = Captured()
    logger.addHandler(captured)
    try:
        poison_event = aws.sqs_client.send_message(QueueUrl=aws.ingest_queue, MessageBody='{"event_id": "x"')
        poison_signal = aws.sqs_client.send_message(
            QueueUrl=aws.render_queue,
            MessageBody="{}",
            MessageGroupId="andalpost",
            MessageDeduplicationId="p",
        )
        stats = drain(aws)
    finally:
        logger.removeHandler(captured)
    assert (
        stats.invocations["ingest"] == INGEST_MAX_RECEIVES
        and stats.invocations["render"] == RENDER_MAX_RECEIVES
    )
    for dlq, sent in ((aws.ingest_dlq, poison_event), (aws.render_dlq, poison_signal)):
        [dead] = dead_letters(aws, dlq)
        assert dead["MessageId"] == sent["MessageId"]
        aws.sqs_client.change_message_visibility(
            QueueUrl=dlq, ReceiptHandle=dead["ReceiptHandle"], VisibilityTimeout=0
        )
    # A replay by on-call sends it through again, and it fails the same way, back to the DLQ.
    run = AwsRun(aws, workers=1)
    assert run.replay_dead_letters() == 1
    assert run.deliver().invocations["ingest"] == INGEST_MAX_RECEIVES
    assert len(dead_letters(aws, aws.ingest_dlq)) == 1
    reasons = {
        getattr(r, "message_id", None) or getattr(r, "source", "").removeprefix("sqs:"): r.getMessage()
        for r in captured.records
        if r.levelno >= logging.WARNING
    }
    assert (
        "not valid JSON" in reasons[poison_event["MessageId"]] or "JSON" in reasons[poison_event["MessageId"]]
    )
    assert "KeyError" in reasons[poison_signal["MessageId"]] and "site" in reasons[poison_signal["MessageId"]]


def test_a_render_never_overlaps_another_of_its_site_so_the_newer_bytes_stay(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pause a render half-way; a newer event comes in; its render cannot start until the paused
    one is done (FIFO message group), so the older bytes never land over the newer ones."""
    from warta.adapters.s3_store import S3Store

    aws = open_aws(moto_endpoint, monkeypatch, datetime.fromisoformat("2023-09-21T00:00:00+07:00"))
    first = json.loads((REPO / "examples/andalpost/events/001-seed-korut-75.json").read_bytes())
    newer = json.loads(json.dumps(first))
    newer["event_id"], newer["article"]["revision"] = "evt-newer", first["article"]["revision"] + 5
    newer["article"]["title"] = "Judul yang lebih baru"
    eventbridge(first)
    paused, resume = threading.Event(), threading.Event()
    original_put = S3Store.put

    def slow_put(self: S3Store, path: str, *args: Any) -> Any:
        if path == "feed/index.xml" and not resume.is_set():
            paused.set()
            assert resume.wait(30)
        return original_put(self, path, *args)

    monkeypatch.setattr(S3Store, "put", slow_put)
    old_render = threading.Thread(target=drain, args=(aws,))
    old_render.start()
    assert paused.wait(30)
    eventbridge(newer)  # accepted and queued while the old render holds the site's group
    assert (
        aws.sqs_client.receive_message(QueueUrl=aws.render_queue, WaitTimeSeconds=0).get("Messages") is None
    )
    resume.set()
    old_render.join(60)
    drain(aws)
    feed = aws.s3.get_object(Bucket="warta-site", Key="feed/index.xml")["Body"].read()
    assert b"Judul yang lebih baru" in feed and first["article"]["title"].encode() not in feed


def test_the_fifo_guarantee_holds_only_while_renders_end_before_their_message_reappears() -> None:
    """The render queue's visibility timeout outlasts the render function's timeout: a message
    reappears (and a second render of the site may start) only after the first was stopped."""
    template = yaml.load((REPO / "template.yaml").read_text(), Loader=_CloudFormationLoader)
    resources = template["Resources"]
    visibility = resources["RenderQueue"]["Properties"]["VisibilityTimeout"]
    render_timeout = resources["RenderFunction"]["Properties"]["Timeout"]
    assert visibility > render_timeout


class _CloudFormationLoader(yaml.SafeLoader):
    """SafeLoader that reads CloudFormation's short tags (!Ref, !GetAtt, !Sub) as plain values."""


_CloudFormationLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def test_a_render_delivered_twice_writes_nothing_the_second_time(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warta.handlers import render

    aws = open_aws(moto_endpoint, monkeypatch, datetime.fromisoformat("2023-09-21T00:00:00+07:00"))
    for path in sorted((REPO / "examples/andalpost/events").glob("00*.json")):
        eventbridge(json.loads(path.read_bytes()))
    messages = aws.sqs_client.receive_message(
        QueueUrl=aws.render_queue, MaxNumberOfMessages=10, AttributeNames=["All"]
    )["Messages"]
    event = sqs_event(messages, "warta-render.fifo")
    assert render.handler(event, LambdaContext()) == {"batchItemFailures": []}
    once = bucket_tree(aws.s3)
    from warta.adapters.s3_store import S3Store

    written: list[str] = []
    original_put = S3Store.put
    monkeypatch.setattr(
        S3Store,
        "put",
        lambda self, path, *a: (
            ((r := original_put(self, path, *a)) == "written" and written.append(path)) or r
        ),
    )
    original_unchecked = S3Store.put_unchecked
    # A put the digest manifest makes without asking first always writes.
    monkeypatch.setattr(
        S3Store,
        "put_unchecked",
        lambda self, path, *a: (written.append(path), original_unchecked(self, path, *a))[1],
    )
    assert render.handler(event, LambdaContext()) == {"batchItemFailures": []}
    assert written == [] and bucket_tree(aws.s3) == once
