"""The DynamoDB index's kept sitemap-index blocks (`ListingBlock`): one item per site and period.

    pk                          sk                     for
    SL#<site>                   B#<period>             a period's <sitemap> entries, for the index

The entries are stored zlib-compressed: a month of 1,000 articles a day is some 30 parts, 4 kB
of entries, and compression keeps even a period of tens of thousands of parts under DynamoDB's
item limit.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import Binary
from botocore.exceptions import ClientError

from warta.adapters.dynamodb_table import DynamoTable, is_condition_failure, marshal
from warta.core.views import ListingBlock

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import WriteRequestUnionTypeDef

LISTING_ZLIB_LEVEL = 6  # zlib's default trade-off


def _pk(site: str) -> str:
    return f"SL#{site}"


def _sk(period: str) -> str:
    return f"B#{period}"  # never empty, as DynamoDB wants a sort key (the header's period is "")


def _item(site: str, block: ListingBlock) -> dict[str, Any]:
    return {
        "pk": _pk(site),
        "sk": _sk(block.period),
        "period": block.period,
        "stamp": block.stamp,
        "body_z": Binary(zlib.compress(block.body, LISTING_ZLIB_LEVEL)),
        "sizes": block.sizes,
        "entries": block.entries,
        "bound": block.bound,
        "url_count": block.url_count,
    }


class DynamoListing(DynamoTable):
    """`ArticleIndex.sitemap_listing` and friends, for `DynamoIndex` (which inherits this)."""

    def sitemap_listing(self, site: str) -> list[ListingBlock]:
        return [
            ListingBlock(
                period=item["period"],
                stamp=item["stamp"],
                body=zlib.decompress(bytes(item["body_z"])),
                sizes=item.get("sizes", ""),
                entries=int(item["entries"]),
                bound=int(item["bound"]),
                url_count=int(item["url_count"]),
            )
            for item in self._query(
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues=marshal({":pk": _pk(site)}),
                ConsistentRead=True,
            )
        ]

    def put_listing_blocks(self, site: str, blocks: Sequence[ListingBlock], replace: bool = True) -> None:
        if replace:
            requests: list[WriteRequestUnionTypeDef] = [
                {"PutRequest": {"Item": marshal(_item(site, b))}} for b in blocks
            ]
            self._batch_write(requests)
            return
        for block in blocks:  # conditions do not batch
            try:
                self._ddb.put_item(
                    TableName=self.table,
                    Item=marshal(_item(site, block)),
                    ConditionExpression="attribute_not_exists(pk) OR stamp <> :stamp",
                    ExpressionAttributeValues=marshal({":stamp": block.stamp}),
                )
            except ClientError as exc:
                if not is_condition_failure(exc):
                    raise

    def drop_listing_blocks(self, site: str, periods: Iterable[str]) -> None:
        requests: list[WriteRequestUnionTypeDef] = [
            {"DeleteRequest": {"Key": marshal({"pk": _pk(site), "sk": _sk(p)})}} for p in periods
        ]
        self._batch_write(requests)
