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

import threading
import zlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import Binary

from warta.adapters.dynamodb_table import ITEM_SIZE_LIMIT, DynamoTable, marshal
from warta.core.ports import FeedItem

if TYPE_CHECKING:  # boto3-stubs, a dev dependency: never imported at run time
    from mypy_boto3_dynamodb.type_defs import WriteRequestUnionTypeDef

# Room in a kept item for its keys and revision; an item whose compressed bytes do not fit is
# not kept (its feeds render it, as they did before items were kept).
FEED_ITEM_DATA_LIMIT = ITEM_SIZE_LIMIT - 4 * 1024
# A read of this few articles' items (a warm container reading a publish's new article) reads
# their kept feed items in the same request, in every variant the site's feeds asked for in
# this process: the feeds' ask for them is then answered without a request of its own.
ITEMS_WITH_ARTICLES = 4
VARIANTS_NOTED = 32  # per site: a config has a handful (formats × full/summary × profiles)
FETCHED_KEPT = 1_000  # answers read beside articles and not asked for yet, at most

FetchedKey = tuple[str, str, str]  # site, article id, variant


def feed_item_pk(site: str, article_id: str) -> str:
    return f"F#{site}#{article_id}"


def _feed_item(item: Mapping[str, Any]) -> FeedItem:
    data = zlib.decompress(bytes(item["data"]))
    return FeedItem(item["article_id"], int(item["revision"]), item["sk"], data)


class DynamoFeedItems(DynamoTable):
    """`ArticleIndex.feed_items` and `keep_feed_items` on the index table."""

    # site -> the variants its feeds asked for in this process
    _noted: dict[str, set[str]] | None = None
    # What a read of articles found of their items (`_items_beside`): (site, article, variant)
    # -> (the article's revision as read, its item of that revision or None: none kept then),
    # each answering one ask. Only renders keep items and a batch answers its own keeps
    # (BatchIndex), so an answer is as good as a read; a stale "none" only costs a render.
    _fetched: dict[FetchedKey, tuple[int, FeedItem | None]] | None = None
    _fetched_lock = threading.Lock()

    def feed_items(
        self, site: str, articles: Sequence[tuple[str, int]], variants: Sequence[str]
    ) -> list[FeedItem]:
        revisions = dict(articles)
        noted = (self._noted or {}).get(site, set())
        if len(noted | set(variants)) <= VARIANTS_NOTED:
            self._noted = {**(self._noted or {}), site: noted | set(variants)}
        items: list[FeedItem] = []
        keys: list[tuple[str, str]] = []
        with self._fetched_lock:
            fetched = self._fetched or {}
            for article_id, revision in revisions.items():
                for variant in variants:
                    answer = fetched.pop((site, article_id, variant), None)
                    if answer is not None and answer[0] == revision:
                        if answer[1] is not None:
                            items.append(answer[1])
                    else:
                        keys.append((feed_item_pk(site, article_id), variant))
        found = self._batch_get(keys) if keys else {}
        for item in found.values():
            if revisions.get(item["article_id"]) == int(item["revision"]):
                items.append(_feed_item(item))
        return items

    def _items_beside(self, site: str, article_ids: Sequence[str]) -> list[tuple[str, str]]:
        """The keys of the kept items to read beside a few articles: every variant noted."""
        if len(article_ids) > ITEMS_WITH_ARTICLES:
            return []
        variants = sorted((self._noted or {}).get(site, ()))
        return [
            (feed_item_pk(site, article_id), variant) for article_id in article_ids for variant in variants
        ]

    def _fetched_beside(
        self,
        site: str,
        keys: Sequence[tuple[str, str]],
        revisions: Mapping[str, int],
        found: Mapping[tuple[str, str], Mapping[str, Any]],
    ) -> None:
        """Note what a read beside articles (`revisions`: id -> revision read) found of `keys`."""
        with self._fetched_lock:
            if self._fetched is None or len(self._fetched) > FETCHED_KEPT:
                self._fetched = {}
            for key in keys:
                article_id = key[0].removeprefix(feed_item_pk(site, ""))
                revision = revisions.get(article_id)
                if revision is None:
                    continue  # no live article read: nothing will ask
                item = found.get(key)
                kept = _feed_item(item) if item is not None and int(item["revision"]) == revision else None
                self._fetched[(site, article_id, key[1])] = (revision, kept)

    def _forget_fetched(self, site: str, article_id: str) -> None:
        with self._fetched_lock:
            if self._fetched:
                for key in [k for k in self._fetched if k[0] == site and k[1] == article_id]:
                    del self._fetched[key]

    def keep_feed_items(self, site: str, items: Sequence[FeedItem]) -> None:
        kept: dict[tuple[str, str], dict[str, Any]] = {}
        for article_id in {item.article_id for item in items}:
            self._forget_fetched(site, article_id)  # the next ask reads what is kept now
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
        self._forget_fetched(site, article_id)
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
