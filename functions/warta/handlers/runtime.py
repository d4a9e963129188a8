"""What every Lambda handler shares: the clock, the configuration, the wired AWS stack.

Handlers are the shell: they read the clock and the environment here and pass `now`, clients
and config into `warta.app`. Everything is built once per container (cold start) and reused.

Environment:
    WARTA_TABLE               the index table (articles, memberships, pending outputs)
    WARTA_IDEMPOTENCY_TABLE   Powertools idempotency records (ingest)
    WARTA_SITE_BUCKET         the public output bucket behind CloudFront
    WARTA_STATE_BUCKET        the private bucket: inbox/, big article documents, site config
    WARTA_RENDER_QUEUE_URL    the render signal FIFO queue
    WARTA_DISTRIBUTION_ID     CloudFront distribution to invalidate (empty: none)
    WARTA_SITE_CONFIG         comma-separated site TOML locations: s3://bucket/key, a file, or
                              s3://bucket/prefix/ for every *.toml under it (in key order)
    WARTA_CONFIG_RECHECK_SECONDS  how often a warm container looks for changed site configs
                              (default 60): a changed config takes effect within that time
    WARTA_RENDER_PAGE_SIZE    outputs one render invocation takes (default 500)
    WARTA_STATUS_PREFIX       where in the state bucket the status report goes (default status/;
                              empty: no report)
    WARTA_AMP_CACHE_KEY_PREFIX  render: SSM SecureString names of the sites' AMP cache private
                              keys, `<prefix><site id>` (infra/README.md, "AMP cache flushes")
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import boto3
from botocore.config import Config

from warta.adapters.cloudfront_cdn import CloudFrontInvalidator
from warta.adapters.dynamodb_index import DynamoIndex
from warta.adapters.dynamodb_ops import DynamoOpsLog
from warta.adapters.s3_status import DEFAULT_STATUS_PREFIX, S3StatusStore
from warta.adapters.s3_store import S3Store
from warta.adapters.sqs_queue import DEFAULT_PAGE_SIZE, SqsRenderQueue
from warta.app.ingest import EventOutcome, claimed_event_id, ingest_recorded, record_rejection
from warta.core.config import ConfigError, ConfigSource, Deployment, deployment_from
from warta.core.event_json import decode_event
from warta.core.events import EventRejected
from warta.observability import log_event, logger

if TYPE_CHECKING:  # boto3-stubs and Powertools' idempotency: for the type checker only
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

IDEMPOTENCY_KEY_PREFIX = "warta.ingest"  # shared by every entry point: one event_id, one ingest
IDEMPOTENCY_EXPIRY_SECONDS = 24 * 3600
# What a redelivery must repeat unchanged (occurred_at aside): checked against the stored hash.
IDEMPOTENT_PAYLOAD = "[type, site, article]"
REUSED_EVENT_ID = (
    "already used by a different event in the last 24 hours; a redelivered event repeats its"
    " type and article unchanged, and a new event needs a new id"
)
DOC_PREFIX = "docs/"


def now() -> datetime:
    """The clock. Tests replace it to replay a corpus at a fixed time."""
    return datetime.now(UTC)


def _env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ConfigError(f"environment variable {name} is not set")
    return value


def _read_location(location: str, s3: S3Client) -> bytes:
    if location.startswith("s3://"):
        bucket, _, key = location[len("s3://") :].partition("/")
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return Path(location).read_bytes()


DEFAULT_CONFIG_RECHECK_SECONDS = 60

# The handlers' clients. Every request they send is built here, from typed values, so botocore's
# client-side check of each parameter against the API model only re-walks what mypy checked; it
# was about 5 % of the handlers' CPU (the largest share on DynamoDB writes, whose items it walks
# attribute by attribute). A malformed request is still refused, by the service, as a ClientError
# (ValidationException) instead of a ParamValidationError: both fail the run, which is retried.
CLIENT_CONFIG = Config(parameter_validation=False)


def config_versions(locations: list[str], s3: S3Client) -> list[tuple[str, str]]:
    """Each site config the locations name, with a version that changes when its bytes do.

    An `s3://bucket/prefix/` location (trailing slash) names every *.toml under the prefix, in
    key order; one LIST request covers them all, so a warm container can re-check cheaply."""
    found: list[tuple[str, str]] = []
    for location in locations:
        if location.startswith("s3://") and location.endswith("/"):
            bucket, _, prefix = location[len("s3://") :].partition("/")
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                found.extend(
                    (f"s3://{bucket}/{item['Key']}", item["ETag"])
                    for item in page.get("Contents", [])
                    if item["Key"].endswith(".toml")
                )
        elif location.startswith("s3://"):
            bucket, _, key = location[len("s3://") :].partition("/")
            found.append((location, s3.head_object(Bucket=bucket, Key=key)["ETag"]))
        else:
            found.append((location, str(Path(location).stat().st_mtime_ns)))
    return found


def load_deployment_from(locations: list[str], s3: S3Client) -> Deployment:
    """The deployment the functions serve: every site config the locations name (an
    `s3://bucket/prefix/` names every *.toml under it), made as `load_deployment` makes one."""
    prefixes = [loc for loc in locations if loc.startswith("s3://") and loc.endswith("/")]
    if prefixes:
        expanded = {loc for loc, _ in config_versions(prefixes, s3)}
        locations = [
            found
            for loc in locations
            for found in (sorted(x for x in expanded if x.startswith(loc)) if loc in prefixes else [loc])
        ]
    if not locations:
        raise ConfigError("WARTA_SITE_CONFIG names no site configuration")
    return deployment_from(
        ConfigSource(location, _read_location(location, s3).decode("utf-8")) for location in locations
    )


class IngestOnce(Protocol):
    """`AwsStack._ingest` made idempotent by Powertools (`_idempotent_ingest`), with its config."""

    config: IdempotencyConfig  # register_context gives it the Lambda context

    def __call__(self, *, event: dict[str, Any], source: str, now: datetime) -> dict[str, Any]: ...


class EventRejectedError(Exception):
    """Raised inside the idempotent step so a rejection is not remembered as done."""

    def __init__(self, outcome: EventOutcome) -> None:
        super().__init__(outcome.reason)
        self.outcome = outcome


@dataclass(frozen=True)
class AwsStack:
    deployment: Deployment
    index: DynamoIndex
    queue: SqsRenderQueue
    store: S3Store
    cdn: CloudFrontInvalidator
    s3: S3Client
    state_bucket: str
    ingest_once: IngestOnce
    ops: DynamoOpsLog
    status: S3StatusStore | None  # None: WARTA_STATUS_PREFIX is empty, no status report
    # Sites whose table was seen to hold something: checked once per container, not per event.
    indexed_sites: set[str] = field(default_factory=set)

    def check_index_matches_bucket(self) -> None:
        """Refuse (raise `EmptyIndexError`) to ingest into a table that holds nothing of a site
        whose bucket holds its outputs: the next render would shrink the tree to one article.

        The event is not rejected but fails, so it is retried and ends in a dead-letter queue;
        the refusal is logged and counted (`EmptyIndexRefused`, alarmed). A rebuild with
        `{"new_index": true}` accepts the table as it is, after which events go through.
        """
        from aws_lambda_powertools.metrics import MetricUnit, single_metric

        from warta.app.sweep import EmptyIndexError, check_index_matches_tree
        from warta.observability import METRICS_NAMESPACE

        unchecked = [site for site in self.deployment.sites if site not in self.indexed_sites]
        if not unchecked:
            return
        try:
            check_index_matches_tree(self.deployment, self.index, self.store, unchecked)
        except EmptyIndexError as exc:
            logger.error(
                "ingest refused: empty index beside a populated bucket",
                extra={"site": exc.site_id, "example": exc.example, "reason": str(exc)},
            )
            with single_metric(
                name="EmptyIndexRefused", unit=MetricUnit.Count, value=1, namespace=METRICS_NAMESPACE
            ):
                pass
            raise
        self.indexed_sites.update(site for site in unchecked if self.index.holds_site(site))

    def ingest(
        self,
        raw: bytes | str | dict[str, Any],
        source: str,
        context: Any = None,
        sent_at: datetime | None = None,
    ) -> EventOutcome:
        """Ingest one raw event, once per event_id; logs it with the article id as correlation id.

        A rejection is recorded for the status report; `sent_at` is when the delivery was first
        sent (the same on every retry, so a retried rejection is recorded once).
        """
        data: Any = raw
        if not isinstance(raw, dict):
            try:
                data = decode_event(raw)
            except EventRejected:
                data = None
        article = data.get("article") if isinstance(data, dict) else None
        logger.set_correlation_id(article.get("id") if isinstance(article, dict) else None)
        self.check_index_matches_bucket()
        if isinstance(data, dict) and isinstance(data.get("event_id"), str):
            from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyValidationError

            try:
                outcome = EventOutcome(**self.ingest_once(event=data, source=source, now=now()))
            except EventRejectedError as exc:
                outcome = exc.outcome
            except IdempotencyValidationError:
                # The contract: "Unique per event. A redelivered event keeps its id." The same
                # id with another article is a CMS fault, and the stored answer would hide it.
                reason = str(EventRejected("event_id", REUSED_EVENT_ID))
                outcome = EventOutcome(source, "rejected", event_id=data["event_id"], reason=reason)
        else:
            outcome = self._ingest(raw, source, now())
        log_event(outcome)
        if outcome.status == "rejected":
            self.record_rejection(source, outcome.reason, claimed_event_id(data), sent_at)
        return outcome

    def record_rejection(self, source: str, reason: str, event_id: str, sent_at: datetime | None) -> None:
        """Best effort (app.ingest.record_rejection); `sent_at` keeps a retried one recorded once."""
        record_rejection(self.ops, sent_at or now(), source, reason, event_id)

    def _ingest(self, raw: bytes | str | dict[str, Any], source: str, moment: datetime) -> EventOutcome:
        from warta.core.body import build_body

        # Rejections are recorded by `ingest` above, once idempotency has had its say.
        return ingest_recorded(
            raw,
            source,
            deployment=self.deployment,
            index=self.index,
            queue=self.queue,
            records=self.ops,
            now=moment,
            build_body=build_body,
            record_rejections=False,
        )


def _idempotent_ingest(stack_ingest: Callable[..., EventOutcome], ddb: DynamoDBClient) -> IngestOnce:
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    persistence = DynamoDBPersistenceLayer(table_name=_env("WARTA_IDEMPOTENCY_TABLE"), boto3_client=ddb)
    config = IdempotencyConfig(
        event_key_jmespath="event_id",
        payload_validation_jmespath=IDEMPOTENT_PAYLOAD,
        expires_after_seconds=IDEMPOTENCY_EXPIRY_SECONDS,
    )

    def ingest_once(event: dict[str, Any], source: str, now: datetime) -> dict[str, Any]:
        outcome = stack_ingest(event, source, now)
        if outcome.status == "rejected":
            raise EventRejectedError(outcome)
        return asdict(outcome)

    # Powertools' decorator returns Any: applied as a call, its result gets a type here.
    once: IngestOnce = idempotent_function(
        ingest_once,
        data_keyword_argument="event",
        persistence_store=persistence,
        config=config,
        key_prefix=IDEMPOTENCY_KEY_PREFIX,
    )
    once.config = config  # for register_lambda_context
    return once


def _config_locations() -> list[str]:
    return [loc.strip() for loc in _env("WARTA_SITE_CONFIG").split(",") if loc.strip()]


class _ConfigWatch:
    """When the site configs were last compared with what the cached stack was built from."""

    checked_at = 0.0
    versions: ClassVar[list[tuple[str, str]]] = []


def stack() -> AwsStack:
    """The AWS stack for this container, from the environment; rebuilt when a site config
    changed (looked at no more than once per WARTA_CONFIG_RECHECK_SECONDS)."""
    built = _build_stack()
    interval = float(_env("WARTA_CONFIG_RECHECK_SECONDS", str(DEFAULT_CONFIG_RECHECK_SECONDS)))
    if time.monotonic() - _ConfigWatch.checked_at >= interval:
        versions = config_versions(_config_locations(), built.s3)
        _ConfigWatch.checked_at = time.monotonic()
        if versions != _ConfigWatch.versions:
            logger.info("site configuration changed: reloading", extra={"configs": [v[0] for v in versions]})
            _build_stack.cache_clear()
            built = _build_stack()
    return built


@cache
def _build_stack() -> AwsStack:
    s3 = boto3.client("s3", config=CLIENT_CONFIG)
    ddb = boto3.client("dynamodb", config=CLIENT_CONFIG)
    table = _env("WARTA_TABLE")
    state_bucket = _env("WARTA_STATE_BUCKET")
    status_prefix = _env("WARTA_STATUS_PREFIX", DEFAULT_STATUS_PREFIX)
    locations = _config_locations()
    _ConfigWatch.versions = config_versions(locations, s3)
    _ConfigWatch.checked_at = time.monotonic()
    return AwsStack(
        deployment=load_deployment_from(locations, s3),
        index=DynamoIndex(ddb, table, s3_client=s3, doc_bucket=state_bucket, doc_prefix=DOC_PREFIX),
        queue=SqsRenderQueue(
            ddb,
            table,
            boto3.client("sqs", config=CLIENT_CONFIG),
            _env("WARTA_RENDER_QUEUE_URL"),
            page_size=int(_env("WARTA_RENDER_PAGE_SIZE", str(DEFAULT_PAGE_SIZE))),
        ),
        store=S3Store(s3, _env("WARTA_SITE_BUCKET")),
        cdn=CloudFrontInvalidator(
            boto3.client("cloudfront", config=CLIENT_CONFIG), _env("WARTA_DISTRIBUTION_ID", "")
        ),
        s3=s3,
        state_bucket=state_bucket,
        ingest_once=_idempotent_ingest(lambda *args: stack()._ingest(*args), ddb),
        ops=DynamoOpsLog(ddb, table),
        status=S3StatusStore(s3, state_bucket, status_prefix) if status_prefix else None,
    )


def _clear_stack() -> None:
    """Forget the stack and the configs it was built from (tests change the environment)."""
    _build_stack.cache_clear()
    _ConfigWatch.checked_at, _ConfigWatch.versions = 0.0, []


# Like the `functools.cache` function it wraps (tests call it); mypy has no type for a function
# with an attribute of our own.
stack.cache_clear = _clear_stack  # type: ignore[attr-defined]


def register_context(context: Any) -> None:
    """Lets idempotency expire an in-progress record when this invocation times out."""
    if context is not None:
        stack().ingest_once.config.register_lambda_context(context)
