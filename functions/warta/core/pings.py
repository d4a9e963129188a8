"""The port for notification pings (WebSub hubs, IndexNow, AMP caches): what is asked and what
came back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    timeout_seconds: float  # per attempt
    attempts: int  # at least 1
    backoff_seconds: float  # the wait after failed attempt n: backoff * 2**(n-1), capped


@dataclass(frozen=True, slots=True)
class PingResult:
    url: str
    ok: bool
    status: int | None  # the last HTTP status, None when no answer came
    attempts: int
    error: str = ""


class Pinger(Protocol):
    def post(self, url: str, body: bytes, content_type: str, policy: RetryPolicy) -> PingResult:
        """POST the body; never raises: every failure is a PingResult with ok=False."""
        ...

    def get(self, url: str, policy: RetryPolicy) -> PingResult:
        """GET the URL (its query is the request, as for an AMP cache flush); never raises."""
        ...
