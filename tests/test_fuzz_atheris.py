"""The atheris harness (tests/fuzz_atheris.py) in `make test`: a short run finds nothing, and
its checks do look at every output. `make fuzz` runs it at 20,000 inputs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("atheris", reason="atheris ships wheels for Linux x86_64 only")

HARNESS = Path(__file__).resolve().parent / "fuzz_atheris.py"
RUNS = int(os.environ.get("WARTA_ATHERIS_RUNS", "1500"))


def fuzz(tmp_path: Path, runs: int, **env: str) -> subprocess.CompletedProcess[str]:
    arguments = [f"-runs={runs}", "-seed=1", "-max_len=4096", "-len_control=0"]
    return subprocess.run(
        [sys.executable, str(HARNESS), *arguments, f"-artifact_prefix={tmp_path}/"],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **env},
        check=False,
    )


def test_a_coverage_guided_run_finds_no_crash_and_no_unsafe_output(tmp_path: Path) -> None:
    result = fuzz(tmp_path, RUNS)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert f"Done {RUNS} runs" in result.stderr
    assert not list(tmp_path.glob("crash-*"))


@pytest.mark.parametrize("planted", ["amp-boilerplate", "<rss", "news:publication"])
def test_the_checks_see_the_amp_page_the_feed_and_the_news_sitemap(tmp_path: Path, planted: str) -> None:
    """A string planted as forbidden in one output stops the run, with the input saved."""
    result = fuzz(tmp_path, RUNS, WARTA_FUZZ_FORBID=planted)
    assert result.returncode != 0
    assert f"planted string in output: {planted.encode()!r}" in result.stdout + result.stderr
    assert list(tmp_path.glob("crash-*"))
