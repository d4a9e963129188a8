"""Progress on stderr: a redrawn bar with rate and ETA on a terminal, periodic lines elsewhere."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from warta.cli.main import main
from warta.cli.progress import Progress

from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE

NOW = "2023-09-21T00:00:00+07:00"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_bar_on_a_terminal_shows_count_rate_and_eta() -> None:
    stream, clock = Terminal(), Clock()
    progress = Progress("render", 10, stream=stream, clock=clock)
    assert progress.mode == "bar"
    for _ in range(4):
        clock.now += 0.5
        progress.advance()
    progress.close()
    frames = stream.getvalue().split("\r\x1b[K")[1:]
    assert frames[-1].endswith("\n")
    # 4 done in 2 s: 2.0/s, 6 left: 3 s
    assert "render [###########.................] 4/10 40% (2.0/s, ETA 0:00:03)" in frames[-1]
    assert len(frames) == 5  # one redraw per advance (each 0.5 s apart) and the final one


def test_bar_redraws_at_most_every_tenth_of_a_second() -> None:
    stream, clock = Terminal(), Clock()
    progress = Progress("events", 1000, stream=stream, clock=clock)
    for _ in range(1000):
        clock.now += 0.001
        progress.advance()
    assert 9 <= stream.getvalue().count("\r") <= 12


def test_plain_lines_when_not_a_terminal() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = Progress("validate", 300, stream=stream, clock=clock, line_interval=10)
    assert progress.mode == "lines"
    for _ in range(300):
        clock.now += 0.125
        progress.advance()
    progress.close()
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    # 8 per second: a line every 10 s (80 items), then the total
    assert lines[0] == "validate: 80/300 26% (8.0/s, ETA 0:00:28)"
    assert lines[1] == "validate: 160/300 53% (8.0/s, ETA 0:00:18)"
    assert lines[2] == "validate: 240/300 80% (8.0/s, ETA 0:00:08)"
    assert lines[3:] == ["validate: done, 300 in 0:00:38 (8.0/s)"]


def test_a_short_run_off_a_terminal_prints_nothing() -> None:
    stream, clock = io.StringIO(), Clock()
    with Progress("events", 5, stream=stream, clock=clock) as progress:
        for _ in range(5):
            progress.advance()
    assert stream.getvalue() == ""


def test_unknown_total_shows_count_and_rate_without_eta() -> None:
    stream, clock = Terminal(), Clock()
    progress = Progress("events", None, stream=stream, clock=clock)
    clock.now += 2
    progress.advance(4)
    assert stream.getvalue().endswith("events 4 (2.0/s)")


def test_off_writes_nothing() -> None:
    stream = Terminal()
    with Progress("x", 3, stream=stream, mode="off") as progress:
        progress.advance(3)
    assert stream.getvalue() == ""


def test_publish_and_validate_draw_bars_on_stderr(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    base = [
        "--config",
        str(EXAMPLE_SITE),
        "--out",
        str(tmp_path / "public"),
        "--state",
        str(tmp_path / "state"),
    ]
    base += ["--now", NOW]
    assert main(["publish", *base, "--progress", "bar", str(EXAMPLE_EVENTS)]) == 0
    assert main(["rebuild", *base, "--progress", "bar"]) == 0
    assert main(["validate", *base, "--progress", "bar", "--no-amp"]) == 0
    err = capfd.readouterr().err
    assert re.search(r"events \[#+\] 24/24 100% \([\d.]+/s, ETA 0:00:00\)", err)
    assert re.search(r"render \[#+\] (\d+)/\1 100%", err)
    assert re.search(r"validate \[#+\] (\d+)/\1 100%", err)


def test_progress_stays_off_stdout(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    base = [
        "--config",
        str(EXAMPLE_SITE),
        "--out",
        str(tmp_path / "public"),
        "--state",
        str(tmp_path / "state"),
    ]
    assert main(["publish", *base, "--progress", "bar", str(EXAMPLE_EVENTS)]) == 0
    out = capfd.readouterr().out
    assert "\r" not in out and out.startswith("events: 24 accepted")


def test_render_bar_total_counts_what_the_clock_released(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """A publish whose only work is a scheduled article coming due: the bar's total is that work."""
    base = ["--config", str(EXAMPLE_SITE), "--out", str(tmp_path / "public"), "--state", str(tmp_path / "s")]
    first = sorted(EXAMPLE_EVENTS.glob("*.json"))[0]
    assert (
        main(
            ["publish", *base, "--now", "2023-09-15T00:00:00+07:00", "--progress", "off", str(EXAMPLE_EVENTS)]
        )
        == 0
    )
    capfd.readouterr()
    assert (
        main(["publish", *base, "--now", "2023-09-21T00:00:00+07:00", "--progress", "bar", str(first)]) == 0
    )
    err = capfd.readouterr().err
    frames = re.findall(r"render \[[# .-]*\] (\d+)/(\d+) ", err)
    totals = {total for _, total in frames}
    assert len(totals) == 1, frames  # the total never grows mid-run: it was right from the start
    assert frames[-1][0] == frames[-1][1] and int(frames[-1][1]) > 1
