"""Ingest Lambda: CMS events from EventBridge, SQS and the S3 inbox.

- EventBridge: the event is the `detail`; the detail-type is the event type.
- SQS (standard queue, events up to 256 KB): a batch; a rejected or failing record is reported
  as a partial batch failure, so only it is retried and then lands in the dead-letter queue.
- S3 inbox (`inbox/` of the private state bucket), as an S3 notification or the EventBridge
  "Object Created" event: the object is read, ingested, then deleted; a rejected one is moved to
  `rejected/` with the reason in its metadata. This is the way in for events over 256 KB.

Every rejected event is also recorded for the status report (`AwsStack.record_rejection`), keyed
by the time its delivery was first sent, so the retries of one delivery make one record.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from warta.app.ingest import EventOutcome, claimed_event_id
from warta.core.events import EventRejected
from warta.handlers import runtime
from warta.observability import METRICS_NAMESPACE, log_record_failure, logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

INBOX_PREFIX = "inbox/"
REJECTED_PREFIX = "rejected/"
S3_OBJECT_CREATED = "Object Created"

tracer = Tracer()
metrics = Metrics(namespace=METRICS_NAMESPACE)


class RecordRejected(Exception):
    """A rejected event: an SQS batch item failure, or an EventBridge delivery that fails."""


def _sent_at(value: Any) -> datetime | None:
    """A delivery's send time: epoch milliseconds (SQS) or ISO 8601 (EventBridge, S3); None if
    absent or unreadable (the clock is used then)."""
    try:
        if isinstance(value, str) and value.isdigit():
            return datetime.fromtimestamp(int(value) / 1000, UTC)
        if isinstance(value, str) and value:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        pass
    return None


def _count(outcome: EventOutcome) -> None:
    metrics.add_metric(name=f"Events{outcome.status.capitalize()}", unit=MetricUnit.Count, value=1)


def ingest_eventbridge(event: dict[str, Any], context: Any) -> dict[str, Any]:
    detail: Any = event.get("detail")  # JSON: an object in a well-formed event
    detail_type = event.get("detail-type")
    sent_at = _sent_at(event.get("time"))
    if detail_type == S3_OBJECT_CREATED:
        # AWS shows this key plain, while S3 notifications URL-encode theirs: try it as given,
        # then decoded, so that neither reading loses a file whose name has a space or a colon.
        key = detail["object"]["key"]
        return ingest_inbox_object(
            detail["bucket"]["name"], key, context, sent_at, also_try=unquote_plus(key)
        )
    stack = runtime.stack()
    source = f"eventbridge:{event.get('id', '')}"
    if isinstance(detail, dict) and detail.get("type") != detail_type:
        rejected = EventRejected(
            "detail-type", f"{detail_type!r} differs from the event's type {detail.get('type')!r}"
        )
        stack.record_rejection(source, str(rejected), claimed_event_id(detail), sent_at)
        raise rejected
    outcome = stack.ingest(detail if isinstance(detail, dict) else b"", source, context, sent_at)
    _count(outcome)
    if outcome.status == "rejected":
        # EventBridge retries, then the function's dead-letter queue keeps it for on-call.
        raise RecordRejected(outcome.reason)
    return {"status": outcome.status, "event_id": outcome.event_id}


def ingest_sqs(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    stack = runtime.stack()

    def record_handler(record: SQSRecord) -> str:
        try:
            sent_at = _sent_at(record.attributes.sent_timestamp)
            outcome = stack.ingest(record.body, f"sqs:{record.message_id}", context, sent_at)
        except Exception as exc:
            log_record_failure("ingest", record.message_id, record.attributes.approximate_receive_count, exc)
            raise
        _count(outcome)
        if outcome.status == "rejected":
            raise RecordRejected(outcome.reason)
        return outcome.status

    return process_partial_response(
        event=event, record_handler=record_handler, processor=BatchProcessor(EventType.SQS), context=context
    )


def ingest_inbox_object(
    bucket: str, key: str, context: Any, sent_at: datetime | None = None, also_try: str | None = None
) -> dict[str, Any]:
    stack = runtime.stack()
    if not key.startswith(INBOX_PREFIX):
        logger.warning("object outside the inbox ignored", extra={"bucket": bucket, "key": key})
        return {"status": "ignored", "key": key}
    try:
        body = stack.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except stack.s3.exceptions.NoSuchKey:
        if also_try and also_try != key:
            return ingest_inbox_object(bucket, also_try, context, sent_at)
        # Already processed and deleted: S3 notifications are delivered at least once.
        logger.info("inbox object already gone", extra={"bucket": bucket, "key": key})
        return {"status": "gone", "key": key}
    outcome = stack.ingest(body, f"s3://{bucket}/{key}", context, sent_at)
    _count(outcome)
    if outcome.status == "rejected":
        stack.s3.copy_object(
            Bucket=bucket,
            Key=REJECTED_PREFIX + key[len(INBOX_PREFIX) :],
            CopySource={"Bucket": bucket, "Key": key},
            Metadata={"reason": outcome.reason[:1500].encode("ascii", "replace").decode()},
            MetadataDirective="REPLACE",
        )
    stack.s3.delete_object(Bucket=bucket, Key=key)
    return {"status": outcome.status, "key": key, "reason": outcome.reason}


def ingest_s3_notification(event: dict[str, Any], context: Any) -> dict[str, Any]:
    results = [
        ingest_inbox_object(
            record["s3"]["bucket"]["name"],
            unquote_plus(record["s3"]["object"]["key"]),
            context,
            _sent_at(record.get("eventTime")),
        )
        for record in event["Records"]
    ]
    return {"results": results}


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> Mapping[str, Any]:
    runtime.register_context(context)
    records = event.get("Records") or []
    source = records[0].get("eventSource") if records else None
    if source == "aws:sqs":
        return ingest_sqs(event, context)
    if source == "aws:s3":
        return ingest_s3_notification(event, context)
    if "detail-type" in event:
        return ingest_eventbridge(event, context)
    raise ValueError(f"unknown event shape with keys {sorted(event)[:10]}")
