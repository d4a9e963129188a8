"""Per-stage wall and CPU time of a publish, by wrapping the functions each stage calls.

The pipeline is not changed for the bench: `instrument()` swaps module attributes and the
renderer table for timed wrappers, and `StageClock` adds up what each stage took in the current
event. Stages do not nest (ingest's calls come one after another; a renderer returns its changes
before the store writes them), so the stage sums never count a moment twice.

Stages:
  parse           JSON decode, contract schema and site rules, body HTML → body model
  index           the article write and the render queue (push, take, done, release check)
  plan            which outputs the change touches
  render:<kind>   one output kind, including the index reads it makes
  store           writes and deletes in the object store
  other           the rest (loop overhead, report bookkeeping)
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any


class StageClock:
    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)

    def reset(self) -> None:
        self.wall.clear()
        self.cpu.clear()

    def wrap(self, stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.wall[stage] += time.perf_counter() - wall
                self.cpu[stage] += time.thread_time() - cpu

        timed.__wrapped__ = function  # type: ignore[attr-defined]
        return timed


def instrument(clock: StageClock, index: Any, queue: Any, store: Any) -> None:
    """Time the stages of `ingest_event` and `render_pending` with these adapters."""
    from warta.app import ingest, render

    for name in ("parse_event", "site_of", "state_from_event"):
        setattr(ingest, name, clock.wrap("parse", getattr(ingest, name)))
    for name in ("plan", "outputs_of"):
        setattr(ingest, name, clock.wrap("plan", getattr(ingest, name)))
    render.release_due = clock.wrap("index", render.release_due)
    for kind, renderer in list(render.RENDERERS.items()):
        render.RENDERERS[kind] = clock.wrap(f"render:{kind}", renderer)
    index.write = clock.wrap("index", index.write)
    for name in ("push", "take", "done"):
        setattr(queue, name, clock.wrap("index", getattr(queue, name)))
    store.put = clock.wrap("store", store.put)
    store.delete = clock.wrap("store", store.delete)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summarise(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Median and p95 of the per-event totals, and the median of each stage (milliseconds)."""
    walls = [e["wall_ms"] for e in events]
    cpus = [e["cpu_ms"] for e in events]
    # The directory store's CPU varies from run to run with the kernel's writeback (the same
    # writes take 5 to 15 ms), so the per-event CPU without it is reported beside the total.
    without_store = [e["cpu_ms"] - e["stages_cpu_ms"].get("store", 0.0) for e in events]
    stages = sorted({s for e in events for s in e["stages_wall_ms"]})
    return {
        "events": len(events),
        "wall_ms": {"median": statistics.median(walls), "p95": percentile(walls, 0.95)},
        "cpu_ms": {"median": statistics.median(cpus), "p95": percentile(cpus, 0.95)},
        "cpu_ms_without_store": {
            "median": statistics.median(without_store),
            "p95": percentile(without_store, 0.95),
        },
        "stages_wall_ms": {
            s: statistics.median(e["stages_wall_ms"].get(s, 0.0) for e in events) for s in stages
        },
        "stages_cpu_ms": {
            s: statistics.median(e["stages_cpu_ms"].get(s, 0.0) for e in events) for s in stages
        },
    }
