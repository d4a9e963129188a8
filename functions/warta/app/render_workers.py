"""Render many AMP pages in worker processes: the bulk of a rebuild, spread over the cores.

The parent plans (which keys, in which order) and keeps the report, the queue and the log; each
worker opens its own index connection and store (`StoreOpener`, called in the worker), renders
a run of consecutive keys and writes their files, and sends back what it did: each change
without its body, or why an output could not be rendered. The parent records the answers in key
order, as a serial render would, and only then goes on to the next render step (the feeds that
link the pages), so the render order's promises hold.

Workers are not forked from the caller (a fork would copy its open connections and locks) but
from a fork server, a fresh Python that imports warta once (~0.3-0.6 s of CPU) before any
connection exists; `start_fork_server` starts it early, so those imports run while the caller
plans. Where there is no fork server (Windows) each worker is spawned and imports warta itself.
Either way a worker imports the calling script as `__mp_main__`, so a script that renders with
workers keeps its work under `if __name__ == "__main__":`.
"""

from __future__ import annotations

import dataclasses
import gc
import multiprocessing
import multiprocessing.context
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from warta.app.outputs.changes import Change, Put
from warta.core.articles import Article
from warta.core.config import Deployment
from warta.core.planner import OutputKey
from warta.core.ports import ArticleIndex, ForwardingIndex, ObjectStore

if TYPE_CHECKING:
    from warta.app.render import Outcome  # the render step imports this module

# Keys a worker renders per task: enough that a task's round trip (pickling the keys and the
# answers, ~0.1 ms) is small beside its pages (~0.5 ms each), few enough to balance the cores.
KEYS_PER_TASK = 200
# Rendered bodies a worker holds before writing them: a task's pages (~10 KB each) at once,
# megabyte articles a few at a time.
HELD_BYTES = 16 * 1024 * 1024
# Pages whose articles a worker reads with one query (`ArticleIndex.live_by_urls`) before it
# renders them: a lone lookup between renders and file writes costs several times one in a run.
# Few enough that a run of the largest articles (2 MB bodies, the contract's limit) stays small.
PAGES_PER_READ = 20
# Tasks handed out ahead of the answers read: the cores stay busy, answers waiting stay few.
TASKS_AHEAD_PER_WORKER = 4
# Fewer AMP pages than this render in the parent: starting a worker process costs a Python
# start-up and warta's imports (~0.3 s), about as much as rendering a thousand pages.
MIN_KEYS_FOR_WORKERS = 2_000

# An index connection and a store, opened in the process that calls it; picklable.
StoreOpener = Callable[[], tuple[ArticleIndex, ObjectStore]]


@dataclass(frozen=True, slots=True)
class KeyResult:
    """What a worker did for one key: the changes it applied, bodies dropped, and their
    outcomes, in order; and, if the output failed part way, why (an output's own fault)."""

    key: OutputKey
    applied: list[tuple[Change, str, Outcome]]
    fault: str | None = None


@dataclass(slots=True)
class _Worker:
    deployment: Deployment
    index: ArticleIndex
    store: ObjectStore
    now: datetime


_worker: _Worker | None = None


def worker_count() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def wants_workers(workers: int, pages: int) -> bool:
    """Whether `pages` AMP pages are worth `workers` processes."""
    return workers > 1 and pages >= MIN_KEYS_FOR_WORKERS


# What the fork server imports before it forks a worker: the render step and every renderer.
FORK_SERVER_PRELOAD = ["warta.app.render"]


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(FORK_SERVER_PRELOAD)
    return context


def start_fork_server() -> None:
    """Start the process render workers are forked from, if not yet running, and return while
    it imports warta: a caller that will render with workers calls this before it plans."""
    if _context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def _start(opener: StoreOpener, deployment: Deployment, now: datetime) -> None:
    global _worker
    # The imported modules' objects live as long as the worker: the collector need not walk
    # them again on each of the many collections a rebuild's allocations set off.
    gc.freeze()
    index, store = opener()
    _worker = _Worker(deployment, index, store, now)


