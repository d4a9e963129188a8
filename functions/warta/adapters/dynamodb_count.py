"""Count the items of a DynamoDB query without reading them (`Select: COUNT`), every page."""

from __future__ import annotations

from typing import Any


def count_items(ddb: Any, request: dict[str, Any]) -> int:
    """A query's count: DynamoDB counts at most 1 MB of items a page, so follow the pages."""
    request = {**request, "Select": "COUNT"}
    count = 0
    while True:
        page = ddb.query(**request)
        count += page.get("Count", 0)
        if not page.get("LastEvaluatedKey"):
            return count
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
