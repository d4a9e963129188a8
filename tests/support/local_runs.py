"""Drive the local default the way `warta publish` does, sequentially or from many processes."""

from __future__ import annotations

import json
import multiprocessing
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from warta.adapters.local_stack import open_local_stack
from warta.app.ingest import EventOutcome, ingest_event
from warta.app.render import render_pending
from warta.core.body import build_body


def publish_batch(
    config: Path, out: Path, state: Path, events: list[dict[str, Any]], now: datetime
) -> list[str]:
    """Ingest a batch, then render under the lock: one `warta publish` call."""
    stack = open_local_stack([config], out, state)
    outcomes: list[EventOutcome] = []
    for number, event in enumerate(events):
        outcomes.append(
            ingest_event(
                json.dumps(event),
                f"batch:{number}",
                deployment=stack.deployment,
                index=stack.index,
                queue=stack.index,
                now=now,
                build_body=build_body,
            )
        )
    with stack.render_lock():
        render_pending(
            deployment=stack.deployment, index=stack.index, queue=stack.index, store=stack.store, now=now
        )
    stack.index.close()
    return [o.status for o in outcomes]


def _worker(args: tuple[Path, Path, Path, list[list[dict[str, Any]]], datetime]) -> list[str]:
    config, out, state, batches, now = args
    statuses: list[str] = []
    for batch in batches:
        statuses += publish_batch(config, out, state, batch, now)
    return statuses


def publish_concurrently(
    config: Path,
    out: Path,
    state: Path,
    events: list[dict[str, Any]],
    now: datetime,
    *,
    workers: int,
    batch_size: int,
) -> list[str]:
    """Deal the log out in batches to `workers` processes that all share one out and state."""
    batches = [events[i : i + batch_size] for i in range(0, len(events), batch_size)]
    shares = [batches[w::workers] for w in range(workers)]
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        results = pool.map(_worker, [(config, out, state, share, now) for share in shares])
    report = os.environ.get("WARTA_STRESS_REPORT")  # tools/stress.py prints these figures
    if report:
        outputs = sum(1 for p in out.rglob("*") if p.is_file())
        figures = {"run": "local", "events": len(events), "workers": workers, "outputs": outputs}
        with open(report, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(figures) + "\n")
    return [status for result in results for status in result]


def ingest_only(config: Path, out: Path, state: Path, events: list[dict[str, Any]], now: datetime) -> None:
    """Index and queue a batch, then stop as a process killed before its render would."""
    stack = open_local_stack([config], out, state)
    for number, event in enumerate(events):
        ingest_event(
            json.dumps(event),
            f"batch:{number}",
            deployment=stack.deployment,
            index=stack.index,
            queue=stack.index,
            now=now,
            build_body=build_body,
        )
    stack.index.close()
