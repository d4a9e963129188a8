"""Webhook Lambda (Function URL or API Gateway HTTP API): a CMS POSTs one event as JSON.

The CMS signs each request: `X-Warta-Timestamp` (Unix seconds) and
`X-Warta-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` with the shared secret kept
in SSM Parameter Store (SecureString). Checks run cheapest first: size (413), signature and
replay window (401), then the event itself (400 naming the field).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver, Response, content_types
from aws_lambda_powertools.metrics import MetricUnit

from warta.handlers import runtime
from warta.observability import METRICS_NAMESPACE, logger

SIGNATURE_HEADER = "x-warta-signature"
TIMESTAMP_HEADER = "x-warta-timestamp"
SIGNATURE_SCHEME = "sha256="
REPLAY_WINDOW_SECONDS = 5 * 60
# Unix seconds in ASCII digits only: int() would also take " 17", "+17", "1_7" and Arabic-Indic
# or fullwidth digits, and the signature covers the header's bytes, not the number.
TIMESTAMP_FORMAT = re.compile(r"[0-9]{1,12}")
# A synchronous Lambda invocation carries at most 6 MB of request (Lambda quotas); a body may
# reach 2 MB a page, so the default leaves room for a long article without nearing the cap.
DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024
SECRET_CACHE_SECONDS = 300

app = LambdaFunctionUrlResolver()
tracer = Tracer()
metrics = Metrics(namespace=METRICS_NAMESPACE)


def _json(status: int, payload: dict[str, Any]) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(payload))


def _max_body_bytes() -> int:
    return int(os.environ.get("WARTA_WEBHOOK_MAX_BYTES", DEFAULT_MAX_BODY_BYTES))


def _secret() -> bytes:
    from aws_lambda_powertools.utilities import parameters

    name = os.environ["WARTA_WEBHOOK_SECRET_PARAM"]
    value = parameters.get_parameter(name, decrypt=True, max_age=SECRET_CACHE_SECONDS)
    return str(value).encode("utf-8")


def signature_for(secret: bytes, timestamp: str, body: bytes) -> str:
    """The signature header value a sender computes (see infra/README.md for curl)."""
    digest = hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return SIGNATURE_SCHEME + digest


def _signature_problem(headers: dict[str, str], body: bytes) -> str | None:
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    signature = headers.get(SIGNATURE_HEADER, "")
    if not timestamp or not signature:
        return "missing signature or timestamp header"
    if not TIMESTAMP_FORMAT.fullmatch(timestamp):
        return "timestamp is not Unix seconds (ASCII digits)"
    sent_at = int(timestamp)
    if abs(runtime.now().timestamp() - sent_at) > REPLAY_WINDOW_SECONDS:
        return "timestamp outside the replay window"
    if not hmac.compare_digest(signature.encode("utf-8"), signature_for(_secret(), timestamp, body).encode()):
        return "signature does not match"
    return None


@app.post("/")
@app.post("/events")
def receive() -> Response:
    event = app.current_event.raw_event
    raw_body = event.get("body") or ""
    encoded = bool(event.get("isBase64Encoded"))
    # Size first, from the length as received: nothing is decoded or parsed past the limit.
    approx_size = len(raw_body) * 3 // 4 if encoded else len(raw_body.encode("utf-8"))
    if approx_size > _max_body_bytes():
        metrics.add_metric(name="WebhookTooLarge", unit=MetricUnit.Count, value=1)
        return _json(413, {"error": f"body over {_max_body_bytes()} bytes"})
    try:
        body = base64.b64decode(raw_body, validate=True) if encoded else raw_body.encode("utf-8")
    except (binascii.Error, ValueError):
        return _json(400, {"error": "(body): not valid base64", "field": "(body)"})
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    problem = _signature_problem(headers, body)
    if problem is not None:
        metrics.add_metric(name="WebhookUnauthorized", unit=MetricUnit.Count, value=1)
        logger.warning("webhook refused", extra={"reason": problem})
        return _json(401, {"error": problem})
    outcome = runtime.stack().ingest(body, f"webhook:{event.get('requestContext', {}).get('requestId', '')}")
    metrics.add_metric(name=f"Events{outcome.status.capitalize()}", unit=MetricUnit.Count, value=1)
    if outcome.status == "rejected":
        return _json(400, {"error": outcome.reason, "field": outcome.reason.split(": ", 1)[0]})
    payload = {"status": outcome.status, "event_id": outcome.event_id, "revision": outcome.revision}
    return _json(202 if outcome.status == "accepted" else 200, payload)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    runtime.register_context(context)
    return app.resolve(event, context)
