"""Structured logs: one JSON line per event processed and per output written.

Powertools' Logger, locally as on Lambda, so an on-call engineer reads the same fields in a
terminal as in CloudWatch.
"""

from __future__ import annotations

import logging
import sys

from aws_lambda_powertools import Logger

from warta.app.ingest import EventOutcome

logger = Logger(service="warta", logger_handler=logging.StreamHandler(sys.stderr))


def configure_logging(level: int) -> None:
    logger.setLevel(level)


def log_event(outcome: EventOutcome) -> None:
    fields = {
        "source": outcome.source,
        "outcome": outcome.status,
        "event_id": outcome.event_id,
        "article_id": outcome.article_id,
        "revision": outcome.revision,
        "outputs_queued": outcome.outputs,
    }
    if outcome.status == "rejected":
        logger.warning(f"event rejected: {outcome.reason}", extra={**fields, "reason": outcome.reason})
    else:
        logger.info(f"event {outcome.status}", extra=fields)
