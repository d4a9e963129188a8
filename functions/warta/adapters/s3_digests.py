"""What the render Lambda knows of the bucket: the digests of the files it wrote lately.

`S3Store.put` skips unchanged bytes after a HEAD of the object; a publish writes some 18 files,
so 18 HEADs. The files a site's publishes write are mostly the same ones (its home and section
feeds, the open shard part, the sitemap index, robots.txt), so the render Lambda keeps their
digests in a manifest in the state bucket and asks S3 only about the others.

Safety: the manifest is deleted when a batch reads it and written back when the batch ends, so
a batch that dies half-way leaves no manifest, and the next one asks S3 (a stale digest could
otherwise make a changed file look unchanged). Render batches of one site never overlap (one
FIFO message group per site), so each site's manifest has one writer. A rebuild deletes them.

A warm container keeps a copy of the manifest it put back last (with its ETag): the site's next
batch mostly runs in the same container, so `take` deletes the manifest on the condition that it
is still that copy (If-Match) and needs no read. If another container (or a rebuild) wrote or
deleted it since, the delete is refused and the manifest is read and deleted as before.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from warta.adapters.s3_store import S3Store
from warta.core.ports import PutOutcome

if TYPE_CHECKING:  # boto3-stubs, a dev dependency: never imported at run time
    from mypy_boto3_s3 import S3Client

MANIFEST_PREFIX = "manifests/"
ABSENT = ""  # a path known to hold no object
# Enough for every file a site's publishes keep rewriting; rarely written files fall out and
# cost a HEAD when they come back. About 150 bytes an entry: 300 kB at most.
MANIFEST_ENTRIES = 2_000
# What a conditional delete (If-Match) answers when the object is not the one it names: another
# ETag (412), no object (404), or another conditional request in flight (409).
REPLACED_CODES = frozenset(
    {"PreconditionFailed", "NoSuchKey", "ConditionalRequestConflict", "412", "404", "409"}
)

# (bucket, manifest key) -> (ETag, digests) of the manifest this process put back last
_PUT_BACK: dict[tuple[str, str], tuple[str, OrderedDict[str, str]]] = {}
_PUT_BACK_LOCK = threading.Lock()


def digest_of(body: bytes, content_type: str, cache_control: str) -> str:
    """What makes a put a no-op: the same bytes with the same headers."""
    return f"{hashlib.sha256(body).hexdigest()}|{content_type}|{cache_control}"


class DigestManifest:
    """One site's manifest in the state bucket: taken at the start of a batch, put back at its end."""

    def __init__(self, client: S3Client, bucket: str, site: str) -> None:
        self._s3 = client
        self._bucket = bucket
        self.key = f"{MANIFEST_PREFIX}{site}.json"

    def take(self) -> OrderedDict[str, str]:
        """The digests, removing the manifest until `put_back` (a dead batch leaves none)."""
        with _PUT_BACK_LOCK:
            copy = _PUT_BACK.pop((self._bucket, self.key), None)
        if copy is not None:
            try:
                self._s3.delete_object(Bucket=self._bucket, Key=self.key, IfMatch=copy[0])
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in REPLACED_CODES:
                    raise
            else:
                return copy[1]  # the stored manifest was this copy: removed, nothing to read
        try:
            body = self._s3.get_object(Bucket=self._bucket, Key=self.key)["Body"].read()
        except self._s3.exceptions.NoSuchKey:
            return OrderedDict()
        self._s3.delete_object(Bucket=self._bucket, Key=self.key)
        try:
            known = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return OrderedDict()
        if not isinstance(known, dict):
            return OrderedDict()
        return OrderedDict((str(k), str(v)) for k, v in known.items())

    def put_back(self, known: OrderedDict[str, str]) -> None:
        while len(known) > MANIFEST_ENTRIES:
            known.popitem(last=False)
        body = json.dumps(known, separators=(",", ":")).encode("utf-8")
        put = self._s3.put_object(
            Bucket=self._bucket, Key=self.key, Body=body, ContentType="application/json"
        )
        with _PUT_BACK_LOCK:  # the next batch's take in this process starts from it
            _PUT_BACK[(self._bucket, self.key)] = (put["ETag"], OrderedDict(known))


def forget_manifests(client: S3Client, bucket: str) -> int:
    """Delete every site's manifest (a rebuild, which may change the bucket behind them)."""
    deleted = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=MANIFEST_PREFIX):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=bucket, Key=item["Key"])
            deleted += 1
    return deleted


class KnownDigestStore:
    """An `ObjectStore` on an `S3Store` that skips the HEAD for files whose digest it knows.

    A known digest equal to the new one: unchanged, no request. Known but different (or known
    absent): put without asking. A delete of a path known absent: nothing to do; of one known
    to exist: deleted without asking. Unknown: as `S3Store` does it.
    Only the paths `remembered` accepts are kept (not AMP pages: one per article, rarely again).
    """

    def __init__(
        self, store: S3Store, known: OrderedDict[str, str], remembered: Callable[[str], bool]
    ) -> None:
        self._store = store
        self.known = known
        self._remembered = remembered
        # Writes of one render step run on several threads (app.render, write_workers); each
        # path is written once a batch, so only the dict itself needs guarding.
        self._lock = threading.Lock()

    def _known(self, path: str) -> str | None:
        with self._lock:
            before = self.known.get(path)
            if before is not None:
                self.known.move_to_end(path)
            return before

    def put(self, path: str, body: bytes, content_type: str, cache_control: str) -> PutOutcome:
        digest = digest_of(body, content_type, cache_control)
        before = self._known(path)
        if before == digest:
            return "unchanged"
        if before is not None:  # known to differ, or known to be absent
            self._store.put_unchecked(path, body, content_type, cache_control)
            outcome: PutOutcome = "written"
        else:
            outcome = self._store.put(path, body, content_type, cache_control)
        self._remember(path, digest)
        return outcome

    def get(self, path: str) -> bytes | None:
        return self._store.get(path)

    def delete(self, path: str) -> bool:
        before = self._known(path)
        if before == ABSENT:
            return False  # deletes of files that never were (a second index file) recur often
        if before is not None:
            self._store.delete_unchecked(path)
            existed = True
        else:
            existed = self._store.delete(path)
        self._remember(path, ABSENT)
        return existed

    def _remember(self, path: str, digest: str) -> None:
        if self._remembered(path):
            with self._lock:
                self.known[path] = digest
                self.known.move_to_end(path)

    def list(self, prefix: str = "", include_temp: bool = False) -> Iterator[str]:
        return self._store.list(prefix, include_temp)
