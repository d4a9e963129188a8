"""The object store on S3: the public tree that CloudFront serves.

Each object carries its content type, cache control and the SHA-256 of its bytes (in user
metadata), so a put of unchanged bytes is skipped after one HEAD, as the directory store skips
an unchanged file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from warta.core.ports import PutOutcome

if TYPE_CHECKING:  # boto3-stubs, a dev dependency: never imported at run time
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import HeadObjectOutputTypeDef

HASH_METADATA_KEY = "sha256"  # stored as x-amz-meta-sha256
_MISSING = {"404", "NoSuchKey", "NotFound"}


def _is_missing(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in _MISSING


class S3Store:
    """`ObjectStore` on one bucket, optionally under a key prefix."""

    def __init__(self, client: S3Client, bucket: str, key_prefix: str = "") -> None:
        self._s3 = client
        self.bucket = bucket
        self._prefix = key_prefix

    def _key(self, path: str) -> str:
        return self._prefix + path

    def _head(self, path: str) -> HeadObjectOutputTypeDef | None:
        try:
            return self._s3.head_object(Bucket=self.bucket, Key=self._key(path))
        except ClientError as exc:
            if _is_missing(exc):
                return None
            raise

    def put(self, path: str, body: bytes, content_type: str, cache_control: str) -> PutOutcome:
        digest = hashlib.sha256(body).hexdigest()
        head = self._head(path)
        if (
            head is not None
            and head.get("Metadata", {}).get(HASH_METADATA_KEY) == digest
            and head.get("ContentType") == content_type
            and head.get("CacheControl") == cache_control
        ):
            return "unchanged"
        self.put_unchecked(path, body, content_type, cache_control, digest)
        return "written"

    def put_unchecked(
        self, path: str, body: bytes, content_type: str, cache_control: str, digest: str | None = None
    ) -> None:
        """Put without asking first (the caller knows the object differs)."""
        self._s3.put_object(
            Bucket=self.bucket,
            Key=self._key(path),
            Body=body,
            ContentType=content_type,
            CacheControl=cache_control,
            Metadata={HASH_METADATA_KEY: digest or hashlib.sha256(body).hexdigest()},
        )

    def get(self, path: str) -> bytes | None:
        try:
            response = self._s3.get_object(Bucket=self.bucket, Key=self._key(path))
        except ClientError as exc:
            if _is_missing(exc):
                return None
            raise
        return response["Body"].read()

    def metadata(self, path: str) -> dict[str, str]:
        """Content type and cache control, as `DirectoryStore.metadata` gives them."""
        head = self._head(path)
        if head is None:
            return {}
        return {"content_type": head.get("ContentType", ""), "cache_control": head.get("CacheControl", "")}

    def delete(self, path: str) -> bool:
        # S3's DeleteObject succeeds whether or not the key exists: HEAD first to report it.
        if self._head(path) is None:
            return False
        self.delete_unchecked(path)
        return True

    def delete_unchecked(self, path: str) -> None:
        """Delete without asking first (the caller knows the object exists)."""
        self._s3.delete_object(Bucket=self.bucket, Key=self._key(path))

    def list(self, prefix: str = "", include_temp: bool = False) -> Iterator[str]:
        """Keys in lexicographic (UTF-8 byte) order, as S3 lists them, a page (1,000) at a time.

        S3 writes are atomic: there are no temp files, so `include_temp` changes nothing."""
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
            for item in page.get("Contents", []):
                yield item["Key"][len(self._prefix) :]
