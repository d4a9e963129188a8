"""The adapters the port contract suites run against, each fresh and empty for its test.

Every contract test (tests/test_contract_*.py) runs once per adapter of its port: the local one
(SQLite, a directory) and the AWS one (DynamoDB, SQS, S3 on a moto server of the suites' own,
reached over HTTP with clients that name it, so no environment variable is touched).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REGION = "us-east-1"
TABLE = "warta-index"
DOC_BUCKET = "warta-state"
SITE_BUCKET = "warta-site"
RENDER_QUEUE = "warta-render.fifo"
SITE = "andalpost"

# The adapters of each port, as fixture parameters: the local one runs in the `local` tier, the
# AWS one in the `aws` tier (tests/conftest.py).
INDEXES = [pytest.param("sqlite", marks=pytest.mark.local), pytest.param("dynamodb", marks=pytest.mark.aws)]
QUEUES = [pytest.param("sqlite", marks=pytest.mark.local), pytest.param("sqs", marks=pytest.mark.aws)]
STORES = [
    pytest.param("directory", marks=pytest.mark.local),
    pytest.param("s3", marks=pytest.mark.aws),
    pytest.param("s3-prefixed", marks=pytest.mark.aws),  # an S3Store under a key prefix
]


@dataclass
class Moto:
    """A moto server and boto3 clients for it."""

    endpoint: str

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def reset(self) -> None:
        """Forget every table, bucket and queue."""
        import requests

        requests.post(f"{self.endpoint}/moto-api/reset", timeout=30).raise_for_status()


@contextlib.contextmanager
def moto_server() -> Iterator[Moto]:
    from support.aws_runs import serial_moto_server

    with serial_moto_server() as endpoint:
        yield Moto(endpoint)


def sqlite_index(tmp: Path) -> Any:
    from warta.adapters.sqlite_index import SqliteIndex

    return SqliteIndex(tmp / "state" / "index.sqlite3")


def dynamodb_index(moto: Moto) -> Any:
    """A `DynamoIndex` as the Lambda functions build it: the table and the document bucket."""
    from warta.adapters.dynamodb_index import DynamoIndex
    from warta.adapters.dynamodb_table import table_definition

    moto.reset()
    ddb, s3 = moto.client("dynamodb"), moto.client("s3")
    ddb.create_table(**table_definition(TABLE))
    s3.create_bucket(Bucket=DOC_BUCKET)
    return DynamoIndex(ddb, TABLE, s3_client=s3, doc_bucket=DOC_BUCKET)


def sqs_queue(moto: Moto) -> Any:
    """An `SqsRenderQueue` of one site (a render takes one site's outputs) on a fresh table."""
    from warta.adapters.dynamodb_table import table_definition
    from warta.adapters.sqs_queue import SqsRenderQueue

    moto.reset()
    ddb, sqs = moto.client("dynamodb"), moto.client("sqs")
    ddb.create_table(**table_definition(TABLE))
    url = sqs.create_queue(QueueName=RENDER_QUEUE, Attributes={"FifoQueue": "true"})["QueueUrl"]
    return SqsRenderQueue(ddb, TABLE, sqs, url).for_site(SITE)


def directory_store(tmp: Path) -> Any:
    from warta.adapters.directory_store import DirectoryStore

    return DirectoryStore(tmp / "public", meta_root=tmp / "state" / "objects")


def s3_store(moto: Moto, key_prefix: str = "") -> Any:
    from warta.adapters.s3_store import S3Store

    moto.reset()
    s3 = moto.client("s3")
    s3.create_bucket(Bucket=SITE_BUCKET)
    return S3Store(s3, SITE_BUCKET, key_prefix)
