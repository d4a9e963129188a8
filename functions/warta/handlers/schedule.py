"""Schedule Lambda, every minute: release scheduled articles that came due, refresh news sitemaps.

It renders nothing itself: it queues outputs, and the render function (one at a time per site)
renders them. Its signal also wakes any pending output whose own signal was lost.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from warta.app.render import release_due
from warta.core.planner import OutputKey
from warta.handlers import runtime
from warta.observability import METRICS_NAMESPACE, logger

tracer = Tracer()
metrics = Metrics(namespace=METRICS_NAMESPACE)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    stack = runtime.stack()
    moment = runtime.now()
    released = release_due(stack.deployment, stack.index, stack.queue, moment)
    # Articles leave the news window with time alone: re-render the news sitemap every tick.
    stack.queue.push(OutputKey(site, "news_sitemap") for site in stack.deployment.sites)
    metrics.add_metric(name="ScheduledReleased", unit=MetricUnit.Count, value=released)
    return {"released": released, "now": moment.isoformat()}
