"""Render Lambda: consumes render signals from the FIFO queue (one message group per site).

Each batch renders every pending output of each site it names, once, however many messages
asked for it: that is the coalescing. Then one CloudFront invalidation covers every path the
batch changed. The FIFO group keeps renders of one site from overlapping (docs/architecture.md).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from warta.adapters.http_ping import HttpPinger
from warta.adapters.sqs_queue import site_of_signal
from warta.app.cdn import paths_to_invalidate
from warta.app.notify import notify_after_render
from warta.app.render import RenderReport, render_pending
from warta.handlers import runtime
from warta.observability import METRICS_NAMESPACE, logger

tracer = Tracer()
metrics = Metrics(namespace=METRICS_NAMESPACE)


def render_site(site: str) -> RenderReport:
    stack = runtime.stack()
    queue = stack.queue.for_site(site)
    report = render_pending(
        deployment=stack.deployment, index=stack.index, queue=queue, store=stack.store, now=runtime.now()
    )
    if queue.has_pending():
        queue.signal(site)  # more than a page waited (a rebuild), or pushes came in meanwhile
    for outcome in ("written", "unchanged", "deleted"):
        metrics.add_metric(
            name=f"Outputs{outcome.capitalize()}", unit=MetricUnit.Count, value=report.count(outcome)
        )
    logger.info(
        "rendered",
        extra={
            "site": site,
            "written": report.count("written"),
            "unchanged": report.count("unchanged"),
            "deleted": report.count("deleted"),
        },
    )
    return report


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    rendered: set[str] = set()
    changed: list[str] = []
    reports: list[RenderReport] = []

    def record_handler(record: SQSRecord) -> None:
        try:
            site = site_of_signal(record.body)
            if site in rendered:
                return  # this batch rendered the site after every message in it was sent
            report = render_site(site)
        except Exception as exc:
            # The batch processor keeps only the failure: log why, by message id, which the
            # message keeps in the dead-letter queue after its last try.
            logger.exception(
                f"render failed: {type(exc).__name__}: {exc}",
                extra={
                    "message_id": record.message_id,
                    "receive_count": record.attributes.approximate_receive_count,
                },
            )
            raise
        changed.extend(paths_to_invalidate(report, runtime.stack().deployment.sites[site].cdn_invalidate))
        reports.append(report)
        rendered.add(site)

    response = process_partial_response(
        event=event, record_handler=record_handler, processor=SqsFifoPartialProcessor(), context=context
    )
    if changed:
        runtime.stack().cdn.invalidate(changed)
    # After the invalidation: a crawler told of a URL must not fetch the CDN's old copy. Pings
    # never raise; a failing hub or IndexNow endpoint is logged and the batch still succeeds.
    for report in reports:
        notify_after_render(report, runtime.stack().deployment, HttpPinger())
    return response
