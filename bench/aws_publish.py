"""Publish on the AWS stack, against a moto server: latency per event and what each event costs.

    .venv/bin/python bench/aws_publish.py [--articles 100] [--events 20]

The Lambda handlers run in this process as in tests/test_aws_stack.py (tests/aws_harness.py):
an EventBridge event into the ingest handler, then the render queue delivered to the render
handler. moto answers every call over local HTTP from a server process of its own (as AWS's
services are not in the Lambda's process: in-process, moto's threads took the handlers' GIL),
but its latency is not AWS's (it scans a table per query and copies it per transaction): the
wall times say how the code behaves, not what Lambda would show; `server_cpu_ms` is the moto
process's CPU per event (user + system, 10 ms ticks), most of the wall time beyond ours, and
`server_cpu_by_api_ms` the same split by the request it answered (mean per event). CPU is this
thread's only (moto's threads excluded): `cpu_ms` all of it, harness included; `lambda_cpu_ms`
only inside the two handlers, plus what the render's write pool threads spend in their writes
(`pool_cpu_ms` of it), less this script's own work in the requests they send (counting,
sizing items, sampling moto: `harness_cpu_ms`): what the Lambda functions would be billed
for; `request_cpu_ms` is the part of it spent inside the requests the handlers send (botocore,
urllib3, the socket), and
`request_floor_ms` what one bare request costs the client on the same server (a GetItem of a
missing key, a 10 kB PutObject), the least an event's requests can cost whatever our code does.

Counted per event, by wrapping botocore's API call (a request that fails, such as a delete whose
condition finds nothing, counts as one): S3 PUTs and their bytes, S3 GET/HEAD,
DynamoDB reads and writes (with the capacity units DynamoDB would charge, from item sizes:
1 write unit per KB written, 2 in a transaction, 1 read unit per 4 KB read strongly
consistent), SQS messages, and the CloudFront invalidation paths the render handler asks for;
and every request by API (`requests`, medians per event; sqs.ReceiveMessage and
sqs.DeleteMessage are the render queue's event source, which the harness plays).

Two latencies per event: `wall_ms` from the event to the end of the render batch (status
report included), `object_ms` from the event to the last object written to the site bucket
(what a reader waits for).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

import archive  # noqa: E402
from stages import percentile  # noqa: E402

DDB_READS = {"GetItem", "Query", "BatchGetItem", "Scan"}
DDB_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


def _item_bytes(item: dict[str, Any]) -> int:
    return len(json.dumps(item, default=str))  # close to DynamoDB's item size (names + values)


class CallCounter:
    """Counts AWS calls and what they move, per event."""

    def __init__(self, site_bucket: str, billed: HandlerCpu, server: MotoProcess) -> None:
        self.counts: Counter[str] = Counter()
        self.requests: Counter[str] = Counter()
        self.site_bucket = site_bucket
        self.last_object = 0.0  # perf_counter() when the last put to the site bucket ended
        self.billed = billed
        # CPU of the calling thread inside the requests the handlers send (botocore, urllib3, the
        # socket): the part of the Lambda CPU that each request costs, whatever the code around it
        self.request_cpu = 0.0
        self.harness_cpu = 0.0  # the handlers' CPU spent in this counter's own work
        self.harness_pool_cpu = 0.0  # of it, in the write pool's threads
        self._lock = threading.Lock()
        # moto's CPU by request kind, over every measured event: sampled around each request
        # sent while no other was in flight (the write pool's overlapping PUTs go to "overlapping")
        self.server = server
        self.server_cpu: Counter[str] = Counter()
        self._in_flight = 0
        self._overlapped = False

    def install(self) -> None:
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        counts, counter = self.counts, self

        def counted(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            service = client.meta.service_model.service_name
            body = params.get("Body", b"") if service == "s3" and operation == "PutObject" else b""
            started = time.thread_time()
            with counter._lock:
                counter._in_flight += 1
                counter._overlapped = counter._in_flight > 1
                server_started = counter.server.cpu_seconds()
            sent = time.thread_time()
            response = None  # if the request fails (a condition not met): counted all the same
            try:
                response = original(client, operation, params)
                return response
            finally:
                answered = time.thread_time()
                with counter._lock:
                    alone = not counter._overlapped
                    counter._in_flight -= 1
                    spent = counter.server.cpu_seconds() - server_started
                    counter.server_cpu[f"{service}.{operation}" if alone else "overlapping"] += spent
                counter._count(service, operation, params, body, response)
                if counter.billed.inside():
                    with counter._lock:
                        counter.request_cpu += answered - sent
                        # This wrapper's own work (moto's CPU sampled, items sized) is the
                        # harness's, not the Lambda's: taken out of the handlers' CPU.
                        own = (sent - started) + (time.thread_time() - answered)
                        counter.harness_cpu += own
                        if threading.current_thread() is not threading.main_thread():
                            counter.harness_pool_cpu += own
                        counts["lambda.requests"] += 1
                        counts["lambda.s3_requests"] += service == "s3"

        BaseClient._make_api_call = counted  # type: ignore[method-assign]

    def _count(self, service: str, operation: str, params: dict[str, Any], body: Any, response: Any) -> None:
        """Count the request and what it moved (sizes of items, bytes of bodies); a failed one
        (`response` None) as a request only."""
        counts, requests, counter = self.counts, self.requests, self
        counts[f"{service}.{operation}"] += 1
        requests[f"{service}.{operation}"] += 1
        if response is None:
            return
        if operation == "PutObject" and params.get("Bucket") == counter.site_bucket:
            counter.last_object = max(counter.last_object, time.perf_counter())
        if service == "s3" and operation == "PutObject":
            counts["s3.put_bytes"] += len(body) if isinstance(body, bytes | str) else 0
        elif service == "dynamodb" and operation in DDB_WRITES:
            if operation == "BatchWriteItem":
                items = [
                    r.get("PutRequest", {}).get("Item", {})
                    for rs in params["RequestItems"].values()
                    for r in rs
                ]
            elif operation == "TransactWriteItems":
                items = [next(iter(t.values())).get("Item", {}) for t in params["TransactItems"]]
            else:
                items = [params.get("Item", params.get("Key", {}))]
            # A transaction writes each item twice (prepare, commit): 2 units per KB.
            units = 2 if operation == "TransactWriteItems" else 1
            counts["dynamodb.write_units"] += sum(
                units * max(1, math.ceil(_item_bytes(i) / 1024)) for i in items
            )
            counts["dynamodb.items_written"] += len(items)
        elif service == "dynamodb" and operation in DDB_READS:
            if operation == "GetItem":
                items = [response.get("Item", {})]
            elif operation == "BatchGetItem":
                items = [i for rs in response.get("Responses", {}).values() for i in rs]
            else:
                items = response.get("Items", [])
            size = sum(_item_bytes(i) for i in items)
            counts["dynamodb.read_units"] += max(1, math.ceil(size / 4096))
            counts["dynamodb.items_read"] += len(items)
        elif service == "sqs" and operation == "SendMessage":
            counts["sqs.messages"] += 1


class HandlerCpu:
    """CPU of this thread inside the Lambda handlers, and of the write pool's threads' writes."""

    def __init__(self) -> None:
        self.handlers = 0.0
        self.pool = 0.0
        self._lock = threading.Lock()
        self._inside = threading.local()

    def inside(self) -> bool:
        """Whether this thread is running a handler or a write of the pool."""
        return getattr(self._inside, "now", False)

    def install(self) -> None:
        from warta.app import render as app_render
        from warta.handlers import ingest, render

        for module in (ingest, render):
            module.handler = self._timed(module.handler)  # type: ignore[method-assign]
        apply = app_render._apply

        def pooled(*args: Any) -> Any:
            if threading.current_thread() is threading.main_thread():
                return apply(*args)
            started = time.thread_time()
            self._inside.now = True
            try:
                return apply(*args)
            finally:
                self._inside.now = False
                with self._lock:
                    self.pool += time.thread_time() - started

        app_render._apply = pooled  # type: ignore[assignment]

    def _timed(self, handler: Any) -> Any:
        def timed(event: Any, context: Any) -> Any:
            started = time.thread_time()
            self._inside.now = True
            try:
                return handler(event, context)
            finally:
                self._inside.now = False
                self.handlers += time.thread_time() - started

        return timed


# Requests sent per kind by `request_floor`, after as many to warm the clients up.
FLOOR_REQUESTS = 60
FLOOR_PUT_BYTES = 10_000  # about an AMP page or a small feed


def request_floor(harness: Any) -> dict[str, float]:
    """The client CPU of one request with nothing around it, on the handlers' client config
    and the same moto server: a GetItem of a missing key and a 10 kB PutObject, median ms.
    Times an event's request count, what its requests cost the Lambda at the least."""
    import boto3

    from warta.handlers.runtime import CLIENT_CONFIG

    ddb = boto3.client("dynamodb", config=CLIENT_CONFIG)
    s3 = boto3.client("s3", config=CLIENT_CONFIG)
    body = b"x" * FLOOR_PUT_BYTES
    calls = {
        "dynamodb.GetItem": lambda n: ddb.get_item(
            TableName=harness.TABLE, Key={"pk": {"S": f"floor#{n}"}, "sk": {"S": "none"}}
        ),
        "s3.PutObject": lambda n: s3.put_object(Bucket=harness.STATE_BUCKET, Key=f"floor/{n}", Body=body),
    }
    floor = {}
    for name, call in calls.items():
        spent = []
        for n in range(2 * FLOOR_REQUESTS):
            started = time.thread_time()
            call(n)
            if n >= FLOOR_REQUESTS:
                spent.append((time.thread_time() - started) * 1000)
        floor[name] = statistics.median(spent)
    return floor


