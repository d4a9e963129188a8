"""Take one event in: validate, update the article index, queue the outputs it touches.

Ingest never renders. Rendering reads the index when it runs (`warta.app.render`), so events
that arrive together coalesce into one render of each output they share.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from warta.app.takedown_records import TakedownRecordingIndex, TakedownRecords
from warta.core.articles import Article, Tombstone
from warta.core.config import Deployment, SiteConfig
from warta.core.event_json import decode_event, surrogate_path
from warta.core.events import ArticleEvent, BodyBuilder, EventRejected, parse_event, site_of, state_from_event
from warta.core.planner import outputs_of, plan, shard_period
from warta.core.ports import ArticleIndex, RenderQueue, UrlHeld

log = logging.getLogger(__name__)

Status = Literal["accepted", "stale", "rejected"]
EVENT_ID_CHARS = 200  # the contract's maxLength: a longer claimed id is cut, not echoed whole


@dataclass(frozen=True, slots=True)
class EventOutcome:
    source: str  # where the event came from: a file name, "stdin:3", an S3 key, ...
    status: Status
    event_id: str = ""
    article_id: str = ""
    revision: int = 0
    reason: str = ""
    outputs: int = 0  # outputs queued for rendering


def claimed_event_id(raw: object) -> str:
    """The `event_id` a rejected event carries, if it got far enough to carry one: on-call
    finds the event in the CMS by it. `raw` is the event as received (bytes, text) or decoded."""
    data: Any = raw
    if isinstance(raw, bytes | str):
        try:
            data = decode_event(raw)
        except EventRejected:
            return ""
    event_id = data.get("event_id") if isinstance(data, dict) else None
    if not isinstance(event_id, str) or surrogate_path(event_id) is not None:
        return ""  # logs, SQLite and DynamoDB hold UTF-8: a lone surrogate is not
    return event_id[:EVENT_ID_CHARS]


def ingest_event(
    raw: bytes | str | dict[str, Any],
    source: str,
    *,
    deployment: Deployment,
    index: ArticleIndex,
    queue: RenderQueue,
    now: datetime,
    build_body: BodyBuilder,
) -> EventOutcome:
    try:
        event = parse_event(raw)
        site = site_of(event, deployment)
        state = state_from_event(event, site, build_body)
    except EventRejected as exc:
        return EventOutcome(source, "rejected", event_id=claimed_event_id(raw), reason=str(exc))
    try:
        return _apply(state, event, site, source, index=index, queue=queue, now=now)
    except UrlHeld as exc:
        # Nothing was written; the `leaving` outputs queued before the write only re-render
        # what the index still shows.
        return EventOutcome(
            source,
            "rejected",
            event_id=event.event_id,
            article_id=event.article_id,
            reason=f"article/url: {exc}",
        )


def _apply(
    state: Article | Tombstone,
    event: ArticleEvent,
    site: SiteConfig,
    source: str,
    *,
    index: ArticleIndex,
    queue: RenderQueue,
    now: datetime,
) -> EventOutcome:
    # Queued before the write: the outputs only the stored state shows (a takedown's AMP page
    # and feeds, an old URL, a section left). If this worker dies after the write, a redelivery
    # is stale and knows only the new state, so nothing else would ever re-render them.
    stored = index.get(site.id, event.article_id)
    if stored is not None and stored.revision < event.revision:
        leaving = outputs_of(stored, site, now) - outputs_of(state, site, now)
        if leaving:
            queue.push(leaving)
    result = index.write(
        state,
        period=shard_period(state.published_at, site) if isinstance(state, Article) else None,
        released=isinstance(state, Article) and state.is_visible(now),
    )
    if result.applied:
        keys = plan(result.previous, state, site, now)
    else:
        # A stale or repeated delivery re-renders what the stored state shows: if an earlier
        # attempt died between the index write and its render, the redelivery repairs it.
        keys = outputs_of(result.previous, site, now)
    queue.push(keys)
    return EventOutcome(
        source,
        "accepted" if result.applied else "stale",
        event_id=event.event_id,
        article_id=event.article_id,
        revision=event.revision,
        outputs=len(keys),
    )


class IngestRecords(TakedownRecords, Protocol):
    """The operator records ingest keeps: takedowns, and rejected events for the status report."""

    def record_rejection(self, at: datetime, source: str, reason: str, event_id: str = "") -> None: ...


def record_rejection(records: IngestRecords, at: datetime, source: str, reason: str, event_id: str) -> None:
    """Best effort: a failure to record is logged and never fails the event or its batch."""
    try:
        records.record_rejection(at, source, reason, event_id)
    except Exception as exc:
        log.exception(
            f"rejection not recorded: {type(exc).__name__}: {exc}",
            extra={"source": source, "event_id": event_id, "reason": reason},
        )


def ingest_recorded(
    raw: bytes | str | dict[str, Any],
    source: str,
    *,
    deployment: Deployment,
    index: ArticleIndex,
    queue: RenderQueue,
    records: IngestRecords,
    now: datetime,
    build_body: BodyBuilder,
    record_rejections: bool = True,
) -> EventOutcome:
    """`ingest_event` as every entry point runs it (the CLI, `warta serve`'s webhook, the
    import, the Lambda functions): takedowns are recorded with their last URL (410s, validation,
    the status counts), and, unless the caller records them itself (the Lambda functions, after
    idempotency), rejections too."""
    recording = index if isinstance(index, TakedownRecordingIndex) else TakedownRecordingIndex(index, records)
    outcome = ingest_event(
        raw, source, deployment=deployment, index=recording, queue=queue, now=now, build_body=build_body
    )
    if record_rejections and outcome.status == "rejected":
        record_rejection(records, now, source, outcome.reason, outcome.event_id)
    return outcome
