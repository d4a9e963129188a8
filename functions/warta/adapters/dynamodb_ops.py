"""Operator records on AWS, in the index table beside the articles: rejected events, takedowns.

    pk                      sk                          for
    OPS#rejections          <sent at>#<source>          a rejected event (expires: TTL)
    OPS#takedowns#<site>    <article id>                an article that is a tombstone now

A rejection's key is the delivery's own send time and its source (SQS message id, EventBridge
event id, inbox key), both the same on every retry of that delivery: a retried rejection
overwrites its item instead of adding one, and no two deliveries share an item. The partition
is read newest first with a limit, and the table's TTL (`expires_at`, template.yaml) deletes
rejections after `REJECTION_TTL_DAYS`, so it stays small however many events are rejected.

A takedown item is written when an article becomes a tombstone and deleted when a newer revision
brings it back, each conditional on the revision, so concurrent or late writes leave the item
of the newest revision; the status report counts the partition.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from warta.adapters.dynamodb_count import count_items
from warta.core.operator_records import Rejection, Takedown

if TYPE_CHECKING:  # boto3-stubs, a dev dependency: never imported at run time
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import UpdateItemInputTypeDef

REJECTIONS_PK = "OPS#rejections"
TAKEDOWNS_PK = "OPS#takedowns#"
TTL_ATTRIBUTE = "expires_at"  # template.yaml: IndexTable TimeToLiveSpecification
REJECTION_TTL_DAYS = 30
REASON_CHARS = 2_000  # a reason names the field first; the rest of a long one adds nothing

_ser = TypeSerializer()
_de = TypeDeserializer()


def _marshal(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _ser.serialize(v) for k, v in item.items()}


def _condition_failed(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class DynamoOpsLog:
    """`OperatorLog` on the index table, plus the takedown records the status report counts."""

    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._ddb = client
        self.table = table

    def record_rejection(self, at: datetime, source: str, reason: str, event_id: str = "") -> None:
        stamp = at.isoformat(timespec="microseconds")
        item = {
            "pk": REJECTIONS_PK,
            "sk": f"{stamp}#{source}",
            "at": at.isoformat(timespec="seconds"),
            "source": source,
            "reason": reason[:REASON_CHARS],
            "event_id": event_id,
            TTL_ATTRIBUTE: int((at + timedelta(days=REJECTION_TTL_DAYS)).timestamp()),
        }
        self._ddb.put_item(TableName=self.table, Item=_marshal(item))

    def recent_rejections(self, limit: int = 20) -> list[Rejection]:
        if limit <= 0:
            return []
        # Eventually consistent: the report is a snapshot, and this halves the read cost.
        page = self._ddb.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=_marshal({":pk": REJECTIONS_PK}),
            ScanIndexForward=False,
            Limit=limit,
        )
        rows = [{k: _de.deserialize(v) for k, v in item.items()} for item in page.get("Items", [])]
        return [Rejection(r["at"], r["source"], r["reason"], r.get("event_id", "")) for r in rows]

    def record_takedown(self, site: str, article_id: str, url: str, revision: int) -> None:
        """The article is a tombstone at `revision`; `url` is its last URL ("" when unknown)."""
        values: dict[str, Any] = {":rev": revision}
        update = "SET revision = :rev"
        if url:
            update += ", #url = :url"
            values[":url"] = url
        request: UpdateItemInputTypeDef = {
            "TableName": self.table,
            "Key": _marshal({"pk": TAKEDOWNS_PK + site, "sk": article_id}),
            "UpdateExpression": update,
            "ConditionExpression": "attribute_not_exists(revision) OR revision <= :rev",
            "ExpressionAttributeValues": _marshal(values),
        }
        if url:
            request["ExpressionAttributeNames"] = {"#url": "url"}
        try:
            self._ddb.update_item(**request)
        except ClientError as exc:
            if not _condition_failed(exc):
                raise  # else a newer takedown is recorded already

    def clear_takedown(self, site: str, article_id: str, revision: int) -> None:
        """The article is live again at `revision`: forget a takedown of an older revision."""
        try:
            self._ddb.delete_item(
                TableName=self.table,
                Key=_marshal({"pk": TAKEDOWNS_PK + site, "sk": article_id}),
                ConditionExpression="revision < :rev",
                ExpressionAttributeValues=_marshal({":rev": revision}),
            )
        except ClientError as exc:
            if not _condition_failed(exc):
                raise  # else there was none, or a newer takedown beat this write

    def takedowns(self, site: str) -> list[Takedown]:
        """Every takedown record of the site (articles that are tombstones now), page by page."""
        found: list[Takedown] = []
        for page in self._ddb.get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=_marshal({":pk": TAKEDOWNS_PK + site}),
            ProjectionExpression="sk, #url",
            ExpressionAttributeNames={"#url": "url"},
        ):
            for item in page.get("Items", []):
                row = {k: _de.deserialize(v) for k, v in item.items()}
                found.append(Takedown(str(row["sk"]), str(row.get("url", ""))))
        return found

    def takedown_count(self, site: str) -> int:
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": _marshal({":pk": TAKEDOWNS_PK + site}),
        }
        return count_items(self._ddb, request)
