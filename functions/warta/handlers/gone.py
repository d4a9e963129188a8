"""Gone Lambda (Function URL): CloudFront's fallback origin for AMP pages the bucket lacks.

The AMP cache behavior's origin group asks the bucket first; on its 404 CloudFront asks this
function, which answers 410 Gone for the page of a taken-down article (app/gone.py, the rule
`warta serve` follows) and 404 for anything else. Crawlers drop a 410 at once; a 404 they retry.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from warta.app.gone import gone_paths
from warta.handlers import runtime
from warta.observability import METRICS_NAMESPACE, logger

# Takedown records are read again at most this often per container; CloudFront caches each
# answer for its max-age on top.
GONE_LIST_SECONDS = 60
GONE_CACHE_CONTROL = "public, max-age=3600"
# A 404 may turn into a 410 once a takedown lands: cached briefly.
MISSING_CACHE_CONTROL = "public, max-age=60"
GONE_PAGE = (
    "<!doctype html><html><head><meta charset=utf-8><title>410 Gone</title></head>"
    "<body><p>This page has been removed.</p></body></html>"
)

tracer = Tracer()
metrics = Metrics(namespace=METRICS_NAMESPACE)


class _GoneList:
    read_at = float("-inf")
    paths: frozenset[str] = frozenset()


def _gone() -> frozenset[str]:
    if time.monotonic() - _GoneList.read_at >= GONE_LIST_SECONDS:
        stack = runtime.stack()
        _GoneList.paths = frozenset(gone_paths(stack.deployment, stack.ops.takedowns))
        _GoneList.read_at = time.monotonic()
    return _GoneList.paths


def forget_gone_list() -> None:
    """Read the takedown records again on the next request (tests)."""
    _GoneList.read_at = float("-inf")


def _answer(status: int, cache_control: str, body: str, method: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": "text/html; charset=utf-8", "cache-control": cache_control},
        "body": "" if method == "HEAD" else body,
    }


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    method = event.get("requestContext", {}).get("http", {}).get("method", "GET")
    if method not in ("GET", "HEAD"):
        return _answer(405, "no-store", "", method)
    path = unquote(event.get("rawPath") or "/").lstrip("/")
    if path in _gone():
        metrics.add_metric(name="GoneAnswered", unit=MetricUnit.Count, value=1)
        return _answer(410, GONE_CACHE_CONTROL, GONE_PAGE, method)
    return _answer(404, MISSING_CACHE_CONTROL, "", method)
