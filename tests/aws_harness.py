"""The AWS side of the tests: a moto server reached over HTTP, the resources, real event shapes.

`AwsHarness` creates what template.yaml declares (table, buckets, queues, secret) on the moto
server, then drives the Lambda handlers with the event shapes AWS sends them.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3

from warta.adapters.dynamodb_index import table_definition

REGION = "us-east-1"
ACCOUNT = "123456789012"
TABLE = "warta-index"
IDEMPOTENCY_TABLE = "warta-idempotency"
SITE_BUCKET = "warta-site"
STATE_BUCKET = "warta-state"
INGEST_QUEUE = "warta-ingest"
RENDER_QUEUE = "warta-render.fifo"
SECRET_PARAM = "/warta/webhook-secret"
SECRET = "rahasia-bersama-cms"
CONFIG_KEY = "config/site.toml"

ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "POWERTOOLS_SERVICE_NAME": "warta",
    "POWERTOOLS_METRICS_NAMESPACE": "warta",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "WARTA_TABLE": TABLE,
    "WARTA_IDEMPOTENCY_TABLE": IDEMPOTENCY_TABLE,
    "WARTA_SITE_BUCKET": SITE_BUCKET,
    "WARTA_STATE_BUCKET": STATE_BUCKET,
    "WARTA_SITE_CONFIG": f"s3://{STATE_BUCKET}/{CONFIG_KEY}",
    "WARTA_WEBHOOK_SECRET_PARAM": SECRET_PARAM,
}


class LambdaContext:
    function_name = "warta-test"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:warta-test"
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    log_group_name = "/aws/lambda/warta-test"
    log_stream_name = "test"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


def eventbridge_envelope(event: dict[str, Any]) -> dict[str, Any]:
    """A CMS event as the EventBridge rule hands it to the ingest function."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": event.get("type", ""),
        "source": "cms.andalpost",
        "account": ACCOUNT,
        "time": "2023-09-21T00:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": event,
    }


