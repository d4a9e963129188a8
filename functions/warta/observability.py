"""Structured logs: one JSON line per event processed and per output written.

Powertools' Logger, locally as on Lambda, so an on-call engineer reads the same fields in a
terminal as in CloudWatch.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from aws_lambda_powertools import Logger

from warta.app.ingest import EventOutcome
from warta.core.planner import OutputKey


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to `sys.stderr` as it is at each record, not as it was at import: a test's or a
    tool's redirect of stderr then catches the log lines too."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


logger = Logger(service="warta", logger_handler=_StderrHandler())
# The standard library's logger that Powertools' Logger writes through (and hands any attribute
# it has not got itself, declaring none of them to a type checker).
_stdlib_logger = logging.getLogger(logger.name)
# The CloudWatch namespace of every handler's metrics; fixed in code so that no handler can
# flush metrics without one (Powertools refuses), whatever the environment says.
METRICS_NAMESPACE = "warta"


def configure_logging(level: int) -> None:
    logger.setLevel(level)


def logs_enabled(level: int = logging.INFO) -> bool:
    """Whether lines at `level` are written: callers skip gathering fields nobody reads."""
    return _stdlib_logger.isEnabledFor(level)


def log_event(outcome: EventOutcome, duration_ms: float | None = None) -> None:
    fields = {
        "source": outcome.source,
        "outcome": outcome.status,
        "event_id": outcome.event_id,
        "article_id": outcome.article_id,
        "revision": outcome.revision,
        "outputs_queued": outcome.outputs,
    }
    if duration_ms is not None:
        fields["duration_ms"] = round(duration_ms, 3)
    if outcome.status == "rejected":
        logger.warning(f"event rejected: {outcome.reason}", extra={**fields, "reason": outcome.reason})
    else:
        logger.info(f"event {outcome.status}", extra=fields)


def log_output(
    key: OutputKey,
    path: str,
    outcome: str,
    duration_ms: float,
    *,
    article_id: str = "",
    revision: int = 0,
    event_id: str = "",
) -> None:
    """One line per output rendered; an AMP page names its article (feeds hold many)."""
    fields = {
        "site": key.site,
        "kind": key.kind,
        "output": key.name,
        "path": path,
        "outcome": outcome,
        "duration_ms": round(duration_ms, 3),
        "article_id": article_id,
        "revision": revision,
        "event_id": event_id,
    }
    logger.info(f"output {outcome}", extra=fields)


def log_record_failure(stage: str, message_id: str, receive_count: int | str, exc: BaseException) -> None:
    """An SQS record that failed: the batch processor keeps only the failure, so log why, by the
    message id the dead-letter queue keeps after the last try."""
    logger.exception(
        f"{stage} failed: {type(exc).__name__}: {exc}",
        extra={"message_id": message_id, "receive_count": receive_count},
    )
