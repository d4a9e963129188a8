"""The DynamoDB index table: its limits and keys, marshalling, and the strongly consistent,
paged reads and batched writes the index's queries are made of."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from warta.core.planner import epoch_micros
from warta.core.urls import bounded_key

if TYPE_CHECKING:  # boto3-stubs, a dev dependency: never imported at run time
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        KeysAndAttributesUnionTypeDef,
        PutTypeDef,
        TransactWriteItemTypeDef,
        WriteRequestUnionTypeDef,
    )

# DynamoDB limits (Developer Guide, "Service, account, and table quotas"): 400 KB per item,
# 100 actions per TransactWriteItems, 25 requests per BatchWriteItem, 100 keys per BatchGetItem.
# An article's memberships fit one transaction: the contract allows at most 50 tags and 20
# authors, so 3 + 50 + 20 + 2 (shard, cut) = 75 puts beside the article item.
ITEM_SIZE_LIMIT = 400 * 1024
TRANSACT_ITEMS_LIMIT = 100
BATCH_WRITE_LIMIT = 25
BATCH_GET_LIMIT = 100
ARTICLE_SK = "ARTICLE"
TEMPLATES_SK = "TEMPLATES"
CLAIM_SK = "CLAIM"
# Developer Guide, "Partition key length": 1 to 2,048 bytes (sort keys: 1,024; ours are
# "<published_us>#<article id>", at most 17 + 1 + the contract's 200-character id).
PARTITION_KEY_BYTES = 2048
DUE_INDEX = "due"

_ser = TypeSerializer()
_de = TypeDeserializer()


class Condition(TypedDict, total=False):
    """The condition of a Put in a transaction."""

    ConditionExpression: str
    ExpressionAttributeValues: dict[str, Any]


def claim_condition(member: dict[str, Any]) -> Condition:
    """A URL claim is put only when the URL is free or already this article's."""
    if member["sk"] != CLAIM_SK:
        return {}
    return {
        "ConditionExpression": "attribute_not_exists(pk) OR id = :id",
        "ExpressionAttributeValues": marshal({":id": member["id"]}),
    }


def transact_put(table: str, item: dict[str, Any], condition: Condition) -> TransactWriteItemTypeDef:
    """A transaction's Put of an item, on the condition given (if any)."""
    put: PutTypeDef = {"TableName": table, "Item": marshal(item)}
    if "ConditionExpression" in condition:
        put["ConditionExpression"] = condition["ConditionExpression"]
    if "ExpressionAttributeValues" in condition:
        put["ExpressionAttributeValues"] = condition["ExpressionAttributeValues"]
    return {"Put": put}


def sort_key(published_us: int, article_id: str) -> str:
    # Zero-padded so string order is time order; the id breaks ties as `ORDER BY id` does.
    return f"{published_us:020d}#{article_id}"


def until_key(now: datetime) -> str:
    """The exclusive upper sort key of everything published at or before `now`."""
    return f"{epoch_micros(now) + 1:020d}"


def marshal(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _ser.serialize(v) for k, v in item.items() if v is not None}


def unmarshal(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _de.deserialize(v) for k, v in item.items()}


def projection(attributes: Sequence[str]) -> dict[str, Any]:
    """The request parameters that read only these attributes (each through a name
    placeholder: many plain words, `url` and `language` among them, are reserved)."""
    if not attributes:
        return {}
    names = {f"#a{n}": name for n, name in enumerate(attributes)}
    return {"ProjectionExpression": ", ".join(names), "ExpressionAttributeNames": names}


def list_pk(kind: str, site: str, value: str) -> str:
    """The partition key of the list of one URL, tag or author: always within the key limit."""
    prefix = f"{kind}#{site}#"
    return prefix + bounded_key(value, PARTITION_KEY_BYTES - len(prefix.encode("utf-8")))


def article_pk(site: str, article_id: str) -> str:
    return f"A#{site}#{article_id}"