@dataclass
class AwsHarness:
    site_toml: Path

    def __post_init__(self) -> None:
        self.s3 = boto3.client("s3")
        self.ddb = boto3.client("dynamodb")
        self.sqs_client = boto3.client("sqs")
        self.ssm = boto3.client("ssm")
        self.context = LambdaContext()

    def create_resources(self) -> dict[str, str]:
        self.ddb.create_table(**table_definition(TABLE))
        self.ddb.create_table(
            TableName=IDEMPOTENCY_TABLE,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        )
        for bucket in (SITE_BUCKET, STATE_BUCKET):
            self.s3.create_bucket(Bucket=bucket)
        self.s3.put_object(Bucket=STATE_BUCKET, Key=CONFIG_KEY, Body=self.site_toml.read_bytes())
        self.ingest_queue = self.sqs_client.create_queue(QueueName=INGEST_QUEUE)["QueueUrl"]
        self.render_queue = self.sqs_client.create_queue(
            QueueName=RENDER_QUEUE, Attributes={"FifoQueue": "true", "VisibilityTimeout": "60"}
        )["QueueUrl"]
        self.ssm.put_parameter(Name=SECRET_PARAM, Value=SECRET, Type="SecureString")
        return {"WARTA_RENDER_QUEUE_URL": self.render_queue}

    # --- event shapes -----------------------------------------------------------------------

    def eventbridge(self, event: dict[str, Any]) -> dict[str, Any]:
        from warta.handlers import ingest

        return ingest.handler(eventbridge_envelope(event), self.context)

    def sqs_record(self, body: str, queue: str = INGEST_QUEUE, group: str | None = None) -> dict[str, Any]:
        attributes = {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1695229200000",
            "SenderId": ACCOUNT,
            "ApproximateFirstReceiveTimestamp": "1695229200000",
        }
        if group is not None:
            attributes.update(MessageGroupId=group, MessageDeduplicationId=uuid.uuid4().hex)
        return {
            "messageId": str(uuid.uuid4()),
            "receiptHandle": "handle",
            "body": body,
            "attributes": attributes,
            "messageAttributes": {},
            "md5OfBody": "",
            "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue}",
            "awsRegion": REGION,
        }

    def sqs(self, bodies: list[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        from warta.handlers import ingest

        records = [self.sqs_record(body) for body in bodies]
        return records, ingest.handler({"Records": records}, self.context)

    def inbox(self, name: str, body: bytes) -> dict[str, Any]:
        """Drop a file into the inbox and deliver the S3 notification for it."""
        from warta.handlers import ingest

        key = f"inbox/{name}"
        self.s3.put_object(Bucket=STATE_BUCKET, Key=key, Body=body)
        record = {
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": REGION,
            "eventTime": "2023-09-21T00:00:00.000Z",
            "eventName": "ObjectCreated:Put",
            "s3": {
                "s3SchemaVersion": "1.0",
                "bucket": {"name": STATE_BUCKET, "arn": f"arn:aws:s3:::{STATE_BUCKET}"},
                "object": {"key": key.replace(" ", "+"), "size": len(body)},
            },
        }
        return ingest.handler({"Records": [record]}, self.context)

    def inbox_via_eventbridge(self, name: str, body: bytes, *, url_encoded: bool = True) -> dict[str, Any]:
        """Drop a file into the inbox and deliver what the template wires up: the EventBridge
        "Object Created" event of the state bucket (AWS documents its key as a plain string;
        S3 notification keys are URL-encoded, so both forms are tried)."""
        from urllib.parse import quote_plus

        from warta.handlers import ingest

        key = f"inbox/{name}"
        self.s3.put_object(Bucket=STATE_BUCKET, Key=key, Body=body)
        event = {
            "version": "0",
            "id": f"s3-{abs(hash(key)):x}",
            "detail-type": "Object Created",
            "source": "aws.s3",
            "account": ACCOUNT,
            "time": "2023-09-21T00:00:00Z",
            "region": REGION,
            "resources": [f"arn:aws:s3:::{STATE_BUCKET}"],
            "detail": {
                "version": "0",
                "bucket": {"name": STATE_BUCKET},
                "object": {"key": quote_plus(key, safe="/") if url_encoded else key, "size": len(body)},
                "request-id": "N4N7GDK58NMKJ12R",
                "requester": ACCOUNT,
                "reason": "PutObject",
            },
        }
        return ingest.handler(event, self.context)

    def webhook(
        self, body: bytes, now: datetime, *, secret: str = SECRET, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """POST through a Lambda Function URL (the API Gateway HTTP API v2 payload)."""
        from warta.handlers import webhook

        timestamp = str(int(now.timestamp()))
        signed = {
            "content-type": "application/json",
            "x-warta-timestamp": timestamp,
            "x-warta-signature": webhook.signature_for(secret.encode(), timestamp, body),
        }
        event = {
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": "/",
            "rawQueryString": "",
            "headers": signed if headers is None else headers,
            "requestContext": {
                "accountId": ACCOUNT,
                "apiId": "urlid",
                "domainName": "urlid.lambda-url.us-east-1.on.aws",
                "http": {
                    "method": "POST",
                    "path": "/",
                    "protocol": "HTTP/1.1",
                    "sourceIp": "192.0.2.1",
                    "userAgent": "cms",
                },
                "requestId": str(uuid.uuid4()),
                "routeKey": "$default",
                "stage": "$default",
                "time": "21/Sep/2023:00:00:00 +0000",
                "timeEpoch": int(time.time() * 1000),
            },
            "body": base64.b64encode(body).decode(),
            "isBase64Encoded": True,
        }
        return webhook.handler(event, self.context)

    # --- rendering --------------------------------------------------------------------------

    def drain_render_queue(self, max_batches: int = 500) -> int:
        """Deliver the render queue to the render handler, as the FIFO event source would."""
        from warta.handlers import render

        batches = 0
        while batches < max_batches:
            messages = self.sqs_client.receive_message(
                QueueUrl=self.render_queue, MaxNumberOfMessages=10, AttributeNames=["All"]
            ).get("Messages", [])
            if not messages:
                return batches
            records = []
            for message in messages:
                record = self.sqs_record(
                    message["Body"], RENDER_QUEUE, message["Attributes"]["MessageGroupId"]
                )
                record["messageId"] = message["MessageId"]
                records.append(record)
            response = render.handler({"Records": records}, self.context)
            failed = {item["itemIdentifier"] for item in response["batchItemFailures"]}
            assert not failed, response
            for message in messages:
                self.sqs_client.delete_message(
                    QueueUrl=self.render_queue, ReceiptHandle=message["ReceiptHandle"]
                )
            batches += 1
        raise AssertionError("the render queue never emptied")

    def render_messages_waiting(self) -> int:
        attributes = self.sqs_client.get_queue_attributes(
            QueueUrl=self.render_queue, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"])

    def bucket_tree(self, bucket: str = SITE_BUCKET) -> dict[str, bytes]:
        keys = [
            item["Key"]
            for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for item in page.get("Contents", [])
        ]
        return {key: self.s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


def json_bytes(event: dict[str, Any]) -> bytes:
    return json.dumps(event, ensure_ascii=False).encode()


def send_corpus_through_every_entry_point(aws: AwsHarness, event_files: list[Path], now: str) -> None:
    """Round robin: EventBridge, SQS, the signed webhook, the S3 inbox (S3 notification and
    EventBridge "Object Created", the one template.yaml wires up)."""
    for number, path in enumerate(event_files):
        raw = path.read_bytes()
        route = number % 5
        if route == 0:
            aws.eventbridge(json.loads(raw))
        elif route == 1:
            _, response = aws.sqs([raw.decode()])
            assert response == {"batchItemFailures": []}
        elif route == 2:
            response = aws.webhook(raw, datetime.fromisoformat(now))
            assert response["statusCode"] in (200, 202), response
        elif route == 3:
            assert aws.inbox(path.name, raw)["results"][0]["status"] in ("accepted", "stale")
        else:
            assert aws.inbox_via_eventbridge(path.name, raw)["status"] in ("accepted", "stale")


def create_test_distribution(monkeypatch: Any, reference: str) -> tuple[Any, str]:
    """A CloudFront distribution on the moto server, wired into the handlers' environment."""
    import boto3

    cloudfront = boto3.client("cloudfront")
    created = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": reference,
            "Comment": "",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "site",
                        "DomainName": "warta-site.s3.us-east-1.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "site",
                "ViewerProtocolPolicy": "redirect-to-https",
                "TrustedSigners": {"Enabled": False, "Quantity": 0},
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                "MinTTL": 0,
            },
        }
    )["Distribution"]["Id"]
    monkeypatch.setenv("WARTA_DISTRIBUTION_ID", created)
    return cloudfront, created
