"""The render queue on AWS: pending outputs in DynamoDB, render signals on an SQS FIFO queue.

`push` puts one pending item per output (pk `Q#<site>`, sk `<kind>|<name>`) in the index
table, with a new version, 25 to a BatchWriteItem, then sends one message per site to the FIFO
queue with MessageGroupId = the site. A version is the push's clock in nanoseconds with random
digits after it: a push after `take` replaces the item with a version that differs from the one
taken (and is greater, but for clocks that disagree), so `done`, which deletes an item only at
the version taken, leaves it queued. `done` deletes the taken items in one TransactWriteItems
(each on its version); if one was pushed again meanwhile the transaction is cancelled, and the
items are deleted one by one, each on its own condition.

SQS delivers a group's messages one batch at a time, so renders of a site never overlap: the
same serialisation as the local file lock. A message carries no output keys: the render
takes every pending item of its site (up to a page), so a burst of events coalesces into the
few renders that happen to run while it arrives, and a message lost after its pending item was
written is made good by the next message of the site (the scheduler sends one every minute).
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from warta.core.planner import OutputKey
from warta.core.ports import QuarantinedOutput
from warta.core.urls import bounded_key

if TYPE_CHECKING:  # boto3-stubs, a dev dependency: never imported at run time
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import WriteRequestUnionTypeDef
    from mypy_boto3_sqs import SQSClient

SORT_KEY_BYTES = 1024  # DynamoDB Developer Guide, "Sort key length"
BATCH_WRITE_LIMIT = 25  # requests per BatchWriteItem (Developer Guide, "API-specific limits")
TRANSACT_ITEMS_LIMIT = 100  # actions per TransactWriteItems (the same page)
VERSION_RANDOM_DIGITS = 6  # after the nanoseconds: 19 + 6 digits, within a Number's 38
DEFAULT_PAGE_SIZE = 500  # outputs one render invocation takes; the rest wait for the next one

_ser = TypeSerializer()
_de = TypeDeserializer()


def _pending_key(key: OutputKey) -> dict[str, Any]:
    # The item carries kind and name as attributes, so the sort key only has to be unique: an
    # AMP output's name is its URL (2,000 characters allowed), past the sort key limit.
    sk = bounded_key(f"{key.kind}|{key.name}", SORT_KEY_BYTES)
    return {"pk": _ser.serialize(f"Q#{key.site}"), "sk": _ser.serialize(sk)}


def _quarantine_key(key: OutputKey) -> dict[str, Any]:
    sk = bounded_key(f"{key.kind}|{key.name}", SORT_KEY_BYTES)  # as _pending_key
    return {"pk": _ser.serialize(f"QX#{key.site}"), "sk": _ser.serialize(sk)}


def render_signal(site: str) -> str:
    """The body of a render message."""
    return json.dumps({"site": site})


def site_of_signal(body: str) -> str:
    site = json.loads(body)["site"]
    if not isinstance(site, str) or not site:
        raise ValueError(f"render message without a site: {body[:200]!r}")
    return site


class SqsRenderQueue:
    """`RenderQueue`; `take` and `done` work on one site (`for_site`), as one render does."""

    def __init__(
        self,
        dynamodb: DynamoDBClient,
        table: str,
        sqs: SQSClient,
        queue_url: str,
        site: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        self._ddb = dynamodb
        self.table = table
        self._sqs = sqs
        self.queue_url = queue_url
        self.site = site
        self.page_size = page_size
        # Whether the last `take` may have left pending items (a full page); None before one.
        self.more_after_take: bool | None = None

    def for_site(self, site: str) -> SqsRenderQueue:
        return SqsRenderQueue(self._ddb, self.table, self._sqs, self.queue_url, site, self.page_size)

    def push(self, keys: Iterable[OutputKey]) -> None:
        ordered = sorted(set(keys), key=OutputKey.sort_key)
        version = time.time_ns() * 10**VERSION_RANDOM_DIGITS + secrets.randbelow(10**VERSION_RANDOM_DIGITS)
        requests: list[WriteRequestUnionTypeDef] = [
            {
                "PutRequest": {
                    "Item": {
                        **_pending_key(key),
                        "version": _ser.serialize(version),
                        "kind": _ser.serialize(key.kind),
                        "name": _ser.serialize(key.name),
                    }
                }
            }
            for key in ordered
        ]
        for start in range(0, len(requests), BATCH_WRITE_LIMIT):
            pending: Mapping[str, Sequence[WriteRequestUnionTypeDef]] = {
                self.table: requests[start : start + BATCH_WRITE_LIMIT]
            }
            while pending:
                pending = self._ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        for site in sorted({key.site for key in ordered}):
            self.signal(site)

    def signal(self, site: str) -> None:
        """Ask for a render of the site (after the pending items it should find are written)."""
        self._sqs.send_message(
            QueueUrl=self.queue_url,
            MessageBody=render_signal(site),
            MessageGroupId=site,
            # Unique: SQS must not drop a signal as a duplicate of one already being rendered.
            MessageDeduplicationId=uuid.uuid4().hex,
        )

    def _site(self) -> str:
        if self.site is None:
            raise ValueError("take/done need a site: use SqsRenderQueue.for_site")
        return self.site

    def take(self) -> list[tuple[OutputKey, int]]:
        site = self._site()
        response = self._ddb.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": _ser.serialize(f"Q#{site}")},
            ConsistentRead=True,
            Limit=self.page_size,
        )
        # DynamoDB names a next key when the page ended at the limit or its 1 MB, not at the end.
        self.more_after_take = "LastEvaluatedKey" in response
        taken = []
        for raw in response.get("Items", []):
            item = {k: _de.deserialize(v) for k, v in raw.items()}
            taken.append((OutputKey(site, item["kind"], item["name"]), int(item["version"])))
        return taken

    def has_pending(self) -> bool:
        response = self._ddb.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": _ser.serialize(f"Q#{self._site()}")},
            ConsistentRead=True,
            Limit=1,
        )
        return bool(response.get("Items"))

    def done(self, taken: Iterable[tuple[OutputKey, int]]) -> None:
        items = list(taken)
        for start in range(0, len(items), TRANSACT_ITEMS_LIMIT):
            chunk = items[start : start + TRANSACT_ITEMS_LIMIT]
            if len(chunk) == 1:
                self._done_each(chunk)
                continue
            try:
                self._ddb.transact_write_items(
                    TransactItems=[
                        {
                            "Delete": {
                                "TableName": self.table,
                                "Key": _pending_key(key),
                                "ConditionExpression": "version = :v",
                                "ExpressionAttributeValues": {":v": _ser.serialize(version)},
                            }
                        }
                        for key, version in chunk
                    ]
                )
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise
                # One was pushed again since (or a push raced the transaction): each on its own.
                self._done_each(chunk)

    def _done_each(self, taken: list[tuple[OutputKey, int]]) -> None:
        for key, version in taken:
            try:
                self._ddb.delete_item(
                    TableName=self.table,
                    Key=_pending_key(key),
                    ConditionExpression="version = :v",
                    ExpressionAttributeValues={":v": _ser.serialize(version)},
                )
            except ClientError as exc:
                # Pushed again since it was taken: it stays, and that push sent its own signal.
                if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise

    # --- quarantine: outputs that could not be rendered or written (items `QX#<site>`) ---------

    def quarantine(self, key: OutputKey, reason: str, retry_at: datetime) -> int:
        response = self._ddb.update_item(
            TableName=self.table,
            Key=_quarantine_key(key),
            UpdateExpression=(
                "ADD attempts :one SET kind = :kind, #name = :name, reason = :reason, retry_at = :at"
            ),
            ExpressionAttributeNames={"#name": "name"},
            ExpressionAttributeValues={
                ":one": _ser.serialize(1),
                ":kind": _ser.serialize(key.kind),
                ":name": _ser.serialize(key.name),
                ":reason": _ser.serialize(reason),
                ":at": _ser.serialize(retry_at.isoformat()),
            },
            ReturnValues="UPDATED_NEW",
        )
        return int(_de.deserialize(response["Attributes"]["attempts"]))

    def _quarantine_items(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": _ser.serialize(f"QX#{self._site()}")},
            "ConsistentRead": True,
        }
        while True:
            response = self._ddb.query(**kwargs)
            items += [{k: _de.deserialize(v) for k, v in raw.items()} for raw in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                return items
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def due_quarantined(self, now: datetime) -> list[OutputKey]:
        return [
            OutputKey(self._site(), item["kind"], item["name"])
            for item in self._quarantine_items()
            if datetime.fromisoformat(item["retry_at"]) <= now
        ]

    def release(self, keys: Iterable[OutputKey]) -> None:
        for key in keys:
            self._ddb.delete_item(TableName=self.table, Key=_quarantine_key(key))

    def quarantined(self) -> list[QuarantinedOutput]:
        return [
            QuarantinedOutput(
                OutputKey(self._site(), item["kind"], item["name"]),
                item["reason"],
                int(item["attempts"]),
                datetime.fromisoformat(item["retry_at"]),
            )
            for item in self._quarantine_items()
        ]