class _ReadAhead(ForwardingIndex):
    """The index, answering `live_by_url` for a run of pages from one `live_by_urls` read."""

    def __init__(self, index: ArticleIndex, now: datetime) -> None:
        super().__init__(index)
        self._now = now
        self._asked: set[tuple[str, str]] = set()
        self._found: dict[tuple[str, str], Article] = {}

    def read(self, keys: list[OutputKey]) -> None:
        """Read the articles of these keys' pages (forgetting the last run's)."""
        self._asked.clear()
        self._found.clear()
        from warta.app.render import _is_output_fault

        for site in {key.site for key in keys}:
            urls = [key.name for key in keys if key.site == site and key.kind == "amp"]
            try:
                found = self._index.live_by_urls(site, urls, self._now)
            except Exception as exc:
                if not _is_output_fault(exc):
                    raise  # the index is down: the run fails, as a serial one would
                continue  # an article that cannot be read: each page reads its own, and fails alone
            self._asked.update((site, url) for url in urls)
            self._found.update(((site, url), article) for url, article in found.items())

    def live_by_url(self, site: str, url: str, now: datetime) -> Article | None:
        if now == self._now and (site, url) in self._asked:
            return self._found.get((site, url))
        return self._index.live_by_url(site, url, now)


def _render_keys(keys: list[OutputKey]) -> list[KeyResult]:
    """Render a run of keys, then write their files: in runs, not page and file in turn (in
    turn, a page cost ~130 us more CPU: the kernel's file creation and the renderer evict
    each other's caches), holding at most `HELD_BYTES` of rendered bodies at a time."""
    from warta.app.render import _is_output_fault, render_key

    assert _worker is not None, "the pool's initializer opens the index and the store"
    w = _worker
    results: list[KeyResult] = []
    rendered: list[tuple[OutputKey, list[Change] | str]] = []  # a key's changes, or its fault
    held = 0
    index = _ReadAhead(w.index, w.now)
    for number, key in enumerate(keys):
        if number % PAGES_PER_READ == 0:
            index.read(keys[number : number + PAGES_PER_READ])
        try:
            changes = render_key(key, w.deployment.sites[key.site], index, w.now)
        except Exception as exc:
            if not _is_output_fault(exc):
                raise  # the index is down: the run fails, as a serial one would
            rendered.append((key, _fault(exc)))
            continue
        rendered.append((key, changes))
        held += sum(len(change.body) for change in changes if isinstance(change, Put))
        if held >= HELD_BYTES:
            results += _write(rendered, w)
            rendered, held = [], 0
    return results + _write(rendered, w)


def _fault(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def _write(rendered: list[tuple[OutputKey, list[Change] | str]], w: _Worker) -> list[KeyResult]:
    """Apply each key's changes in order; an output's own fault stops only its changes."""
    from warta.app.render import _apply, _is_output_fault

    results = []
    for key, changes in rendered:
        if isinstance(changes, str):
            results.append(KeyResult(key, [], changes))
            continue
        site = w.deployment.sites[key.site]
        applied: list[tuple[Change, str, Outcome]] = []
        try:
            for change in changes:
                path = site.output_prefix + change.path
                outcome = _apply(change, path, site, w.store)
                if isinstance(change, Put):
                    change = dataclasses.replace(change, body=b"")  # the parent needs no body
                applied.append((change, path, outcome))
        except Exception as exc:
            if not _is_output_fault(exc):
                raise  # the store is down: the run fails, as a serial one would
            results.append(KeyResult(key, applied, _fault(exc)))
            continue
        results.append(KeyResult(key, applied))
    return results


def render_in_workers(
    keys: list[OutputKey],
    deployment: Deployment,
    opener: StoreOpener,
    now: datetime,
    workers: int,
    idle: Callable[[], bool] | None = None,
) -> Iterator[KeyResult]:
    """Render and write `keys` in `workers` processes; the results in the order of `keys`,
    each task's as soon as it and every task before it are done. While the next task is not
    done, `idle` is called (if given) until it answers False: this process's own work."""
    context = _context()  # no fork of this process, which holds connections
    chunks = [keys[i : i + KEYS_PER_TASK] for i in range(0, len(keys), KEYS_PER_TASK)]
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start, initargs=(opener, deployment, now)
    ) as pool:
        ahead: deque[Future[list[KeyResult]]] = deque()

        def oldest() -> list[KeyResult]:
            nonlocal idle
            while idle is not None and not ahead[0].done():
                if not idle():
                    idle = None
            return ahead.popleft().result()

        try:
            for chunk in chunks:
                ahead.append(pool.submit(_render_keys, chunk))
                if len(ahead) >= workers * TASKS_AHEAD_PER_WORKER:
                    yield from oldest()
            while ahead:
                yield from oldest()
        finally:
            for future in ahead:
                future.cancel()
