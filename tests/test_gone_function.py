"""The Gone function (CloudFront's fallback origin for AMP pages, template.yaml): on a moto
server, after the corpus and its takedown went through the AWS entry points, the taken-down
article's AMP path answers 410 and any other path 404, as `warta serve` answers them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote

import pytest
from aws_harness import LambdaContext

from conftest import EXAMPLE_EVENTS
from support.aws_runs import drain, eventbridge, moto_environment, open_aws

NOW = datetime.fromisoformat("2023-09-21T00:00:00+07:00")
TAKEDOWN = json.loads((EXAMPLE_EVENTS / "022-unpublished-016-senandung-kabut.json").read_bytes())
VICTIM = json.loads((EXAMPLE_EVENTS / "016-embed-senandung-kabut-album.json").read_bytes())["article"]
LIVE = json.loads((EXAMPLE_EVENTS / "002-festival-layang-layang.json").read_bytes())["article"]


def _amp(url: str) -> str:
    return f"/amp/{url.split('/', 3)[3]}.html"


def _request(path: str, method: str = "GET") -> dict[str, Any]:
    """A Function URL event as CloudFront's origin request makes it (the path percent-encoded)."""
    return {
        "version": "2.0",
        "rawPath": quote(path),
        "rawQueryString": "",
        "headers": {"host": "gone.lambda-url.example"},
        "requestContext": {"http": {"method": method, "path": quote(path)}, "requestId": "r-1"},
        "isBase64Encoded": False,
    }


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    with moto_environment() as endpoint:
        yield endpoint


def _answer(path: str, method: str = "GET") -> dict[str, Any]:
    from warta.handlers import gone

    gone.forget_gone_list()
    return gone.handler(_request(path, method), LambdaContext())


def test_a_taken_down_page_answers_410_and_others_404(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws = open_aws(moto_endpoint, monkeypatch, NOW)
    for path in sorted(EXAMPLE_EVENTS.glob("*.json")):
        if not path.name.startswith(("022", "023")):
            eventbridge(json.loads(path.read_bytes()))
    drain(aws)
    assert _answer(_amp(VICTIM["url"]))["statusCode"] == 404  # live: not gone (the bucket has it)

    assert eventbridge(TAKEDOWN)["status"] == "accepted"
    drain(aws)
    gone = _answer(_amp(VICTIM["url"]))
    assert gone["statusCode"] == 410
    assert gone["headers"]["cache-control"].startswith("public, max-age=")
    assert "removed" in gone["body"]
    head = _answer(_amp(VICTIM["url"]), "HEAD")
    assert (head["statusCode"], head["body"]) == (410, "")
    for other in (_amp(LIVE["url"]), "/amp/never/was.html", "/amp/", "/"):
        assert _answer(other)["statusCode"] == 404, other
    assert _answer(_amp(VICTIM["url"]), "POST")["statusCode"] == 405

    # Back at the same URL with a newer revision: the page is live again, so no longer gone.
    back = json.loads((EXAMPLE_EVENTS / "016-embed-senandung-kabut-album.json").read_bytes())
    back["event_id"] += "-back"
    back["article"]["revision"] = TAKEDOWN["article"]["revision"] + 1
    assert eventbridge(back)["status"] == "accepted"
    drain(aws)
    assert _answer(_amp(VICTIM["url"]))["statusCode"] == 404
