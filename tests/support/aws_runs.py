"""Drive the AWS entry points on a moto server as the platform would, from many workers at once.

- `serial_moto_server`: moto's server over HTTP, but applying one request at a time. AWS applies
  each request atomically (a conditional write checks and writes as one step); moto's threaded
  server does not, so without this a race inside moto would pass for a race in warta.
- `ThreadStacks`: each worker thread gets its own `runtime.stack()` with its own boto3 clients,
  as each Lambda container has; a `FaultInjector` is attached to every client.
- `AwsRun`: the CMS sends the log (half to the SQS ingest queue, half as EventBridge events),
  then `workers` threads deliver it: SQS batches of ten to the ingest handler with partial
  failures redelivered, EventBridge events with the rule's two retries, and render signals from
  the FIFO queue to the render handler like the SQS event source: one batch per message group
  in flight, successes deleted, failures visible again (the visibility timeout passed), and
  after `maxReceiveCount` receives a message moves to its dead-letter queue.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
from aws_harness import (
    ACCOUNT,
    INGEST_QUEUE,
    REGION,
    RENDER_QUEUE,
    SITE_BUCKET,
    AwsHarness,
    eventbridge_envelope,
)
from botocore.config import Config
from lxml import etree

from support.faults import NO_RETRIES, FaultInjector, WorkerDied

INGEST_MAX_RECEIVES = 5  # template.yaml: IngestQueue RedrivePolicy
RENDER_MAX_RECEIVES = 5  # template.yaml: RenderQueue RedrivePolicy
STUCK_SECONDS = 600  # no invocation finished for this long while messages wait: stuck
VISIBILITY_TIMEOUTS = {False: "360", True: "5400"}  # template.yaml: IngestQueue, RenderQueue
EVENTBRIDGE_ATTEMPTS = 3  # template.yaml: the rule's RetryPolicy MaximumRetryAttempts 2, plus the first


@contextlib.contextmanager
def serial_moto_server() -> Iterator[str]:
    """A moto server on 127.0.0.1 whose backends see one request at a time."""
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    dispatcher = DomainDispatcherApplication(create_backend_app)
    lock = threading.Lock()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with lock:
            return list(dispatcher(environ, start_response))

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class LambdaContext:
    """A context whose invocation has no time left: an in-progress idempotency record it leaves
    behind (a worker killed mid-event) has expired by the time SQS redelivers, as in production,
    where the visibility timeout (360 s) outlasts the function's timeout."""

    function_name = "warta-stress"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:warta-stress"
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    log_group_name = "/aws/lambda/warta-stress"
    log_stream_name = "stress"

    def get_remaining_time_in_millis(self) -> int:
        return 0


class ThreadStacks:
    """Replaces `runtime.stack` (and the boto3 it builds clients with) by one stack per thread."""

    def __init__(self, faults: FaultInjector | None = None, retries: Config | None = None) -> None:
        self.faults = faults
        self.config = retries if retries is not None else (NO_RETRIES if faults else None)
        self._local = threading.local()
        self._generation = 0
        self._build: Callable[[], Any] | None = None

    def install(self, monkeypatch: Any) -> None:
        from warta.handlers import runtime

        self._build = runtime._build_stack.__wrapped__
        monkeypatch.setattr(runtime, "boto3", self)
        stacks = self

        def stack() -> Any:
            local = stacks._local
            if getattr(local, "generation", -1) != stacks._generation:
                local.session = boto3.session.Session()
                local.stack = None
                local.generation = stacks._generation
            if local.stack is None:
                assert stacks._build is not None
                local.stack = stacks._build()
            return local.stack

        stack.cache_clear = self.clear  # type: ignore[attr-defined]
        monkeypatch.setattr(runtime, "stack", stack)

    def clear(self) -> None:
        self._generation += 1

    def client(self, service: str, config: Config | None = None) -> Any:
        """What `runtime` calls as `boto3.client`: this thread's session, faults attached (the
        test's retry settings over the handlers' config)."""
        config = config.merge(self.config) if config and self.config else config or self.config
        client = self._local.session.client(service, config=config)
        if self.faults is not None:
            self.faults.attach(client)
        return client


