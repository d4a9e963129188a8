"""The status page: `warta status` writes it, `warta serve` shows it at /_status, and a real
browser (headless Chromium) renders the counts an on-call engineer reads."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from lxml import html

from warta.cli.main import main
from warta.cli.serve import make_server
from warta.cli.status import status_page

from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE

BEFORE_SCHEDULE = "2023-09-15T00:00:00+07:00"  # 023 is scheduled, not yet live
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _bad_event(tmp: Path) -> Path:
    bad = tmp / "bad" / "999-off-domain.json"
    bad.parent.mkdir()
    bad.write_text('{"event_id": "evt-rusak-999", "not": "an event"}')
    return bad.parent


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("status")
    args = ["--config", str(EXAMPLE_SITE), "--out", str(tmp / "public"), "--state", str(tmp / "state")]
    code = main(
        [
            "publish",
            *args,
            "--now",
            BEFORE_SCHEDULE,
            "--progress",
            "off",
            str(EXAMPLE_EVENTS),
            str(_bad_event(tmp)),
        ]
    )
    assert code == 2  # the bad event is rejected, the corpus published
    return tmp


def counts(doc: html.HtmlElement) -> dict[str, int]:
    return {b.get("data-count"): int(b.text_content()) for b in doc.xpath("//*[@data-count]")}


def test_status_writes_a_self_contained_report(published: Path, tmp_path: Path) -> None:
    report = tmp_path / "ops" / "status.html"
    args = ["status", "--config", str(EXAMPLE_SITE), "--out", str(published / "public")]
    args += ["--state", str(published / "state"), "--now", BEFORE_SCHEDULE, "--report", str(report)]
    assert main(args) == 0
    doc = html.fromstring(report.read_bytes())
    found = counts(doc)
    assert (found["live"], found["scheduled"], found["taken-down"], found["shards"]) == (19, 1, 1, 1)
    # self-contained: nothing loaded from anywhere
    assert not doc.xpath("//script | //link[@rel='stylesheet'] | //img")
    home = doc.xpath("//tr[@data-feed='feed/index.xml']")[0]
    assert home.xpath("string(.//*[@data-items])") == "19"
    assert home.xpath(".//*[@data-valid]/@data-valid") == ["true"]
    shard = doc.xpath("//tr[@data-shard='sitemaps/2023-09.xml']")[0]
    assert shard.xpath("string(.//*[@data-urls])") == "19"
    rejected = doc.xpath("//tr[@data-rejection]")
    assert len(rejected) == 1 and "999-off-domain.json" in rejected[0].text_content()
    # The id the CMS gave it, though the event broke the contract: on-call finds it by that.
    assert rejected[0].xpath("string(.//*[@data-event-id])") == "evt-rusak-999"
    assert "never" not in doc.xpath("string(//*[@data-last='publish'])")


def test_status_refuses_a_report_inside_the_public_tree(published: Path) -> None:
    args = ["status", "--config", str(EXAMPLE_SITE), "--out", str(published / "public")]
    args += ["--state", str(published / "state"), "--report", str(published / "public" / "status.html")]
    assert main(args) == 1
    assert not (published / "public" / "status.html").exists()


def test_status_without_report_prints_a_summary(
    published: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["status", "--config", str(EXAMPLE_SITE), "--out", str(published / "public")]
    args += ["--state", str(published / "state"), "--now", BEFORE_SCHEDULE]
    capsys.readouterr()
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "  articles: 19 live, 1 scheduled, 1 taken down" in lines
    assert any(line.startswith("  last publish: ") and " rejected; " in line for line in lines)
    (outputs,) = [line for line in lines if line.startswith("  outputs: ")]
    failures = int(outputs.rsplit(", ", 1)[1].split()[0])
    assert sum(1 for line in lines if line.startswith("    ")) == failures  # each one listed
    assert "rejected events recorded: 1" in lines
    assert not list(tmp_path.iterdir())  # nothing written


def test_status_summary_lists_each_failure(
    published: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(published / "public", tmp_path / "public")
    feed = tmp_path / "public" / "feed" / "opini.xml"
    feed.write_bytes(feed.read_bytes()[:-120])
    args = ["status", "--config", str(EXAMPLE_SITE), "--out", str(tmp_path / "public")]
    assert main([*args, "--state", str(published / "state"), "--now", BEFORE_SCHEDULE]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("    feed/opini.xml: ") for line in lines)
    assert not any(line.endswith(" 0 validation failures") for line in lines)


def test_a_broken_feed_shows_as_invalid_with_its_reason(published: Path, tmp_path: Path) -> None:
    shutil.copytree(published / "public", tmp_path / "public")
    feed = tmp_path / "public" / "feed" / "opini.xml"
    feed.write_bytes(feed.read_bytes()[:-120])
    page = status_page(
        [EXAMPLE_SITE], tmp_path / "public", published / "state", datetime.fromisoformat(BEFORE_SCHEDULE)
    )
    row = html.fromstring(page).xpath("//tr[@data-feed='feed/opini.xml']")[0]
    assert row.xpath(".//*[@data-valid]/@data-valid") == ["false"]
    assert "not well-formed" in row.text_content()


@pytest.fixture
def served(published: Path) -> Iterator[str]:
    now = datetime.fromisoformat(BEFORE_SCHEDULE)
    httpd = make_server(
        published / "public",
        published / "state" / "objects",
        0,
        lambda: status_page([EXAMPLE_SITE], published / "public", published / "state", now),
    )
    host, port = httpd.server_address[:2]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def test_serve_answers_status_from_the_state_not_the_tree(served: str, published: Path) -> None:
    import urllib.request

    with urllib.request.urlopen(f"{served}/_status", timeout=30) as response:
        assert response.headers["Cache-Control"] == "no-store"
        body = response.read()
    assert b"articles live" in body
    assert not (published / "public" / "_status").exists()


def test_chromium_renders_the_status_page(served: str, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium (make chromium) to run this test")
    result = subprocess.run(
        [
            str(CHROMIUM),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            f"{served}/_status",
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
    doc = html.fromstring(result.stdout)
    assert counts(doc) == {
        "live": 19,
        "scheduled": 1,
        "taken-down": 1,
        "feeds": len(doc.xpath("//tr[@data-feed]")),
        "shards": 1,
    }
    assert doc.xpath("string(//tr[@data-feed='feed/index.xml']//*[@data-items])") == "19"
    assert len(doc.xpath("//tr[@data-rejection]")) == 1