class MotoProcess:
    """moto's server in a process of its own, on a free local port."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.05)

    def cpu_seconds(self) -> float:
        """User + system CPU of the server so far (Linux /proc; 0 elsewhere)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.kill()  # werkzeug's server does not always end on SIGTERM
        self.process.wait(timeout=30)


def measure(articles: int, events: int) -> dict[str, Any]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = MotoProcess()
    host, port = "127.0.0.1", server.port
    try:
        import aws_harness

        os.environ.update(aws_harness.ENVIRONMENT, AWS_ENDPOINT_URL=f"http://{host}:{port}")
        harness = aws_harness.AwsHarness(archive.SITE)
        os.environ.update(harness.create_resources())
        from warta.handlers import runtime
        from warta.synthetic import event_of, iter_events

        clock = {"now": datetime.now()}
        runtime.now = lambda: clock["now"]  # type: ignore[assignment]
        runtime.stack.cache_clear()
        spec = archive.spec(articles)
        started = time.perf_counter()
        clock["now"] = archive.after_newest(articles)
        for event in iter_events(spec):
            harness.eventbridge(event)
        harness.drain_render_queue()
        load_seconds = time.perf_counter() - started

        billed = HandlerCpu()
        billed.install()
        counter = CallCounter(aws_harness.SITE_BUCKET, billed, server)
        counter.install()
        cdn = runtime.stack().cdn
        invalidate = cdn.invalidate

        def counted_invalidate(paths: Any) -> Any:
            from warta.adapters.cloudfront_cdn import invalidation_paths

            counter.counts["cloudfront.invalidation_paths"] += len(invalidation_paths(list(paths)))
            return invalidate(paths)

        object.__setattr__(cdn, "invalidate", counted_invalidate)
        per_event: list[dict[str, Any]] = []
        for k in range(events):
            item = archive.newcomer(spec, k)
            clock["now"] = item.published_at + timedelta(minutes=1)
            counter.counts.clear()
            counter.requests.clear()
            billed.handlers = billed.pool = counter.request_cpu = 0.0
            counter.harness_cpu = counter.harness_pool_cpu = 0.0
            wall, cpu, server_cpu = time.perf_counter(), time.thread_time(), server.cpu_seconds()
            counter.last_object = wall
            harness.eventbridge(event_of(spec, item))
            harness.drain_render_queue()
            per_event.append(
                {
                    "wall_ms": (time.perf_counter() - wall) * 1000,
                    "cpu_ms": (time.thread_time() - cpu) * 1000,
                    "object_ms": (counter.last_object - wall) * 1000,
                    "lambda_cpu_ms": (billed.handlers + billed.pool - counter.harness_cpu) * 1000,
                    "harness_cpu_ms": counter.harness_cpu * 1000,
                    "pool_cpu_ms": (billed.pool - counter.harness_pool_cpu) * 1000,
                    "request_cpu_ms": counter.request_cpu * 1000,
                    "server_cpu_ms": (server.cpu_seconds() - server_cpu) * 1000,
                    "requests": dict(counter.requests),
                    **counter.counts,
                }
            )
        server_cpu_by_api = counter.server_cpu.most_common()
        floor = request_floor(aws_harness)
    finally:
        server.stop()
    billed_cpu = ("lambda_cpu_ms", "pool_cpu_ms", "server_cpu_ms", "request_cpu_ms")
    timings = {"wall_ms", "cpu_ms", "object_ms", *billed_cpu}
    keys = sorted({k for e in per_event for k in e} - timings - {"requests"})
    walls, cpus = [e["wall_ms"] for e in per_event], [e["cpu_ms"] for e in per_event]
    objects = [e["object_ms"] for e in per_event]
    apis = sorted({api for e in per_event for api in e["requests"]})
    return {
        "articles": articles,
        "events": events,
        "load_seconds": round(load_seconds, 1),
        "wall_ms": {"median": statistics.median(walls), "p95": percentile(walls, 0.95)},
        "cpu_ms": {"median": statistics.median(cpus), "p95": percentile(cpus, 0.95)},
        "object_ms": {"median": statistics.median(objects), "p95": percentile(objects, 0.95)},
        **{name: {"median": statistics.median(e[name] for e in per_event)} for name in billed_cpu},
        "request_floor_ms": floor,
        # mean per event, by request kind (10 ms ticks, summed over the events)
        "server_cpu_by_api_ms": {
            api: round(seconds * 1000 / events, 1) for api, seconds in server_cpu_by_api
        },
        "requests": {api: statistics.median(e["requests"].get(api, 0) for e in per_event) for api in apis},
        "requests_total": statistics.median(sum(e["requests"].values()) for e in per_event),
        "per_event": {k: statistics.median(e.get(k, 0) for e in per_event) for k in keys},
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--events", type=int, default=20)
    args = parser.parse_args()
    print(json.dumps(measure(args.articles, args.events)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
