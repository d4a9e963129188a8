"""template.yaml: valid for cfn-lint with the SAM transform, and in step with the adapters."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
    assert len(handlers) == 5
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
