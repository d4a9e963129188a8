"""The status report on S3: written under a prefix of the private state bucket, read from the
public bucket.

The state bucket is no CloudFront origin and blocks public access, so the report (which names
rejected events and their sources) is never served; on-call reads it with the AWS CLI or a
presigned URL (docs/operations.md). Nothing is added to the public tree, so the checks that
compare it with a local tree see only outputs.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from warta.adapters.s3_store import S3Store
from warta.status import StaleStatus

if TYPE_CHECKING:  # boto3-stubs, a dev dependency: never imported at run time
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import PutObjectRequestTypeDef

DEFAULT_STATUS_PREFIX = "status/"  # template.yaml: RenderFunction WARTA_STATUS_PREFIX and its policy
LIST_PAGE_LIMIT = 1_000  # ListObjectsV2 returns at most 1,000 keys a request
# What a conditional put (If-Match) answers when the object is no longer the one it names:
# another ETag (412), no object (404), or another conditional write in flight (409).
REPLACED_CODES = frozenset(
    {"PreconditionFailed", "NoSuchKey", "ConditionalRequestConflict", "412", "404", "409"}
)


class S3StatusStore:
    """`StatusStore` (status/batches.py) under one prefix of a bucket."""

    def __init__(self, client: S3Client, bucket: str, prefix: str = DEFAULT_STATUS_PREFIX) -> None:
        self._s3 = client
        self.bucket = bucket
        self.prefix = prefix
        # name -> (ETag, body) of what this store last wrote of a name it reads to write (a
        # site's state): renders of a site never overlap (its FIFO group), and a warm container
        # mostly renders the site's next batch as well, so its copy is usually the stored one.
        self._written: dict[str, tuple[str, bytes]] = {}
        # name -> the ETag its write must still find (the last read_to_write used the copy)
        self._from_copy: dict[str, str] = {}

    def read_to_write(self, name: str) -> bytes | None:
        kept = self._written.get(name)
        if kept is None:
            body = self.read(name)
            self._from_copy[name] = ""  # read afresh: the write needs no condition
            return body
        self._from_copy[name] = kept[0]
        return kept[1]

    def read(self, name: str) -> bytes | None:
        try:
            return self._s3.get_object(Bucket=self.bucket, Key=self.prefix + name)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                return None
            raise

    def write(self, name: str, body: bytes, content_type: str) -> None:
        """Write an object; after a `read_to_write` answered from this store's copy, only if
        the stored object is still that copy (If-Match), else `StaleStatus`."""
        expected = self._from_copy.pop(name, None)
        self._written.pop(name, None)  # until this write is known to have landed
        request: PutObjectRequestTypeDef = {
            "Bucket": self.bucket,
            "Key": self.prefix + name,
            "Body": body,
            "ContentType": content_type,
            "CacheControl": "no-store",  # a presigned link must show the page as it is now
        }
        if expected:
            request["IfMatch"] = expected
        try:
            response = self._s3.put_object(**request)
        except ClientError as exc:
            if expected and exc.response.get("Error", {}).get("Code") in REPLACED_CODES:
                raise StaleStatus(name) from exc
            raise
        if expected is not None:  # a name read to write: its copy for the next batch
            self._written[name] = (response["ETag"], body)

    def location(self, name: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{name}"


class S3Tree:
    """The public bucket as the status report reads it: `S3Store` reads, plus a resumable listing."""

    def __init__(self, store: S3Store, client: S3Client) -> None:
        self._store = store
        self._s3 = client

    def get(self, path: str) -> bytes | None:
        return self._store.get(path)

    def list(self, prefix: str = "") -> Iterator[str]:
        return self._store.list(prefix)

    # builtins.list: in this class `list` is the method above.
    def list_after(self, prefix: str, after: str, limit: int) -> builtins.list[str]:
        keys: builtins.list[str] = []
        request: dict[str, Any] = {"Bucket": self._store.bucket, "Prefix": prefix}
        if after:
            request["StartAfter"] = after
        while len(keys) < limit:
            request["MaxKeys"] = min(LIST_PAGE_LIMIT, limit - len(keys))
            page = self._s3.list_objects_v2(**request)
            keys += [item["Key"] for item in page.get("Contents", [])]
            if not page.get("IsTruncated"):
                break
            request["ContinuationToken"] = page["NextContinuationToken"]
        return keys
