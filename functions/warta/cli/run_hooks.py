"""What `warta publish` and `warta rebuild` report while they run: logs, progress, records.

One JSON log line per event (with its duration) and per output written, a progress display
on stderr, and the operator records the status page reads (rejections, takedown URLs, runs).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warta.adapters.sqlite_ops import OpsLog
from warta.app.ingest import EventOutcome
from warta.app.render import Outcome, RenderReport
from warta.app.takedown_records import TakedownRecordingIndex
from warta.cli.progress import Mode, Progress
from warta.core.articles import ArticleState
from warta.core.planner import OutputKey
from warta.core.ports import ArticleIndex
from warta.observability import log_event, log_output, logs_enabled


def progress_mode(requested: Mode, log_level: int) -> Mode:
    """`auto` draws no bar while INFO logs run: the log lines are the progress then."""
    if requested == "auto" and logs_enabled(log_level):
        return "lines"
    return requested


class RunObserver:
    def __init__(self, command: str, index: ArticleIndex, state: Path, mode: Mode, now: datetime) -> None:
        from warta.adapters.local_stack import INDEX_FILE

        self.command = command
        self.ops = OpsLog(state / INDEX_FILE)
        # Ingest records this run's takedowns through it; their log lines name the article.
        self.index = TakedownRecordingIndex(index, self.ops)
        self._mode = mode
        self._now = now
        self._progress: Progress | None = None
        self._last_output = time.perf_counter()
        self._last_key: OutputKey | None = None
        self._events: dict[str, EventOutcome] = {}  # article id → its accepted event in this run

    def start_render(self, total: int) -> None:
        """Progress in output keys, as many as `render_pending` plans (its `on_plan`)."""
        self.start("render", total)

    def start(self, label: str, total: int | None) -> None:
        self.stop()
        self._progress = Progress(label, total, mode=self._mode)
        self._last_output = time.perf_counter()

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.close()
            self._progress = None

    def event(self, outcome: EventOutcome, started: float) -> None:
        """After one event was ingested; `started` is its `time.perf_counter()` start."""
        log_event(outcome, duration_ms=(time.perf_counter() - started) * 1000)
        if outcome.status == "accepted":
            self._events[outcome.article_id] = outcome
        if self._progress is not None:
            self._progress.advance()

    def output(self, key: OutputKey, path: str, outcome: Outcome) -> None:
        """`render_pending`'s on_output: the time since the previous output is this one's."""
        now = time.perf_counter()
        duration_ms, self._last_output = (now - self._last_output) * 1000, now
        if logs_enabled():
            log_output(key, path, outcome, duration_ms, **self._article_fields(key, outcome))
        if self._progress is not None and key != self._last_key:
            self._progress.advance()  # one output key may write several files (feed formats)
        self._last_key = key

    def _article_fields(self, key: OutputKey, outcome: Outcome) -> dict[str, Any]:
        """Article id, revision and event id of an AMP page: the one output of one article."""
        if key.kind != "amp":
            return {}
        state: ArticleState | None = None
        if outcome == "deleted":
            state = self.index.taken_down.get(key.name)
        else:
            state = self.index.live_by_url(key.site, key.name, self._now)
        if state is None:
            return {}
        event = self._events.get(state.id)
        return {
            "article_id": state.id,
            "revision": state.revision,
            "event_id": event.event_id if event and event.revision == state.revision else "",
        }

    def finish(self, outcomes: Sequence[EventOutcome], report: RenderReport) -> None:
        self.stop()
        counts = {s: sum(1 for o in outcomes if o.status == s) for s in ("accepted", "stale", "rejected")}
        counts |= {o: report.count(o) for o in ("written", "unchanged", "deleted")}
        self.ops.record_run(datetime.now(UTC), self.command, counts)
        self.ops.close()