def add_dead_letter_queues(aws: AwsHarness) -> dict[str, str]:
    """The DLQs and redrive policies of template.yaml, on the harness's queues."""
    urls = {}
    for source, dlq_name, receives in (
        (aws.ingest_queue, "warta-ingest-dlq", INGEST_MAX_RECEIVES),
        (aws.render_queue, "warta-render-dlq.fifo", RENDER_MAX_RECEIVES),
    ):
        attributes = {"FifoQueue": "true"} if dlq_name.endswith(".fifo") else {}
        url = aws.sqs_client.create_queue(QueueName=dlq_name, Attributes=attributes)["QueueUrl"]
        arn = aws.sqs_client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        policy = json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": receives})
        # template.yaml's visibility timeouts: a render (or ingest) always ends before its
        # message can reappear. With moto's 30-60 s a slow render of a big log overlapped the next
        # one of its site, and its older bytes landed last (a stale AMP page survived a takedown).
        timeout = VISIBILITY_TIMEOUTS[source == aws.render_queue]
        aws.sqs_client.set_queue_attributes(
            QueueUrl=source, Attributes={"RedrivePolicy": policy, "VisibilityTimeout": timeout}
        )
        urls[source] = url
    aws.ingest_dlq, aws.render_dlq = urls[aws.ingest_queue], urls[aws.render_queue]  # type: ignore[attr-defined]
    return urls


def sqs_event(messages: list[dict[str, Any]], queue: str) -> dict[str, Any]:
    """The event the SQS event source gives Lambda for messages received from `queue`."""
    records = []
    for message in messages:
        attributes = dict(message.get("Attributes", {}))
        records.append(
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": attributes,
                "messageAttributes": {},
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue}",
                "awsRegion": REGION,
            }
        )
    return {"Records": records}


