"""Render Lambda: consumes render signals from the FIFO queue (one message group per site).

Each batch renders every pending output of each site it names, once, however many messages
asked for it: that is the coalescing. Then one CloudFront invalidation covers every path the
batch changed. The FIFO group keeps renders of one site from overlapping (docs/architecture.md).
Last, the status report is brought up to date (`warta.status.batches`); a failure there is
logged and counted, never a failed batch.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from warta.adapters.amp_cache_keys import ssm_signer
from warta.adapters.http_ping import HttpPinger
from warta.adapters.s3_digests import DigestManifest, KnownDigestStore
from warta.adapters.s3_status import S3Tree
from warta.adapters.sqs_queue import SqsRenderQueue, site_of_signal
from warta.app.batch_index import BatchIndex, BatchQueue
from warta.app.cdn import paths_to_invalidate
from warta.app.notify import notify_after_render
from warta.app.render import RenderReport, render_pending
from warta.core.config import SiteConfig
from warta.core.operator_records import ArticleCounts
from warta.handlers import runtime
from warta.observability import METRICS_NAMESPACE, log_record_failure, logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

# S3 requests of one render step in flight at once: a publish writes some 15 files in 5 steps.
WRITE_WORKERS = 8

tracer = Tracer()
metrics = Metrics(namespace=METRICS_NAMESPACE)


def render_site(
    site: str, index: BatchIndex, batch_queue: BatchQueue, queue: SqsRenderQueue | None = None
) -> RenderReport:
    """Render a site's pending outputs, reading the index and the site's queue through this
    batch's `index` and `batch_queue` (on the site's `queue`)."""
    stack = runtime.stack()
    queue = queue or stack.queue.for_site(site)
    config = stack.deployment.sites.get(site)
    if config is None:  # no config for it here: its outputs stay queued (render_pending)
        return render_pending(
            deployment=stack.deployment, index=index, queue=batch_queue, store=stack.store, now=runtime.now()
        )
    # The digests of the files this site's batches keep writing: no HEAD for those (s3_digests).
    manifest = DigestManifest(stack.s3, stack.state_bucket, site)
    amp_pages = config.output_prefix + config.amp.path.split("{", 1)[0]
    store = KnownDigestStore(stack.store, manifest.take(), lambda path: not path.startswith(amp_pages))
    report = render_pending(
        deployment=stack.deployment,
        index=index,
        queue=batch_queue,
        store=store,
        now=runtime.now(),
        write_workers=WRITE_WORKERS,
    )
    index.flush_writes()  # `done` sent them (BatchQueue): this only makes sure
    manifest.put_back(store.known)
    # More than a page waited (a rebuild): signal the next page. A take that read every pending
    # output needs no look: a push since then sent a signal of its own (SqsRenderQueue.push).
    if queue.more_after_take is not False and queue.has_pending():
        queue.signal(site)
    for outcome in ("written", "unchanged", "deleted"):
        metrics.add_metric(
            name=f"Outputs{outcome.capitalize()}", unit=MetricUnit.Count, value=report.count(outcome)
        )
    # The OutputsQuarantined alarm (template.yaml) pages on-call: an output is being held back.
    metrics.add_metric(name="OutputsQuarantined", unit=MetricUnit.Count, value=len(report.quarantined))
    logger.info(
        "rendered",
        extra={
            "site": site,
            "written": report.count("written"),
            "unchanged": report.count("unchanged"),
            "deleted": report.count("deleted"),
            "quarantined": [f"{key.kind}|{key.name}: {reason}" for key, reason in report.quarantined],
        },
    )
    return report


def _article_counts(site: SiteConfig, index: BatchIndex) -> ArticleCounts:
    """From what is cheap to read at every batch: the rendered shard parts count the visible
    articles (as the batch left them), the sparse `due` index the scheduled ones, the operator
    records the takedowns."""
    stack = runtime.stack()
    return ArticleCounts(
        live=sum(part.url_count for part in index.shard_parts(site.id)),
        scheduled=stack.index.scheduled_count(site.id, runtime.now()),
        taken_down=stack.ops.takedown_count(site.id),
    )


def write_status(reports: dict[str, RenderReport], index: BatchIndex, queues: dict[str, BatchQueue]) -> None:
    """Rewrite the status report after a batch; never raises."""
    stack = runtime.stack()
    if stack.status is None or not reports:
        return
    try:
        # Imported here: the feed and sitemap checks it brings are not on the cold-start path.
        from warta.status.batches import write_status_after_render

        location = write_status_after_render(
            deployment=stack.deployment,
            tree=S3Tree(stack.store, stack.s3),
            store=stack.status,
            rendered=reports,
            counts=lambda site: _article_counts(site, index),
            ops=stack.ops,
            now=runtime.now(),
            at=datetime.now(UTC),
            out=f"s3://{stack.store.bucket}",
            quarantined=[q for site in sorted(reports) for q in queues[site].quarantined()],
        )
    except Exception as exc:
        metrics.add_metric(name="StatusReportFailed", unit=MetricUnit.Count, value=1)
        logger.exception(f"status report not written: {type(exc).__name__}: {exc}")
        return
    logger.info("status report written", extra={"location": location, "sites": sorted(reports)})


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    rendered: set[str] = set()
    changed: list[str] = []
    reports: dict[str, RenderReport] = {}
    index = BatchIndex(runtime.stack().index)
    queues: dict[str, BatchQueue] = {}

    def record_handler(record: SQSRecord) -> None:
        try:
            site = site_of_signal(record.body)
            if site in rendered:
                return  # this batch rendered the site after every message in it was sent
            site_queue = runtime.stack().queue.for_site(site)
            queues[site] = BatchQueue(site_queue, before_done=index.flush_writes)
            report = render_site(site, index, queues[site], site_queue)
        except Exception as exc:
            log_record_failure("render", record.message_id, record.attributes.approximate_receive_count, exc)
            raise
        changed.extend(paths_to_invalidate(report, runtime.stack().deployment.sites[site].cdn_invalidate))
        reports[site] = report
        rendered.add(site)

    response = process_partial_response(
        event=event, record_handler=record_handler, processor=SqsFifoPartialProcessor(), context=context
    )
    if changed:
        runtime.stack().cdn.invalidate(changed)
    # After the invalidation: a crawler told of a URL must not fetch the CDN's old copy. Pings
    # never raise; a failing hub or IndexNow endpoint is logged and the batch still succeeds.
    # AMP cache flushes are signed with the site's key from SSM (`<prefix><site id>`).
    prefix = os.environ.get("WARTA_AMP_CACHE_KEY_PREFIX", "")
    for report in reports.values():
        notify_after_render(
            report, runtime.stack().deployment, HttpPinger(), lambda site: ssm_signer(site, prefix)
        )
    write_status(reports, index, queues)
    return response
