"""Article documents on the DynamoDB index table: how an article is stored in its item and read
back, whole or without its body, and kept parsed by revision (`dynamodb_articles`).

The document is stored zlib-compressed in the article item; one too big for DynamoDB's 400 KB
item limit (a body may reach 2 MB a page) goes to the private state bucket, keyed by revision so
a write that loses its race never overwrites the winner's document.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import Binary
from botocore.exceptions import ClientError

from warta.adapters.dynamodb_articles import ParsedArticles
from warta.adapters.dynamodb_table import ARTICLE_SK, ITEM_SIZE_LIMIT, DynamoTable, article_pk
from warta.core.articles import Article, ArticleState, Tombstone

if TYPE_CHECKING:  # boto3-stubs, a dev dependency: never imported at run time
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

# Room left in the article item for everything but the compressed document.
INLINE_DOC_LIMIT = ITEM_SIZE_LIMIT - 64 * 1024
# What reading an article needs of its item: not its list of memberships, the bulk of the rest.
ARTICLE_ATTRIBUTES = ("pk", "sk", "live", "revision", "doc_z", "doc_ref")
# And of the items read beside articles (`_items_beside`): kept feed items (dynamodb_feed_items).
BESIDE_ATTRIBUTES = ("article_id", "data")


def _doc_bytes(item: dict[str, Any]) -> int:
    """The compressed document's size; one in S3 counts as at least the inline limit."""
    return len(item["doc_z"].value) if "doc_z" in item else INLINE_DOC_LIMIT


class DynamoDocuments(DynamoTable):
    """Articles in and out of their items, for `DynamoIndex`."""

    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        s3_client: S3Client | None = None,
        doc_bucket: str = "",
        doc_prefix: str = "docs/",
    ) -> None:
        super().__init__(client, table)
        self._s3 = s3_client
        self._doc_bucket = doc_bucket
        self._doc_prefix = doc_prefix
        self._parsed = ParsedArticles()  # by (site, id, revision): see dynamodb_articles

    # --- documents --------------------------------------------------------------------------

    def _doc_key(self, site: str, article_id: str, revision: int) -> str:
        return f"{self._doc_prefix}{site}/{article_id}/{revision}.json.z"

    def _encode_doc(self, article: Article) -> dict[str, Any]:
        raw = json.dumps(article.to_json(), ensure_ascii=False, separators=(",", ":")).encode()
        packed = zlib.compress(raw, 6)
        if len(packed) <= INLINE_DOC_LIMIT:
            return {"doc_z": Binary(packed)}
        if self._s3 is None:
            raise ValueError(f"article {article.id}: document too big for DynamoDB and no document bucket")
        key = self._doc_key(article.site, article.id, article.revision)
        self._s3.put_object(Bucket=self._doc_bucket, Key=key, Body=packed)
        return {"doc_ref": key}

    def _article(self, item: dict[str, Any], bodies: bool = True) -> Article | None:
        """The article an item holds (its body left out unless `bodies`); None if it is (by now)
        a tombstone."""
        if not item.get("live"):
            return None
        if "doc_z" in item:
            packed = bytes(item["doc_z"])
        else:
            assert self._s3 is not None  # a doc_ref is only written with a document bucket
            try:
                packed = self._s3.get_object(Bucket=self._doc_bucket, Key=item["doc_ref"])["Body"].read()
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in {"NoSuchKey", "404"}:
                    raise
                # A newer write replaced this revision (and removed its document) since the
                # item was read: read the article as it is now.
                fresh = self._get_item(item["pk"], ARTICLE_SK)
                if fresh is None or fresh["revision"] == item["revision"]:
                    return None
                return self._article(fresh, bodies)
        data = json.loads(zlib.decompress(packed))
        return Article.from_json(data) if bodies else Article.from_json_without_body(data)

    def _state(self, item: dict[str, Any]) -> ArticleState:
        # Kept parsed, not decoded again: an ingest reads the stored revision, then its write does.
        key = (item["site"], item["id"], int(item["revision"]))
        article = self._parsed.get(key) if item.get("live") else None
        if article is None and (article := self._article(item)) is not None:
            self._parsed.put(article, _doc_bytes(item))
        return article or Tombstone(
            site=item["site"], id=item["id"], revision=int(item["revision"]), url=item.get("url", "")
        )

    def _articles_of(
        self, members: Iterable[dict[str, Any]], site: str, bodies: bool = True
    ) -> list[Article]:
        """The live articles behind membership items, in the members' order. A member names
        its article's revision (`rev`): those kept parsed are not read again. Read without
        bodies (`bodies=False`), an article kept whole is handed with its body left out, as the
        port asks (`ParsedArticles.get_without_body`)."""
        listed = list(members)
        kept = self._parsed.get if bodies else self._parsed.get_without_body
        found = {m["id"]: kept((site, m["id"], int(m["rev"]))) for m in listed if "rev" in m}
        unread = {article_pk(site, m["id"]): m["id"] for m in listed if found.get(m["id"]) is None}
        if unread:
            beside = self._items_beside(site, list(unread.values()))
            attributes = ARTICLE_ATTRIBUTES + (BESIDE_ATTRIBUTES if beside else ())
            items = self._batch_get([(pk, ARTICLE_SK) for pk in unread] + beside, attributes)
            revisions: dict[str, int] = {}
            for pk, article_id in unread.items():
                item = items.get((pk, ARTICLE_SK))
                if item is None:
                    continue
                found[article_id] = article = self._article(item, bodies)
                if article is not None:
                    revisions[article_id] = article.revision
                    self._parsed.put(article, _doc_bytes(item))
            if beside:
                self._fetched_beside(site, beside, revisions, items)
        return [a for a in (found.get(m["id"]) for m in listed) if a is not None]

    # --- items read beside articles (DynamoIndex: its kept feed items) ---------------------------

    def _items_beside(self, site: str, article_ids: Sequence[str]) -> list[tuple[str, str]]:
        """Keys of other items to read in the request that reads these articles."""
        return []

    def _fetched_beside(
        self,
        site: str,
        keys: Sequence[tuple[str, str]],
        revisions: Mapping[str, int],
        found: Mapping[tuple[str, str], Mapping[str, Any]],
    ) -> None:
        """Take what that read found of them (`revisions`: the live articles read, id -> revision)."""
