"""Structured logs: one JSON line per event and per output, with ids, revision, outcome, duration."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from warta.cli.main import main

from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE

NOW = "2023-09-21T00:00:00+07:00"
TAKEDOWN = EXAMPLE_EVENTS / "022-unpublished-016-senandung-kabut.json"
TAKEN_DOWN_AMP = "amp/hiburan/senandung-kabut-rilis-album-kedua-gema-lembah.html"


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every stderr line that is a JSON object (progress lines are not)."""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def publish(tmp: Path, *events: Path, level: str = "INFO") -> int:
    args = ["publish", "--config", str(EXAMPLE_SITE), "--out", str(tmp / "public")]
    args += ["--state", str(tmp / "state"), "--now", NOW, "--log-level", level, "--progress", "off"]
    return main(args + [str(e) for e in events])


def test_one_line_per_event_with_ids_revision_outcome_and_duration(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    assert publish(tmp_path, EXAMPLE_EVENTS) == 0
    lines = json_lines(capfd.readouterr().err)
    events = [line for line in lines if line["message"].startswith("event ")]
    assert len(events) == 24
    sources = {Path(e["source"]).name: e for e in events}
    update = sources["020-updated-001-korut-75-r2.json"]
    assert (update["article_id"], update["revision"], update["outcome"]) == ("48205", 2, "accepted")
    assert update["event_id"] and update["service"] == "warta" and update["level"] == "INFO"
    assert all(isinstance(e["duration_ms"], float) and e["duration_ms"] >= 0 for e in events)


def test_one_line_per_output_written(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert publish(tmp_path, EXAMPLE_EVENTS) == 0
    outputs = [line for line in json_lines(capfd.readouterr().err) if line["message"].startswith("output ")]
    files = {
        p.relative_to(tmp_path / "public").as_posix() for p in (tmp_path / "public").rglob("*") if p.is_file()
    }
    assert files <= {o["path"] for o in outputs}
    # the other lines are removals of what is not there, such as the taken-down article's page:
    # "absent", never counted as a file that exists (issue 15, point 6)
    removals = {o["path"]: o["outcome"] for o in outputs if o["path"] not in files}
    assert removals[TAKEN_DOWN_AMP] == "absent"
    assert set(removals.values()) == {"absent"}
    assert {o["kind"] for o in outputs} >= {"amp", "feed", "shard", "sitemap_index", "news_sitemap", "robots"}
    assert all(
        o["outcome"] in ("written", "unchanged", "deleted", "absent") and o["duration_ms"] >= 0
        for o in outputs
    )
    amp = next(
        o
        for o in outputs
        if o["kind"] == "amp"
        and o["output"].endswith("/transportasi-umum-yang-baik-bukan-hanya-soal-tarif-murah")
    )
    assert (amp["article_id"], amp["revision"], amp["outcome"]) == ("48180", 1, "written")
    assert amp["event_id"]  # the event of this run that brought the article


def test_a_takedown_logs_the_deleted_page_with_its_article(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    before = sorted(p for p in EXAMPLE_EVENTS.glob("*.json") if p != TAKEDOWN)
    assert publish(tmp_path, *before, level="WARNING") == 0
    capfd.readouterr()
    assert publish(tmp_path, TAKEDOWN) == 0
    lines = json_lines(capfd.readouterr().err)
    (event,) = [line for line in lines if line["message"].startswith("event ")]
    assert (event["article_id"], event["revision"], event["outcome"]) == ("48158", 3, "accepted")
    (deleted,) = [line for line in lines if line.get("path") == TAKEN_DOWN_AMP]
    assert deleted["outcome"] == "deleted"
    assert (deleted["article_id"], deleted["revision"], deleted["event_id"]) == (
        "48158",
        3,
        event["event_id"],
    )


def test_rejections_are_warnings_with_the_reason(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    assert publish(tmp_path, bad, level="WARNING") == 2
    (line,) = [line for line in json_lines(capfd.readouterr().err) if line["message"].startswith("event ")]
    assert line["level"] == "WARNING" and line["outcome"] == "rejected" and "JSON" in line["reason"]


def test_warning_level_writes_no_info_lines(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert publish(tmp_path, EXAMPLE_EVENTS, level="WARNING") == 0
    assert all(line["level"] != "INFO" for line in json_lines(capfd.readouterr().err))