@dataclass
class RunStats:
    events: int = 0
    workers: int = 0
    invocations: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)  # invocations or records that failed
    deaths: Counter[str] = field(default_factory=Counter)  # WorkerDied, by where
    renders_repeated: int = 0
    eventbridge_dead: list[tuple[str, str]] = field(default_factory=list)  # (event_id, reason)
    dlq_replayed: int = 0  # messages on-call would replay from the dead-letter queues
    scans: int = 0  # bucket scans after a failed render
    objects_checked: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class AwsRun:
    """One delivery of an event log through the AWS entry points by `workers` threads."""

    aws: AwsHarness
    workers: int
    seed: int = 0
    repeat_render_rate: float = 0.0  # a successful render batch delivered again (a duplicate)
    scan_after_failure: int = 0  # how many failed renders are followed by a bucket scan
    stats: RunStats = field(default_factory=RunStats)

    def __post_init__(self) -> None:
        self._receive = threading.Lock()  # SQS hands out a FIFO group atomically; moto does not
        self._stats_lock = threading.Lock()
        self._eventbridge: list[tuple[dict[str, Any], int]] = []
        self._eventbridge_events: list[dict[str, Any]] = []
        self._busy = 0
        self._progress = time.monotonic()
        self._context = LambdaContext()

    # --- sending -----------------------------------------------------------------------------

    def send(self, events: list[dict[str, Any]]) -> None:
        """The CMS: even positions to the SQS ingest queue, odd ones to EventBridge."""
        self.stats.events += len(events)
        via_sqs = [e for n, e in enumerate(events) if n % 2 == 0]
        self._eventbridge_events = [e for n, e in enumerate(events) if n % 2 == 1]
        self._eventbridge.extend((e, 0) for e in self._eventbridge_events)
        self._eventbridge.reverse()  # popped from the end: log order
        for start in range(0, len(via_sqs), 10):
            entries = [
                {"Id": str(n), "MessageBody": json.dumps(e, ensure_ascii=False)}
                for n, e in enumerate(via_sqs[start : start + 10])
            ]
            response = self.aws.sqs_client.send_message_batch(QueueUrl=self.aws.ingest_queue, Entries=entries)
            assert not response.get("Failed"), response

    # --- the platform --------------------------------------------------------------------------

    def _count(self, counter: Counter[str], name: str) -> None:
        with self._stats_lock:
            counter[name] += 1

    def _receive_batch(self, queue_url: str) -> list[dict[str, Any]]:
        with self._receive:
            return self.aws.sqs_client.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"], WaitTimeSeconds=0
            ).get("Messages", [])

    def _settle(self, queue_url: str, messages: list[dict[str, Any]], failed: set[str]) -> None:
        """Delete what succeeded; what failed becomes visible again (its timeout passed)."""
        sqs = self.aws.sqs_client
        for message in messages:
            if message["MessageId"] in failed:
                sqs.change_message_visibility(
                    QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
            else:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])

    def _invoke_sqs(self, handler: Callable[..., Any], name: str, queue_url: str, queue: str) -> bool:
        messages = self._receive_batch(queue_url)
        if not messages:
            return False
        event = sqs_event(messages, queue)
        self._count(self.stats.invocations, name)
        try:
            response = handler(event, self._context)
            failed = {item["itemIdentifier"] for item in response["batchItemFailures"]}
        except (Exception, WorkerDied) as exc:  # the invocation failed: every message returns
            if isinstance(exc, WorkerDied):
                self._count(self.stats.deaths, name)
            failed = {m["MessageId"] for m in messages}
        if failed:
            self._count(self.stats.failures, name)
        if name == "render":
            self._after_render(event, handler, failed)
        self._settle(queue_url, messages, failed)
        return True

    def _after_render(self, event: dict[str, Any], handler: Callable[..., Any], failed: set[str]) -> None:
        rng = random.Random(f"{self.seed}:{event['Records'][0]['messageId']}")
        if failed:
            with self._stats_lock:
                scan = self.stats.scans < self.scan_after_failure
                self.stats.scans += scan
            if scan:
                # Still holding the message group: no other render runs while we look.
                checked, problems = check_bucket(self.aws.s3)
                with self._stats_lock:
                    self.stats.objects_checked += checked
                    self.stats.problems += problems
        elif rng.random() < self.repeat_render_rate:
            with contextlib.suppress(Exception, WorkerDied):
                handler(event, self._context)  # the same batch delivered again
                with self._stats_lock:
                    self.stats.renders_repeated += 1

    def _invoke_eventbridge(self, handler: Callable[..., Any]) -> bool:
        with self._stats_lock:
            if not self._eventbridge:
                return False
            event, attempt = self._eventbridge.pop()
            self._busy += 1
        self._count(self.stats.invocations, "eventbridge")
        try:
            handler(eventbridge_envelope(event), self._context)
            with self._stats_lock:
                self._busy -= 1
            return True
        except (Exception, WorkerDied) as exc:
            self._count(self.stats.failures, "eventbridge")
            if isinstance(exc, WorkerDied):
                self._count(self.stats.deaths, "eventbridge")
            with self._stats_lock:
                if attempt + 1 < EVENTBRIDGE_ATTEMPTS:
                    self._eventbridge.insert(0, (event, attempt + 1))
                else:  # the function's asynchronous dead-letter queue
                    self.stats.eventbridge_dead.append((event["event_id"], f"{type(exc).__name__}: {exc}"))
                self._busy -= 1
        return True

    def _waiting(self) -> int:
        total = 0
        for url in (self.aws.ingest_queue, self.aws.render_queue):
            attributes = self.aws.sqs_client.get_queue_attributes(
                QueueUrl=url,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
            total += sum(int(v) for v in attributes.values())
        return total + len(self._eventbridge)

    def _queue_states(self) -> dict[str, dict[str, str]]:
        return {
            url.rsplit("/", 1)[1]: self.aws.sqs_client.get_queue_attributes(
                QueueUrl=url, AttributeNames=["All"]
            )["Attributes"]
            for url in (self.aws.ingest_queue, self.aws.render_queue)
        }

    def _worker(self, errors: list[BaseException]) -> None:
        from warta.handlers import ingest, render

        try:
            while True:
                worked = self._invoke_eventbridge(ingest.handler)
                worked |= self._invoke_sqs(ingest.handler, "ingest", self.aws.ingest_queue, INGEST_QUEUE)
                worked |= self._invoke_sqs(render.handler, "render", self.aws.render_queue, RENDER_QUEUE)
                if worked:
                    self._progress = time.monotonic()
                    continue
                # In-flight SQS messages count as not visible; popped EventBridge events as busy.
                if self._busy == 0 and self._waiting() == 0:
                    return
                if time.monotonic() - self._progress > STUCK_SECONDS:
                    raise AssertionError(f"no progress with messages waiting: {self._queue_states()}")
                time.sleep(0.01)
        except BaseException as exc:  # surfaced by `deliver`
            errors.append(exc)

    def deliver(self) -> RunStats:
        """Run the workers until every queue is empty and no message is in flight."""
        self.stats.workers = self.workers
        self._progress = time.monotonic()
        errors: list[BaseException] = []
        threads = [threading.Thread(target=self._worker, args=(errors,)) for _ in range(self.workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            real = [e for e in errors if not str(e).startswith("no progress")]
            raise (real or errors)[0]
        return self.stats

    def replay_dead_letters(self) -> int:
        """On-call's replay (docs/operations.md): ingest DLQ messages back to the ingest queue,
        EventBridge's dead events back to EventBridge. Returns how many were replayed."""
        sqs = self.aws.sqs_client
        replayed = 0
        while messages := dead_letters(self.aws, self.aws.ingest_dlq):  # type: ignore[attr-defined]
            for message in messages:
                sqs.send_message(QueueUrl=self.aws.ingest_queue, MessageBody=message["Body"])
                sqs.delete_message(QueueUrl=self.aws.ingest_dlq, ReceiptHandle=message["ReceiptHandle"])  # type: ignore[attr-defined]
                replayed += 1
        dead = [event_id for event_id, _ in self.stats.eventbridge_dead]
        self._eventbridge.extend((e, 0) for e in self._eventbridge_events if e["event_id"] in dead)
        replayed += len(dead)
        self.stats.eventbridge_dead.clear()
        self.stats.dlq_replayed += replayed
        return replayed

    def tick(self, moment: datetime | None = None) -> None:
        """The one-minute schedule, then its render: what wakes outputs a lost signal left pending."""
        from warta.handlers import schedule

        schedule.handler({"source": "aws.scheduler"}, self._context)
        self.deliver()


def dead_letters(aws: AwsHarness, queue_url: str) -> list[dict[str, Any]]:
    return aws.sqs_client.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"], WaitTimeSeconds=0
    ).get("Messages", [])


# --- checking the bucket ---------------------------------------------------------------------------

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def object_problem(key: str, body: bytes) -> str | None:
    """Why an object is not a complete, well-formed document (None: it is)."""
    if not body:
        return f"{key}: empty"
    try:
        if key.endswith(".xml"):
            etree.fromstring(body)
        elif key.endswith(".json"):
            json.loads(body)
        elif key.endswith(".html"):
            text = body.decode("utf-8")
            if not text.lstrip().lower().startswith("<!doctype html>") or not text.rstrip().endswith(
                "</html>"
            ):
                return f"{key}: not a whole HTML document"
        else:
            body.decode("utf-8")
    except (etree.XMLSyntaxError, ValueError) as exc:
        return f"{key}: {exc}"
    return None


def check_tree(tree: dict[str, bytes], base_url: str = "https://www.andalpost.com/") -> list[str]:
    """Every object whole and well-formed, and every file the sitemap index names present."""
    problems = [p for key, body in sorted(tree.items()) if (p := object_problem(key, body))]
    if "sitemap.xml" in tree and not problems:
        index = etree.fromstring(tree["sitemap.xml"])
        for loc in index.xpath("//sm:sitemap/sm:loc/text()", namespaces=SITEMAP_NS):
            path = loc.removeprefix(base_url)
            if path not in tree:
                problems.append(f"sitemap.xml names {path}, which is absent")
    return problems


def check_bucket(s3: Any, bucket: str = SITE_BUCKET) -> tuple[int, list[str]]:
    tree = bucket_tree(s3, bucket)
    return len(tree), check_tree(tree)


def bucket_tree(s3: Any, bucket: str = SITE_BUCKET) -> dict[str, bytes]:
    keys = [
        item["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for item in page.get("Contents", [])
    ]
    return {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


# --- agreement with the reference model ------------------------------------------------------------


def model_mismatches(
    tree: dict[str, bytes], events: list[dict[str, Any]], now: datetime
) -> tuple[int, list[str]]:
    """Compare every feed, shard, the news sitemap and the set of AMP pages with the model.

    Returns how many outputs were compared and what disagreed.
    """
    from support.reference_model import (
        by_month,
        expected_feeds,
        expected_live,
        in_news_window,
        is_modelled_feed,
    )

    live = list(expected_live(events, now).values())
    problems: list[str] = []
    checked = 0

    def guids(key: str) -> list[str]:
        return [g.split(":", 1)[1] for g in etree.fromstring(tree[key]).xpath("//item/guid/text()")]

    expected = expected_feeds(live)
    got_feeds = {k for k in tree if is_modelled_feed(k)}
    if got_feeds != set(expected):
        problems.append(f"feeds {sorted(got_feeds ^ set(expected))} differ from the model")
    for key, articles in expected.items():
        checked += 1
        if key in tree and guids(key) != [a.id for a in articles]:
            problems.append(f"{key}: items differ from the model")
    months = by_month(live, "Asia/Jakarta")
    shards = {k for k in tree if k.startswith("sitemaps/")}
    if shards != {f"sitemaps/{m}.xml" for m in months}:
        problems.append(f"shards {sorted(shards)} differ from the model's months {sorted(months)}")
    for month, urls in months.items():
        checked += 1
        key = f"sitemaps/{month}.xml"
        if key in tree:
            locs = set(etree.fromstring(tree[key]).xpath("//sm:url/sm:loc/text()", namespaces=SITEMAP_NS))
            if locs != urls:
                problems.append(f"{key}: URLs differ from the model")
    checked += 1
    # A quiet window has no news sitemap file (docs/operations.md, "Quiet days").
    news_file = tree.get("sitemap-news.xml")
    news = (
        set(etree.fromstring(news_file).xpath("//sm:url/sm:loc/text()", namespaces=SITEMAP_NS))
        if news_file is not None
        else set()
    )
    if news != in_news_window(live, now):
        problems.append("sitemap-news.xml: URLs differ from the model")
    amp = {k[len("amp/") : -len(".html")] for k in tree if k.startswith("amp/")}
    checked += len(amp)
    expected_amp = {a.url.split("/", 3)[3] for a in live}
    if amp != expected_amp:
        problems.append(
            f"AMP pages: extra {sorted(amp - expected_amp)}, missing {sorted(expected_amp - amp)}"
        )
    return checked, problems


def open_aws(
    endpoint: str,
    monkeypatch: Any,
    now: datetime,
    stacks: ThreadStacks | None = None,
    site_toml: Any = None,
) -> AwsHarness:
    """Fresh resources on the moto server (state reset), with DLQs, per-thread stacks, a fixed clock."""
    import requests

    from warta.handlers import runtime

    from conftest import EXAMPLE_SITE

    requests.post(f"{endpoint}/moto-api/reset", timeout=30).raise_for_status()
    aws = AwsHarness(site_toml or EXAMPLE_SITE)
    for name, value in aws.create_resources().items():
        monkeypatch.setenv(name, value)
    add_dead_letter_queues(aws)
    (stacks or ThreadStacks()).install(monkeypatch)
    monkeypatch.setattr(runtime, "now", lambda: now)
    return aws


@contextlib.contextmanager
def moto_environment() -> Iterator[str]:
    """A serial moto server and the environment the Lambda functions read, for one module."""
    import pytest
    from aws_harness import ENVIRONMENT

    with serial_moto_server() as endpoint, pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", endpoint)
        for name, value in ENVIRONMENT.items():
            patch.setenv(name, value)
        yield endpoint


def drain(aws: AwsHarness, workers: int = 1) -> RunStats:
    """Deliver whatever waits in the queues, as the platform would."""
    return AwsRun(aws, workers=workers).deliver()


def eventbridge(event: dict[str, Any]) -> dict[str, Any]:
    """One EventBridge delivery to the ingest function (a retry finds no in-progress record)."""
    from warta.handlers import ingest

    return ingest.handler(eventbridge_envelope(event), LambdaContext())
