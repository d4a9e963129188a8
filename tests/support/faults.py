"""Fault injection at the botocore level: S3 and DynamoDB calls that fail as AWS calls do.

`FaultInjector.attach(client)` registers a `before-send` handler on one boto3 client. For a
seeded fraction of calls it answers, without reaching the server, with what AWS answers under
load (a throttling error, a 5xx) or raises a connect timeout; or it lets the request reach the
server and *then* raises a read timeout, so the call took effect but the caller cannot know:
the worst case for any retry logic.

Clients meant to meet faults are built with one attempt (`NO_RETRIES`): botocore's own retries
would otherwise hide most faults, and what is tested is what happens once they are exhausted.
`WorkerDied` stands for a process killed mid-work: it is a BaseException, so no `except
Exception` in warta or in Powertools catches it, as none would catch a SIGKILL.
"""

from __future__ import annotations

import io
import json
import random
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import urllib3
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.config import Config
from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError

NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})
# botocore's standard mode, as a deployed function would configure it: faults below it are mostly
# absorbed, and the ones that get through are what warta's own redelivery has to repair.
STANDARD_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 3})

# What each kind of fault answers, per protocol. DynamoDB speaks JSON 1.0 (`__type`), S3 XML.
_DDB_ERRORS = {
    "throttle": (400, "com.amazonaws.dynamodb.v20120810#ThrottlingException", "Rate exceeded"),
    "server_error": (500, "com.amazonaws.dynamodb.v20120810#InternalServerError", "Internal error"),
}
_S3_ERRORS = {
    "throttle": (503, "SlowDown", "Please reduce your request rate."),
    "server_error": (500, "InternalError", "We encountered an internal error. Please try again."),
}
KINDS = ("throttle", "server_error", "connect_timeout", "applied_then_timeout")


class WorkerDied(BaseException):
    """A worker killed mid-batch: nothing may catch it but the harness that plays the platform."""


class _Raw(io.BytesIO):
    def stream(self, **_: Any) -> Iterator[bytes]:
        chunk = self.read()
        while chunk:
            yield chunk
            chunk = self.read()


@dataclass
class FaultInjector:
    """Fails `rate` of the calls of `services`, chosen by a seeded generator per worker."""

    seed: int
    rate: float
    services: frozenset[str] = frozenset({"s3", "dynamodb"})
    kinds: tuple[str, ...] = KINDS
    death_rate: float = 0.0  # of `maybe_die` calls that kill the worker
    # The `maybe_die` call (counted while enabled) that kills its worker if none has died yet:
    # per-worker generators and thread scheduling can otherwise leave a run without a death.
    sure_death_at: int = 0
    enabled: bool = True
    injected: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _local: threading.local = field(default_factory=threading.local)
    _workers: int = 0
    _death_calls: int = 0

    @property
    def total(self) -> int:
        return sum(self.injected.values())

    def _rng(self) -> random.Random:
        rng = getattr(self._local, "rng", None)
        if rng is None:
            with self._lock:
                self._workers += 1
                worker = self._workers
            rng = self._local.rng = random.Random(f"{self.seed}:{worker}")
        return rng

    def _deaths(self) -> int:
        return sum(n for (_, _, kind), n in self.injected.items() if kind == "died")

    def maybe_die(self, where: str, rate: float | None = None) -> None:
        """Kill the worker here for `rate` (default `death_rate`) of the calls."""
        if not self.enabled:
            return
        with self._lock:
            self._death_calls += 1
            sure = self._death_calls == self.sure_death_at and not self._deaths()
        if sure or self._rng().random() < (self.death_rate if rate is None else rate):
            with self._lock:
                self.injected[("worker", where, "died")] += 1
            raise WorkerDied(where)

    def kill_after(self, monkeypatch: Any, owner: type, method: str, rate: float | None = None) -> None:
        """Let `owner.method` take effect, then maybe kill the worker before it returns."""
        original = getattr(owner, method)
        injector = self

        def dying(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            injector.maybe_die(f"after {owner.__name__}.{method}", rate)
            return result

        monkeypatch.setattr(owner, method, dying)

    def attach(self, client: Any) -> None:
        service = client.meta.service_model.service_name
        if service in self.services:
            client.meta.events.register("before-send", self._before_send)

    def _before_send(self, request: AWSPreparedRequest, event_name: str, **_: Any) -> AWSResponse | None:
        _, service, operation = event_name.split(".", 2)
        rng = self._rng()
        with self._lock:
            self.calls[service] += 1
        if not self.enabled or rng.random() >= self.rate:
            return None
        kind = rng.choice(self.kinds)
        with self._lock:
            self.injected[(service, operation, kind)] += 1
        if kind == "connect_timeout":
            raise ConnectTimeoutError(endpoint_url=request.url)
        if kind == "applied_then_timeout":
            _send_for_real(request)
            raise ReadTimeoutError(endpoint_url=request.url)
        return _error_response(service, kind, request)


def _error_response(service: str, kind: str, request: AWSPreparedRequest) -> AWSResponse:
    if service == "dynamodb":
        status, code, message = _DDB_ERRORS[kind]
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "fault"}
    else:
        status, code, message = _S3_ERRORS[kind]
        body = b"" if request.method == "HEAD" else _s3_error_xml(code, message)
        headers = {"Content-Type": "application/xml", "x-amz-request-id": "fault"}
    return AWSResponse(request.url, status, headers, _Raw(body))


def _s3_error_xml(code: str, message: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
        f"<Message>{message}</Message><RequestId>fault</RequestId></Error>"
    ).encode()


_pool = urllib3.PoolManager()


def _send_for_real(request: AWSPreparedRequest) -> None:
    body = request.body
    if hasattr(body, "read"):
        position = body.tell() if hasattr(body, "tell") else None
        data = body.read()
        if position is not None:
            body.seek(position)
        body = data
    _pool.request(request.method, request.url, body=body, headers=dict(request.headers), retries=False)
