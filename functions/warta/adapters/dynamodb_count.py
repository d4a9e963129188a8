"""Count the items of a DynamoDB query without reading them (`Select: COUNT`), every page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # boto3-stubs, a dev dependency: never imported at run time
    from mypy_boto3_dynamodb import DynamoDBClient


def count_items(ddb: DynamoDBClient, request: dict[str, Any]) -> int:
    """A query's count: DynamoDB counts at most 1 MB of items a page, so follow the pages."""
    request = {**request, "Select": "COUNT"}
    count = 0
    while True:
        page = ddb.query(**request)
        count += page.get("Count", 0)
        if not page.get("LastEvaluatedKey"):
            return count
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