class DynamoTable:
    """One table of string keys `pk` and `sk`, read consistently and written in batches."""

    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._ddb = client
        self.table = table
        # This thread's batched writes held by `grouped_writes`, by key (None: not grouping).
        self._grouping = threading.local()

    @contextmanager
    def grouped_writes(self) -> Iterator[None]:
        """Hold this thread's batched writes (`_batch_write`) made inside, then send them in as
        few BatchWriteItem requests as they fit: a render batch's shard-part, listing and feed
        item writes were a request each (each request costs about as much CPU as a small one's
        items). A key written twice inside is sent once, as the later write left it (DynamoDB
        refuses a batch that names a key twice). If the block raises, nothing is sent."""
        if getattr(self._grouping, "held", None) is not None:
            yield  # within another group: the outer one sends them
            return
        held: dict[tuple[str, str], WriteRequestUnionTypeDef] = {}
        self._grouping.held = held
        try:
            yield
        finally:
            self._grouping.held = None
        self._batch_write(list(held.values()))

    def _get_item(self, pk: str, sk: str) -> dict[str, Any] | None:
        found = self._ddb.get_item(
            TableName=self.table, Key=marshal({"pk": pk, "sk": sk}), ConsistentRead=True
        ).get("Item")
        return unmarshal(found) if found else None

    def _query(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Every item of a query, page after page, until `Limit` items if one is given."""
        limit = kwargs.pop("Limit", None)
        seen = 0
        request = {"TableName": self.table, **kwargs}
        while True:
            if limit is not None:
                request["Limit"] = limit - seen
            page = self._ddb.query(**request)
            for item in page.get("Items", []):
                yield unmarshal(item)
                seen += 1
            start = page.get("LastEvaluatedKey")
            if not start or (limit is not None and seen >= limit):
                return
            request["ExclusiveStartKey"] = start

    def _partition(
        self,
        pk: str,
        upper: str,
        lower: str | None = None,
        newest_first: bool = True,
        limit: int | None = None,
        attributes: Sequence[str] = (),
    ) -> Iterator[dict[str, Any]]:
        values: dict[str, Any] = {":pk": pk, ":hi": upper}
        if lower is None:
            condition = "pk = :pk AND sk < :hi"
        else:
            condition = "pk = :pk AND sk BETWEEN :lo AND :hi"
            values[":lo"] = lower
        if limit is not None and limit <= 0:
            return iter(())
        return self._query(
            KeyConditionExpression=condition,
            ExpressionAttributeValues=marshal(values),
            ScanIndexForward=not newest_first,
            ConsistentRead=True,
            **({"Limit": limit} if limit is not None else {}),
            **projection(attributes),
        )

    def _batch_get(
        self, keys: list[tuple[str, str]], attributes: Sequence[str] = ()
    ) -> dict[tuple[str, str], dict[str, Any]]:
        """The items of these keys (those that exist); only `attributes` of each if given
        (they must include pk and sk)."""
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for start in range(0, len(keys), BATCH_GET_LIMIT):
            wanted: KeysAndAttributesUnionTypeDef = {
                "Keys": [marshal({"pk": pk, "sk": sk}) for pk, sk in keys[start : start + BATCH_GET_LIMIT]],
                "ConsistentRead": True,
            }
            if attributes:
                names = projection(attributes)
                wanted["ProjectionExpression"] = names["ProjectionExpression"]
                wanted["ExpressionAttributeNames"] = names["ExpressionAttributeNames"]
            request: Mapping[str, KeysAndAttributesUnionTypeDef] = {self.table: wanted}
            while request:
                response = self._ddb.batch_get_item(RequestItems=request)
                for raw in response.get("Responses", {}).get(self.table, []):
                    item = unmarshal(raw)
                    found[(item["pk"], item["sk"])] = item
                request = response.get("UnprocessedKeys") or {}
        return found

    def _batch_write(self, requests: Sequence[WriteRequestUnionTypeDef]) -> None:
        held: dict[tuple[str, str], WriteRequestUnionTypeDef] | None = getattr(self._grouping, "held", None)
        if held is not None:
            for request in requests:
                key = _request_key(request)
                held.pop(key, None)  # the later write is the one that stands
                held[key] = request
            return
        for start in range(0, len(requests), BATCH_WRITE_LIMIT):
            pending: Mapping[str, Sequence[WriteRequestUnionTypeDef]] = {
                self.table: requests[start : start + BATCH_WRITE_LIMIT]
            }
            while pending:
                pending = self._ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def _request_key(request: WriteRequestUnionTypeDef) -> tuple[str, str]:
    """The (pk, sk) a BatchWriteItem request puts or deletes."""
    if "PutRequest" in request:
        keyed: Mapping[str, Any] = request["PutRequest"]["Item"]
    else:
        keyed = request["DeleteRequest"]["Key"]
    return str(keyed["pk"]["S"]), str(keyed["sk"]["S"])


def is_condition_failure(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def table_definition(name: str) -> dict[str, Any]:
    """The CreateTable request of the index table (template.yaml declares the same)."""
    return {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "due_pk", "due_sk")
        ],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": DUE_INDEX,
                "KeySchema": [
                    {"AttributeName": "due_pk", "KeyType": "HASH"},
                    {"AttributeName": "due_sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    }
