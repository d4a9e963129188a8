"""The command line a person meets (issue 15 point 6): version, one-line errors, exit codes."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from lxml import etree

from warta.cli.main import EXIT_REJECTED, main

from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE


def test_version_prints_the_installed_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "warta.cli.main", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"warta {version('warta')}"


@pytest.mark.parametrize("missing_at", [0, 1, 2])
def test_a_missing_event_file_is_one_line_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], missing_at: int
) -> None:
    events = [str(p) for p in sorted(EXAMPLE_EVENTS.glob("*.json"))[:2]]
    missing = str(tmp_path / "no-such-event.json")
    events.insert(missing_at, missing)
    out, state = tmp_path / "public", tmp_path / "state"
    argv = ["publish", "--config", str(EXAMPLE_SITE), "--out", str(out), "--state", str(state), *events]
    assert main(argv) == EXIT_REJECTED
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [f"warta: event file {missing}: no such file or directory"]
    assert "Traceback" not in captured.err
    assert not out.exists() and not state.exists()


def test_a_missing_event_file_by_subprocess_has_no_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "warta.cli.main", "publish", "--config", str(EXAMPLE_SITE),
         "--out", str(tmp_path / "o"), "--state", str(tmp_path / "s"), "gone.json"],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == EXIT_REJECTED
    assert done.stderr == "warta: event file gone.json: no such file or directory\n"


def test_make_demo_clock_gives_a_non_empty_news_sitemap(tmp_path: Path) -> None:
    makefile = (EXAMPLE_SITE.parents[2] / "Makefile").read_text()
    (demo_now,) = re.findall(r"^DEMO_NOW := (\S+)$", makefile, flags=re.MULTILINE)
    assert "--now $(DEMO_NOW)" in makefile
    out = tmp_path / "public"
    argv = ["publish", "--config", str(EXAMPLE_SITE), "--out", str(out), "--state", str(tmp_path / "s")]
    assert main([*argv, "--now", demo_now, "--progress", "off", "--no-ping", str(EXAMPLE_EVENTS)]) == 0
    news = etree.parse(str(out / "sitemap-news.xml"))
    locs = news.xpath(
        "//sm:url/sm:loc/text()", namespaces={"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    )
    assert len(locs) >= 1


def test_counters_speak_only_of_files_that_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A first publish (the takedown deletes a page never written) counts no unchanged, no deleted."""
    out = tmp_path / "public"
    argv = ["publish", "--config", str(EXAMPLE_SITE), "--out", str(out), "--state", str(tmp_path / "s")]
    argv += ["--now", "2023-09-21T00:00:00+07:00", "--progress", "off", "--no-ping", str(EXAMPLE_EVENTS)]
    capsys.readouterr()
    assert main(argv) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("outputs: "))
    files = sum(1 for p in out.rglob("*") if p.is_file())
    assert line == f"outputs: {files} written, 0 unchanged, 0 deleted"
