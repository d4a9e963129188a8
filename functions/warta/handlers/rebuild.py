"""Rebuild Lambda: sweep every site's strays, then queue every output of every site.

The render function then works through the queue a page per invocation, signalling itself
until nothing is pending. Invoke it by hand: `aws lambda invoke --function-name <RebuildFunction> -`;
the payload `{"dry_run": true}` only lists the strays (in the logs, the first 1,000 in the
answer), `{"new_index": true}` goes on although the table holds nothing of a site whose
bucket holds outputs (refused otherwise: logged, counted as `EmptyIndexRefused`, alarmed).

The bucket listing is spooled to /tmp before the planned set is read from the index, so a file
written by a render running meanwhile was listed after its index write and is planned, never
swept. Memory stays bounded at a million objects (`app.sweep`).
"""

from __future__ import annotations

import functools
import json
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from warta.adapters.s3_digests import forget_manifests
from warta.app.rebuild import queue_everything
from warta.app.sweep import EmptyIndexError, check_index_matches_tree, sweep_site
from warta.handlers import runtime
from warta.observability import METRICS_NAMESPACE, logger

tracer = Tracer()
metrics = Metrics(namespace=METRICS_NAMESPACE)


def _spool(paths: Iterator[str], spool: IO[str]) -> Iterator[str]:
    """Write the whole listing to a file first, then read it back one path at a time."""
    for path in paths:
        spool.write(json.dumps(path) + "\n")
    spool.seek(0)
    return (json.loads(line) for line in spool)


def _log_stray(site_id: str, path: str) -> None:
    logger.info("stray", extra={"site": site_id, "path": path})


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    stack = runtime.stack()
    now = runtime.now()
    dry_run = bool((event or {}).get("dry_run"))
    new_index = bool((event or {}).get("new_index"))
    if not new_index:
        try:
            check_index_matches_tree(stack.deployment, stack.index, stack.store)
        except EmptyIndexError as exc:
            metrics.add_metric(name="EmptyIndexRefused", unit=MetricUnit.Count, value=1)
            logger.error(
                "rebuild refused: empty index beside a populated bucket",
                extra={"site": exc.site_id, "example": exc.example, "reason": str(exc)},
            )
            return {"refused": str(exc)}
    strays: list[str] = []
    removed = 0
    if not dry_run:
        # The render batches' digests may name files the sweep removes: they ask S3 again.
        forget_manifests(stack.s3, stack.state_bucket)
    for site_id, site in stack.deployment.sites.items():
        with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
            listing = _spool(stack.store.list(site.output_prefix), spool)
            result = sweep_site(
                stack.deployment,
                site_id,
                stack.index,
                stack.store,
                now,
                dry_run=dry_run,
                on_stray=functools.partial(_log_stray, site_id),
                listing=listing,
                new_index=True,  # checked above, before any site was swept
            )
        removed += result.removed
        strays += result.paths
    if dry_run:
        logger.info("rebuild dry run", extra={"strays": removed})
        return {"strays": removed, "paths": strays[:1_000]}
    forget_manifests(stack.s3, stack.state_bucket)  # and any a batch put back during the sweep
    if strays:
        stack.cdn.invalidate(strays)  # more than 500 paths become one wildcard
    metrics.add_metric(name="RebuildStraysRemoved", unit=MetricUnit.Count, value=removed)
    queued = queue_everything(stack.deployment, stack.index, stack.queue, now)
    metrics.add_metric(name="RebuildQueued", unit=MetricUnit.Count, value=queued)
    logger.info("rebuild queued", extra={"outputs": queued, "strays_removed": removed})
    return {"queued": queued, "strays_removed": removed}
