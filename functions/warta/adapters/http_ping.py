"""Small HTTP requests to hubs, IndexNow endpoints and AMP caches: bounded timeouts, bounded
retries, never raises.

A ping is a courtesy to a third party: it must never hold up or fail a publish, so every
failure ends as a `PingResult` for the caller to log.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable
from http import HTTPStatus

from warta.core.pings import PingResult, RetryPolicy

USER_AGENT = "warta"
MAX_BACKOFF_SECONDS = 30.0  # one wait between attempts never exceeds this
MAX_RESPONSE_BYTES = 64 * 1024  # what we read of an answer: only its status matters
# Worth another attempt: the server was overloaded or broken, not refusing the request.
RETRY_STATUSES = frozenset({HTTPStatus.TOO_MANY_REQUESTS, *(s for s in HTTPStatus if s >= 500)})


def backoff_delay(policy: RetryPolicy, attempt: int) -> float:
    """The wait after failed attempt `attempt` (1-based)."""
    delay: float = policy.backoff_seconds * 2 ** (attempt - 1)  # int ** int is Any to mypy
    return min(delay, MAX_BACKOFF_SECONDS)


class HttpPinger:
    """POSTs and GETs with urllib; `sleep` and `opener` are injectable so tests neither wait nor
    proxy. The default opener follows the environment's proxy variables, as urllib does."""

    def __init__(
        self,
        sleep: Callable[[float], None] = time.sleep,
        opener: urllib.request.OpenerDirector | None = None,
    ) -> None:
        self._sleep = sleep
        self._opener = opener or urllib.request.build_opener()

    def _attempt(
        self, url: str, body: bytes | None, content_type: str, timeout: float
    ) -> tuple[int | None, str]:
        headers = {"User-Agent": USER_AGENT}
        if body is not None:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(
            url, data=body, method="GET" if body is None else "POST", headers=headers
        )
        try:
            with self._opener.open(request, timeout=timeout) as response:
                response.read(MAX_RESPONSE_BYTES)
                return response.status, ""
        except urllib.error.HTTPError as exc:
            exc.close()
            return exc.code, f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError, ValueError) as exc:  # timeouts are OSErrors
            reason = getattr(exc, "reason", exc)
            return None, f"{type(exc).__name__}: {reason}"

    def post(self, url: str, body: bytes, content_type: str, policy: RetryPolicy) -> PingResult:
        return self._send(url, body, content_type, policy)

    def get(self, url: str, policy: RetryPolicy) -> PingResult:
        return self._send(url, None, "", policy)

    def _send(self, url: str, body: bytes | None, content_type: str, policy: RetryPolicy) -> PingResult:
        status: int | None = None
        error = ""
        attempts = max(1, policy.attempts)
        for attempt in range(1, attempts + 1):
            status, error = self._attempt(url, body, content_type, policy.timeout_seconds)
            if status is not None and 200 <= status < 300:
                return PingResult(url, True, status, attempt)
            if status is not None and status not in RETRY_STATUSES:
                return PingResult(url, False, status, attempt, error)  # refused: asking again won't help
            if attempt < attempts:
                self._sleep(backoff_delay(policy, attempt))
        return PingResult(url, False, status, attempts, error)
