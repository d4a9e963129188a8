"""Rebuild Lambda: queue every output of every site, after a template or config change.

The render function then works through them a page per invocation, signalling itself until
nothing is pending. Invoke it by hand: `aws lambda invoke --function-name <RebuildFunction> -`.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from warta.app.rebuild import queue_everything
from warta.handlers import runtime
from warta.observability import METRICS_NAMESPACE, logger

tracer = Tracer()
metrics = Metrics(namespace=METRICS_NAMESPACE)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    stack = runtime.stack()
    queued = queue_everything(stack.deployment, stack.index, stack.queue, runtime.now())
    metrics.add_metric(name="RebuildQueued", unit=MetricUnit.Count, value=queued)
    logger.info("rebuild queued", extra={"outputs": queued})
    return {"queued": queued}
