"""Issue 14, class 1: one output that cannot be rendered or written never stops the others.

Rule: `app.render.render_pending` renders each output on its own; a failure that belongs to the
output (a renderer that cannot render it from this input, a path the store refuses) sets it
aside in the queue's quarantine with its reason, and the run goes on. Quarantined outputs are
retried after 1, 2, 4, ... minutes (at least daily) and released once they render. Failures of
the store or the index as a whole still fail the run, so it is retried whole.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aws_harness import AwsHarness
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from test_aws_stack import NOW, aws, moto_endpoint  # noqa: F401  (fixtures)

from warta.app import render
from warta.cli.main import main

from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE
from support.cli_runs import publish_events

BASE = json.loads((EXAMPLE_EVENTS / "002-festival-layang-layang.json").read_text())
BLOCKED_URL = "https://www.andalpost.com/nasional/blok/warga-berlari-pagi"


def new_article(
    number: int, url: str, revision: int = 1, event_type: str = "article.published"
) -> dict[str, Any]:
    data = json.loads(json.dumps(BASE))
    data["event_id"] = f"evt-q-{number}-{revision}-{event_type}"
    data["type"] = event_type
    data["article"].update(id=f"q{number}", url=url, revision=revision, title=f"Berita karantina {number}")
    return data


def publish(tmp: Path, now: str, *events: dict[str, Any]) -> tuple[int, str]:
    return publish_events(tmp, now, events)


def home_feed_links(tmp: Path) -> list[str]:
    return etree.parse(str(tmp / "public" / "feed" / "index.xml")).xpath("//item/link/text()")


def later(minutes: float) -> str:
    return (datetime.fromisoformat(NOW) + timedelta(minutes=minutes)).isoformat()


def test_a_file_where_a_folder_must_be_quarantines_one_page_and_nothing_else(tmp_path: Path) -> None:
    assert (
        publish(tmp_path, NOW, *(json.loads(p.read_text()) for p in sorted(EXAMPLE_EVENTS.glob("*.json"))))[0]
        == 0
    )
    blocker = tmp_path / "public" / "amp" / "nasional" / "blok"
    blocker.write_text("a stray file where a folder must be")

    code, printed = publish(tmp_path, NOW, new_article(1, BLOCKED_URL))
    assert code == 0, printed
    assert re.search(r"quarantined: 1 outputs.*\n  amp .*warga-berlari-pagi.*Error", printed), printed
    assert BLOCKED_URL in home_feed_links(tmp_path)  # the feeds went on

    # Every later publish goes on too; the quarantined page is not retried before its time.
    code, printed = publish(tmp_path, later(0.5), new_article(2, BLOCKED_URL.replace("blok", "ekonomi")))
    assert code == 0 and "quarantined" not in printed, printed
    status = tmp_path / "status.html"
    assert main(["status", "--config", str(EXAMPLE_SITE), "--out", str(tmp_path / "public"),
                 "--state", str(tmp_path / "state"), "--report", str(status)]) == 0  # fmt: skip
    assert "is quarantined after 1 attempt(s)" in status.read_text()

    # Still blocked at the first retry: quarantined again, the wait doubles.
    code, printed = publish(tmp_path, later(1.5), new_article(3, BLOCKED_URL.replace("blok", "olahraga")))
    assert code == 0 and "quarantined: 1" in printed, printed

    # Repaired: the next retry writes the page and releases it.
    blocker.unlink()
    code, printed = publish(tmp_path, later(4), new_article(4, BLOCKED_URL.replace("blok", "hiburan")))
    assert code == 0 and "quarantined" not in printed, printed
    assert (tmp_path / "public" / "amp" / "nasional" / "blok" / "warga-berlari-pagi.html").is_file()
    assert main(["status", "--config", str(EXAMPLE_SITE), "--out", str(tmp_path / "public"),
                 "--state", str(tmp_path / "state"), "--report", str(status)]) == 0  # fmt: skip
    assert "quarantined" not in status.read_text()


def test_a_takedown_of_a_quarantined_article_still_leaves_every_feed(tmp_path: Path) -> None:
    (tmp_path / "public" / "amp" / "nasional").mkdir(parents=True)
    (tmp_path / "public" / "amp" / "nasional" / "blok").write_text("stray")
    assert publish(tmp_path, NOW, new_article(1, BLOCKED_URL))[0] == 0
    assert BLOCKED_URL in home_feed_links(tmp_path)
    code, printed = publish(tmp_path, later(0.2), new_article(1, BLOCKED_URL, 2, "article.unpublished"))
    assert code == 0, printed
    assert BLOCKED_URL not in home_feed_links(tmp_path)
    for path in (tmp_path / "public").rglob("*.xml"):
        assert BLOCKED_URL not in path.read_text(), path


@pytest.mark.parametrize(
    ("attempts", "wait"),
    [
        (0, timedelta(minutes=1)),
        (1, timedelta(minutes=2)),
        (5, timedelta(minutes=32)),
        (11, timedelta(days=1)),
        (40, timedelta(days=1)),
    ],
)
def test_backoff_table(attempts: int, wait: timedelta) -> None:
    assert min(render.QUARANTINE_FIRST_RETRY * 2**attempts, render.QUARANTINE_LONGEST_WAIT) == wait


@pytest.mark.parametrize(
    ("exc", "quarantined"),
    [
        (OSError(36, "File name too long"), True),
        (IsADirectoryError(21, "Is a directory"), True),
        (NotADirectoryError(20, "Not a directory"), True),
        (OSError(28, "No space left on device"), False),
        (PermissionError(13, "Permission denied"), False),
        (ValueError("Text node too long"), True),
        (OverflowError("date value out of range"), True),
        (ConnectionError("reset"), False),
        (TimeoutError(), False),
    ],
)
def test_which_failures_belong_to_the_output(exc: Exception, quarantined: bool) -> None:
    assert render._is_output_fault(exc) is quarantined


def test_store_outages_fail_the_run_to_be_retried_whole() -> None:
    from botocore.exceptions import ClientError, EndpointConnectionError

    assert not render._is_output_fault(EndpointConnectionError(endpoint_url="http://x"))
    throttled = ClientError({"Error": {"Code": "SlowDown"}}, "PutObject")
    too_long = ClientError({"Error": {"Code": "KeyTooLongError"}}, "PutObject")
    assert not render._is_output_fault(throttled)
    assert render._is_output_fault(too_long)


KINDS = ["amp", "feed", "shard", "sitemap_index", "news_sitemap", "robots"]


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(failing=st.sets(st.sampled_from(KINDS), min_size=1, max_size=3))
def test_property_failing_outputs_never_stop_the_others_and_heal(
    failing: set[str], tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp = tmp_path_factory.mktemp("q")
    clean = tmp_path_factory.mktemp("clean")
    events = [json.loads(p.read_text()) for p in sorted(EXAMPLE_EVENTS.glob("*.json"))[:6]]
    assert publish(clean, NOW, *events)[0] == 0

    def broken(kind: str) -> Any:
        def fail(*_: Any) -> Any:
            raise ValueError(f"planted failure in {kind}")

        return fail

    with monkeypatch.context() as patch:
        for kind in failing:
            patch.setitem(render.RENDERERS, kind, broken(kind))
        code, printed = publish(tmp, NOW, *events)
    assert code == 0, printed
    assert "planted failure" in printed
    produced = {p.relative_to(tmp / "public").as_posix() for p in (tmp / "public").rglob("*") if p.is_file()}
    expected = {
        p.relative_to(clean / "public").as_posix() for p in (clean / "public").rglob("*") if p.is_file()
    }
    # What each failing kind may keep out of the tree: its own files, and the files that list
    # them (no shard part rendered: the sitemap index has nothing to name yet).
    kinds_of = {
        "amp": ("amp/",),
        "feed": ("feed/",),
        "shard": ("sitemaps/", "sitemap.xml"),
        "sitemap_index": ("sitemap.xml",),
        "news_sitemap": ("sitemap-news",),
        "robots": ("robots.txt",),
    }
    assert produced, "nothing was written"
    for path in expected - produced:
        assert any(path.startswith(kinds_of[k]) for k in failing), path
    # Fixed (the code, or the input): the retries a day later give the clean tree byte for byte.
    code, printed = publish(tmp, later(24 * 60), *[])
    assert code == 0 and "quarantined" not in printed, printed
    final = {
        p.relative_to(tmp / "public").as_posix(): p.read_bytes()
        for p in (tmp / "public").rglob("*")
        if p.is_file()
    }
    assert set(final) == expected


def test_aws_render_quarantines_and_reports_instead_of_failing_the_batch(
    aws: AwsHarness,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from warta.handlers import runtime

    def fail(key: Any, *_: Any) -> Any:
        raise ValueError(f"planted failure in {key.name}")

    aws.eventbridge(new_article(1, BLOCKED_URL))
    with monkeypatch.context() as patch:
        patch.setitem(render.RENDERERS, "amp", fail)
        assert aws.drain_render_queue() >= 1  # no batch item failed
    tree = aws.bucket_tree()
    assert not any(k.startswith("amp/") for k in tree)
    assert BLOCKED_URL.encode() in tree["feed/index.xml"]
    (held,) = runtime.stack().queue.for_site("andalpost").quarantined()
    assert held.key.kind == "amp" and "planted failure" in held.reason and held.attempts == 1
    report = aws.s3.get_object(Bucket="warta-state", Key="status/index.html")["Body"].read().decode()
    assert "is quarantined after 1 attempt(s)" in report
    # The next render past the retry time writes it and releases it.
    from test_aws_stack import set_clock

    set_clock(monkeypatch, later(2))
    runtime.stack().queue.signal("andalpost")
    aws.drain_render_queue()
    assert any(k.startswith("amp/") for k in aws.bucket_tree())
    assert runtime.stack().queue.for_site("andalpost").quarantined() == []
