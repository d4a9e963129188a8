"""template.yaml: valid for cfn-lint with the SAM transform, and in step with the adapters."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cfnlint.decode import decode

from warta.adapters.dynamodb_index import table_definition

TEMPLATE = Path(__file__).resolve().parent.parent / "template.yaml"


def _template() -> dict:
    template, errors = decode(str(TEMPLATE))
    assert not errors, errors
    return template


def test_cfn_lint_passes() -> None:
    result = subprocess.run(
        [Path(sys.executable).parent / "cfn-lint", str(TEMPLATE)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_index_table_matches_what_the_adapter_queries() -> None:
    table = _template()["Resources"]["IndexTable"]["Properties"]
    expected = table_definition("x")
    assert table["KeySchema"] == expected["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(expected["AttributeDefinitions"], key=str)
    assert table["GlobalSecondaryIndexes"] == expected["GlobalSecondaryIndexes"]
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_every_handler_in_the_template_exists_and_every_checkov_skip_has_a_reason() -> None:
    import importlib

    resources = _template()["Resources"]
    handlers = [
        r["Properties"]["Handler"] for r in resources.values() if r["Type"] == "AWS::Serverless::Function"
    ]
    assert len(handlers) == 6
    for handler in handlers:
        module, _, name = handler.rpartition(".")
        assert callable(getattr(importlib.import_module(module), name))
    for name, resource in resources.items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert len(skip.get("comment", "")) > 20, (name, skip)


def test_the_render_queue_is_fifo_with_a_dead_letter_queue() -> None:
    resources = _template()["Resources"]
    render = resources["RenderQueue"]["Properties"]
    assert render["FifoQueue"] is True
    assert resources["RenderFunction"]["Properties"]["Events"]["RenderSignals"]["Properties"][
        "FunctionResponseTypes"
    ] == ["ReportBatchItemFailures"]
    assert "RedrivePolicy" in render and "RedrivePolicy" in resources["IngestQueue"]["Properties"]


def test_the_harness_queues_redrive_as_the_template_says() -> None:
    from support.aws_runs import INGEST_MAX_RECEIVES, RENDER_MAX_RECEIVES, VISIBILITY_TIMEOUTS

    resources = _template()["Resources"]
    ingest, render = resources["IngestQueue"]["Properties"], resources["RenderQueue"]["Properties"]
    assert ingest["RedrivePolicy"]["maxReceiveCount"] == INGEST_MAX_RECEIVES
    assert render["RedrivePolicy"]["maxReceiveCount"] == RENDER_MAX_RECEIVES
    # A killed invocation returns its whole batch: AWS advises at least 5 receives before the DLQ.
    assert INGEST_MAX_RECEIVES >= 5
    assert str(ingest["VisibilityTimeout"]) == VISIBILITY_TIMEOUTS[False]
    assert str(render["VisibilityTimeout"]) == VISIBILITY_TIMEOUTS[True]


# --- what a real account needs (issue 13) ------------------------------------------------------


def _statements(resource: dict) -> list[dict]:
    return [s for policy in resource["Properties"].get("Policies", []) for s in policy["Statement"]]


def test_cloudwatch_may_use_the_alarm_topic_key() -> None:
    """An SNS topic under the AWS managed key drops every alarm CloudWatch publishes."""
    resources = _template()["Resources"]
    key_ref = resources["AlarmTopic"]["Properties"].get("KmsMasterKeyId")
    if key_ref is None:
        return  # no SSE: CloudWatch publishes as it would to any topic
    assert key_ref == {"Ref": "AlarmTopicKey"}, "alias/aws/sns cannot be granted to CloudWatch"
    grants = [
        statement
        for statement in resources["AlarmTopicKey"]["Properties"]["KeyPolicy"]["Statement"]
        if statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert grants and {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(grants[0]["Action"])
    alarms = [r for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    assert alarms and all(r["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}] for r in alarms)


@pytest.mark.parametrize("name", ["IndexTable", "IdempotencyTable", "StateBucket"])
def test_state_survives_a_deleted_or_replaced_stack(name: str) -> None:
    resource = _template()["Resources"][name]
    assert resource.get("DeletionPolicy") == "Retain"
    assert resource.get("UpdateReplacePolicy") == "Retain"


def test_cloudfront_can_list_the_site_bucket_so_a_missing_object_is_404_not_403() -> None:
    statements = _template()["Resources"]["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    cloudfront = [s for s in statements if s.get("Principal") == {"Service": "cloudfront.amazonaws.com"}]
    granted = {(s["Action"], json.dumps(s["Resource"])) for s in cloudfront if s["Effect"] == "Allow"}
    assert ("s3:ListBucket", json.dumps({"Fn::GetAtt": ["SiteBucket", "Arn"]})) in granted
    assert all("AWS:SourceArn" in s["Condition"]["StringEquals"] for s in cloudfront)
    distribution = _template()["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    for response in distribution.get("CustomErrorResponses", []):
        assert response.get("ResponseCode") not in (403, "403"), response


def test_every_function_may_read_every_site_config_it_is_told_to() -> None:
    template = _template()
    location = template["Globals"]["Function"]["Environment"]["Variables"]["WARTA_SITE_CONFIG"]
    assert location == {"Fn::Sub": "s3://${StateBucket}/${SiteConfigPrefix}"}
    assert template["Parameters"]["SiteConfigPrefix"]["AllowedPattern"].endswith("/$")
    for name, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        statements = _statements(resource)
        reads = [
            s
            for s in statements
            if "s3:GetObject" in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
        ]
        resources = [
            json.dumps(r)
            for s in reads
            for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
        ]
        assert json.dumps({"Fn::Sub": "${StateBucket.Arn}/${SiteConfigPrefix}*"}) in resources, name
        lists = [
            s
            for s in statements
            if s["Action"] == "s3:ListBucket" and s["Resource"] == {"Fn::GetAtt": ["StateBucket", "Arn"]}
        ]
        assert lists, f"{name} cannot list the config prefix"


def test_reserved_concurrency_is_off_unless_asked_for() -> None:
    template = _template()
    assert template["Parameters"]["ReservedConcurrency"]["Default"] == "off"
    for name, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            reserved = resource["Properties"].get("ReservedConcurrentExecutions")
            assert reserved is None or reserved["Fn::If"][0] == "ReservesConcurrency", name
            if reserved is not None:
                assert reserved["Fn::If"][2] == {"Ref": "AWS::NoValue"}, name


def test_a_missing_amp_page_falls_back_to_the_gone_function_through_signed_requests() -> None:
    """Taken-down AMP pages answer 410 from CloudFront: the AMP behavior's origin group asks the
    bucket, then (on 404 only) the Gone function's URL, which only this distribution may call."""
    resources = _template()["Resources"]
    config = resources["Distribution"]["Properties"]["DistributionConfig"]
    amp = next(b for b in config["CacheBehaviors"] if b["PathPattern"] == "amp/*")
    (group,) = [g for g in config["OriginGroups"]["Items"] if g["Id"] == amp["TargetOriginId"]]
    assert group["FailoverCriteria"]["StatusCodes"]["Items"] == [404]  # a 5xx is not "gone"
    assert [m["OriginId"] for m in group["Members"]["Items"]] == ["site", "gone"]
    gone = next(o for o in config["Origins"] if o["Id"] == "gone")
    assert "GoneFunctionUrl" in json.dumps(gone["DomainName"])
    control = resources[gone["OriginAccessControlId"]["Fn::GetAtt"][0]]["Properties"][
        "OriginAccessControlConfig"
    ]
    assert (control["OriginAccessControlOriginType"], control["SigningBehavior"]) == ("lambda", "always")
    function = resources["GoneFunction"]["Properties"]
    assert function["Handler"] == "warta.handlers.gone.handler"
    assert function["FunctionUrlConfig"]["AuthType"] == "AWS_IAM"
    permissions = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::Permission"]
    granted = {p["Action"] for p in permissions if p["FunctionName"] == {"Ref": "GoneFunction"}}
    assert granted == {"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"}
    for permission in permissions:
        assert permission["Principal"] == "cloudfront.amazonaws.com"
        assert "distribution/${Distribution}" in permission["SourceArn"]["Fn::Sub"]


# What each function does with the render queue's items in the index table (adapters.sqs_queue):
# a push puts them 25 to a BatchWriteItem; done deletes them in a TransactWriteItems, or one by
# one when a key was pushed again; a quarantine is an UpdateItem.
QUEUE_ACTIONS = {
    "IngestFunction": {"BatchWriteItem"},  # pushes what an event changes
    "WebhookFunction": {"BatchWriteItem"},
    "RenderFunction": {"BatchWriteItem", "TransactWriteItems", "DeleteItem", "UpdateItem", "Query"},
    "ScheduleFunction": {"BatchWriteItem"},  # pushes what comes due, and the news sitemaps
    "RebuildFunction": {"BatchWriteItem"},  # pushes every output
}


@pytest.mark.parametrize(("function", "needed"), sorted(QUEUE_ACTIONS.items()))
def test_every_function_may_write_the_render_queue_as_it_does(function: str, needed: set[str]) -> None:
    statements = _statements(_template()["Resources"][function])
    allowed = {
        action.removeprefix("dynamodb:")
        for s in statements
        if {"Fn::GetAtt": ["IndexTable", "Arn"]}
        in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
        for action in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    }
    assert needed <= allowed, needed - allowed
