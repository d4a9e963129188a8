"""Progress of long runs on stderr: a redrawn bar on a terminal, periodic plain lines elsewhere.

Both show the count, the rate and, when the total is known, the ETA. Plain lines (CI logs,
`2> file`) come every `line_interval` seconds, so a short run prints none.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Literal, TextIO

Mode = Literal["auto", "bar", "lines", "off"]

BAR_WIDTH = 28
BAR_REDRAW_SECONDS = 0.1
LINE_INTERVAL_SECONDS = 10.0
_CLEAR_LINE = "\r\x1b[K"


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


class Progress:
    def __init__(
        self,
        label: str,
        total: int | None = None,
        *,
        mode: Mode = "auto",
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        line_interval: float = LINE_INTERVAL_SECONDS,
    ) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self._stream = stream if stream is not None else sys.stderr
        if mode == "auto":
            isatty = getattr(self._stream, "isatty", None)
            mode = "bar" if isatty is not None and isatty() else "lines"
        self.mode: Mode = mode
        self._clock = clock
        self._line_interval = line_interval
        self._started = clock()
        self._last_draw = self._started
        self._lines = 0
        self._drawn = False

    def set_total(self, total: int | None) -> None:
        self.total = total

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = self._clock()
        if self.mode == "bar" and (now - self._last_draw >= BAR_REDRAW_SECONDS or not self._drawn):
            self._draw_bar(now)
        elif self.mode == "lines" and now - self._last_draw >= self._line_interval:
            self._write_line(now)

    def close(self) -> None:
        now = self._clock()
        if self.mode == "bar" and self._drawn:
            self._draw_bar(now)
            self._stream.write("\n")
        elif self.mode == "lines" and self._lines:
            elapsed = now - self._started
            self._stream.write(
                f"{self.label}: done, {self.done} in {_duration(elapsed)} ({self._rate(now):.1f}/s)\n"
            )
        self._stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _rate(self, now: float) -> float:
        elapsed = now - self._started
        return self.done / elapsed if elapsed > 0 else 0.0

    def _status(self, now: float) -> str:
        rate = self._rate(now)
        if self.total is None:
            return f"{self.done} ({rate:.1f}/s)"
        total = max(self.total, self.done)
        percent = 100 * self.done // total if total else 100
        eta = _duration((total - self.done) / rate) if rate > 0 else "?"
        return f"{self.done}/{total} {percent}% ({rate:.1f}/s, ETA {eta})"

    def _draw_bar(self, now: float) -> None:
        self._last_draw, self._drawn = now, True
        if self.total:
            filled = BAR_WIDTH * min(self.done, self.total) // self.total
            bar = "[" + "#" * filled + "." * (BAR_WIDTH - filled) + "] "
        else:
            bar = ""
        self._stream.write(f"{_CLEAR_LINE}{self.label} {bar}{self._status(now)}")
        self._stream.flush()

    def _write_line(self, now: float) -> None:
        self._last_draw = now
        self._lines += 1
        self._stream.write(f"{self.label}: {self._status(now)}\n")
        self._stream.flush()
