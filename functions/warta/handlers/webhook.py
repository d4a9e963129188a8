"""Webhook Lambda (Function URL or API Gateway HTTP API): a CMS POSTs one event as JSON.

The rules (signature, replay window, size, answers) live in app/webhook_rules.py, shared with
`warta serve --webhook-secret-file`; here the secret comes from SSM Parameter Store (SecureString).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver, Response, content_types
from aws_lambda_powertools.metrics import MetricUnit

from warta.app.webhook_rules import (
    DEFAULT_MAX_BODY_BYTES,
    outcome_answer,
    signature_problem,
    too_large_answer,
)
from warta.app.webhook_rules import (
    signature_for as signature_for,  # the senders' side, for the tests and the docs' curl
)
from warta.handlers import runtime
from warta.observability import METRICS_NAMESPACE, logger

SECRET_CACHE_SECONDS = 300

app = LambdaFunctionUrlResolver()
tracer = Tracer()
metrics = Metrics(namespace=METRICS_NAMESPACE)


def _json(status: int, payload: dict[str, Any]) -> Response[str]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(payload))


def _max_body_bytes() -> int:
    return int(os.environ.get("WARTA_WEBHOOK_MAX_BYTES", DEFAULT_MAX_BODY_BYTES))


def _secret() -> bytes:
    from aws_lambda_powertools.utilities import parameters

    name = os.environ["WARTA_WEBHOOK_SECRET_PARAM"]
    value = parameters.get_parameter(name, decrypt=True, max_age=SECRET_CACHE_SECONDS)
    return str(value).encode("utf-8")


def _signature_problem(headers: dict[str, str], body: bytes) -> str | None:
    return signature_problem(headers, body, _secret, runtime.now().timestamp())


@app.post("/")
@app.post("/events")
def receive() -> Response[str]:
    event = app.current_event.raw_event
    raw_body = event.get("body") or ""
    encoded = bool(event.get("isBase64Encoded"))
    # Size first, from the length as received: nothing is decoded or parsed past the limit.
    approx_size = len(raw_body) * 3 // 4 if encoded else len(raw_body.encode("utf-8"))
    if approx_size > _max_body_bytes():
        metrics.add_metric(name="WebhookTooLarge", unit=MetricUnit.Count, value=1)
        return _json(*too_large_answer(_max_body_bytes()))
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
    return _json(*outcome_answer(outcome))


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    runtime.register_context(context)
    return app.resolve(event, context)
