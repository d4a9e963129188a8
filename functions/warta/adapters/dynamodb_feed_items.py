"""Finished feed items on the DynamoDB index table, one item per article and variant:

    pk                          sk                     for
    F#<site>#<id>               <variant>              a kept feed item (revision, data)

Kept beside the article rather than in its item: the article item is read whole by every feed,
and a full-text item is about as big as the body, several per article (RSS, Atom, JSON Feed).
Items are not deleted when their article changes: one kept for another revision is never
served (`feed_items` asks for the revision), and the next keep replaces it. A takedown deletes
them (`drop_feed_items`): a taken-down article's text does not stay in the index.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import Binary

from warta.adapters.dynamodb_table import ITEM_SIZE_LIMIT, DynamoTable, marshal
from warta.core.ports import FeedItem

if TYPE_CHECKING:  # boto3-stubs, a dev dependency: never imported at run time
    from mypy_boto3_dynamodb.type_defs import WriteRequestUnionTypeDef

# Room in a kept item for its keys and revision; an item whose compressed bytes do not fit is
# not kept (its feeds render it, as they did before items were kept).
FEED_ITEM_DATA_LIMIT = ITEM_SIZE_LIMIT - 4 * 1024


def feed_item_pk(site: str, article_id: str) -> str:
    return f"F#{site}#{article_id}"


class DynamoFeedItems(DynamoTable):
    """`ArticleIndex.feed_items` and `keep_feed_items` on the index table."""

    def feed_items(
        self, site: str, articles: Sequence[tuple[str, int]], variants: Sequence[str]
    ) -> list[FeedItem]:
        revisions = dict(articles)
        keys = [(feed_item_pk(site, article_id), variant) for article_id in revisions for variant in variants]
        found = self._batch_get(keys) if keys else {}
        items = []
        for item in found.values():
            revision = int(item["revision"])
            if revisions.get(item["article_id"]) == revision:
                data = zlib.decompress(bytes(item["data"]))
                items.append(FeedItem(item["article_id"], revision, item["sk"], data))
        return items

    def keep_feed_items(self, site: str, items: Sequence[FeedItem]) -> None:
        kept: dict[tuple[str, str], dict[str, Any]] = {}
        for item in items:
            packed = zlib.compress(item.data, 6)
            if len(packed) > FEED_ITEM_DATA_LIMIT:
                continue
            key = (feed_item_pk(site, item.article_id), item.variant)
            kept[key] = {
                "pk": key[0],
                "sk": key[1],
                "article_id": item.article_id,
                "revision": item.revision,
                "data": Binary(packed),
            }
        requests: list[WriteRequestUnionTypeDef] = [
            {"PutRequest": {"Item": marshal(item)}} for item in kept.values()
        ]
        if requests:
            self._batch_write(requests)

    def drop_feed_items(self, site: str, article_id: str) -> None:
        """Delete every item kept for the article, whatever its revision and variant."""
        pk = feed_item_pk(site, article_id)
        found = self._query(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=marshal({":pk": pk}),
            ProjectionExpression="pk, sk",
            ConsistentRead=True,
        )
        requests: list[WriteRequestUnionTypeDef] = [
            {"DeleteRequest": {"Key": marshal({"pk": item["pk"], "sk": item["sk"]})}} for item in found
        ]
        if requests:
            self._batch_write(requests)
