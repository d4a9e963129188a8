"""Render queued outputs from the index as it is now, and write what changed to the store.

Each output is a function of the index state, the site config and `now`: rendering a key twice,
late, or after a newer change gives the output of the current state. Callers serialise
`render_pending` per store (a file lock locally, FIFO message groups on AWS) so that the last
render of every output reads an index that holds every write before it.
"""

from __future__ import annotations

import errno
import logging
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby
from typing import Literal

from warta.app.outputs.amp import render_amp_output
from warta.app.outputs.amp_cache_key import render_amp_cache_key_output
from warta.app.outputs.changes import Change, Delete, OutputFacts, Put
from warta.app.outputs.feeds import render_feed_output
from warta.app.outputs.indexnow_key import render_indexnow_key_output
from warta.app.outputs.sitemaps import (
    coalesce_shard_keys,
    render_news_sitemap_output,
    render_robots_output,
    render_shard_output,
    render_sitemap_index_output,
)
from warta.app.render_workers import StoreOpener, render_in_workers, wants_workers
from warta.core.config import Deployment, SiteConfig
from warta.core.output_kinds import RENDER_ORDER
from warta.core.output_scopes import site_templates
from warta.core.planner import OutputKey, outputs_of, site_wide_outputs
from warta.core.ports import ArticleIndex, ObjectStore, RenderQueue

# "absent": a delete of a file that was not there; counted apart, so the written / unchanged /
# deleted counters speak only of files that exist.
Outcome = Literal["written", "unchanged", "deleted", "absent"]
log = logging.getLogger("warta.render")

# A quarantined output is tried again after 1 minute, then 2, 4, ... and at least once a day:
# what broke it may be fixed by a later event (a shorter URL, the article taken down) or a fix.
QUARANTINE_FIRST_RETRY = timedelta(minutes=1)
QUARANTINE_LONGEST_WAIT = timedelta(days=1)
# Store failures that come from the output's path itself (input), not from the store being
# down: the file system refuses the name, or another article's file stands where a folder must.
UNWRITABLE_ERRNOS = frozenset(
    {errno.ENAMETOOLONG, errno.EISDIR, errno.ENOTDIR, errno.EEXIST, errno.EILSEQ, errno.EINVAL}
)
INFRASTRUCTURE_MODULES = frozenset({"botocore", "boto3", "s3transfer", "urllib3", "sqlite3"})
UNWRITABLE_S3_CODES = frozenset({"KeyTooLongError", "InvalidObjectName", "InvalidArgument"})

# Bytes of written files with no facts (sitemap index, news sitemap, robots.txt, ...) a report
# keeps for the status report's checks, so it need not read them back; past this (a rebuild's
# many files) the report reads the rest back as before. News sitemaps are under 1,000 URLs.
KEPT_BODY_BYTES = 4 * 1024 * 1024
# Unchanged paths a report keeps for the CDN: past this many a takedown invalidation is a
# wildcard anyway (adapters.cloudfront_cdn.WILDCARD_THRESHOLD), so a rebuild stays bounded.
UNCHANGED_PATHS_KEPT = 1_000
# Pages whose queued versions a rebuild marks done at once, as the workers' answers come in.
DONE_AT_ONCE = 1_000
# Bytes of outputs (feeds, sitemaps) this process renders ahead while render workers write the
# pages, written after them: a rebuild's feeds and sitemaps at 50,000 articles are ~30 MB.
HELD_AHEAD_BYTES = 64 * 1024 * 1024
OutputRenderer = Callable[[OutputKey, SiteConfig, ArticleIndex, datetime], list[Change]]

RENDERERS: dict[str, OutputRenderer] = {
    "amp": render_amp_output,
    "feed": render_feed_output,
    "shard": render_shard_output,
    "sitemap_index": render_sitemap_index_output,
    "news_sitemap": render_news_sitemap_output,
    "robots": render_robots_output,
    "indexnow_key": render_indexnow_key_output,
    "amp_cache_key": render_amp_cache_key_output,
}


class OutputFault(Exception):
    """An output's own failure in a worker process, as its reason (`render_workers`)."""


@dataclass
class RenderReport:
    outcomes: Counter[tuple[str, Outcome]] = field(default_factory=Counter)
    changed_paths: list[str] = field(default_factory=list)  # for the CDN and hubs
    # What changed, by output: WebSub pings changed feeds, IndexNow gets changed article URLs.
    changed_outputs: list[tuple[OutputKey, str, Outcome]] = field(default_factory=list)
    # What the renderers knew of the files they wrote (store path → facts), for the status report.
    facts: dict[str, OutputFacts] = field(default_factory=dict)
    # The bytes of written files without facts other than AMP pages (store path → bytes), as
    # far as KEPT_BODY_BYTES goes: the status report checks them from here, not by a read back.
    bodies: dict[str, bytes] = field(default_factory=dict)
    kept_body_bytes: int = 0
    # An article page rendered as gone, whether or not the object was still there: a render that
    # died after deleting it leaves its re-render nothing to delete, yet the CDN may still serve
    # the page and the feeds the dead render rewrote. Those are among the unchanged paths.
    article_left: bool = False
    unchanged_paths: list[str] = field(default_factory=list)  # at most UNCHANGED_PATHS_KEPT
    # Outputs that could not be rendered or written this run, with why: set aside, retried later.
    quarantined: list[tuple[OutputKey, str]] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(n for (_, o), n in self.outcomes.items() if o == outcome)


def render_key(key: OutputKey, site: SiteConfig, index: ArticleIndex, now: datetime) -> list[Change]:
    """The store changes that bring one output in line with the index."""
    return RENDERERS[key.kind](key, site, index, now)


def remember_templates(site: SiteConfig, index: ArticleIndex) -> None:
    """Note the site's output path templates, so a later sweep finds files of an old config."""
    current = site_templates(site)
    if not current <= index.output_templates(site.id):
        index.remember_output_templates(site.id, current)


def release_due(deployment: Deployment, index: ArticleIndex, queue: RenderQueue, now: datetime) -> int:
    """Queue the outputs of scheduled articles whose time has come."""
    released = 0
    for site in deployment.sites.values():
        due = index.due(site.id, now)
        if not due:
            continue
        keys = set().union(*(outputs_of(article, site, now) for article in due))
        queue.push(keys)
        index.mark_released(site.id, [article.id for article in due])
        released += len(due)
    return released


def render_pending(
    *,
    deployment: Deployment,
    index: ArticleIndex,
    queue: RenderQueue,
    store: ObjectStore,
    now: datetime,
    on_output: Callable[[OutputKey, str, Outcome], None] | None = None,
    on_plan: Callable[[int], None] | None = None,
    write_workers: int = 1,
    render_workers: int = 1,
    open_worker: StoreOpener | None = None,
) -> RenderReport:
    """Render every queued output (and each touched site's site-wide ones) and store them.

    `write_workers` > 1 writes the outputs of each render-order step concurrently (a store whose
    requests wait on the network: S3); the steps stay in order, so a sitemap index is written
    only after the shards it lists. `render_workers` > 1 renders and writes many AMP pages (a
    rebuild's) in that many processes, each with its own index and store from `open_worker`,
    before the steps after them."""
    report = RenderReport()
    release_due(deployment, index, queue, now)
    # Outputs of sites this run has no config for stay queued for a run that has it.
    taken = [(key, version) for key, version in queue.take() if key.site in deployment.sites]
    # Quarantined outputs whose retry time has come are rendered again with the rest.
    retrying = {key for key in queue.due_quarantined(now) if key.site in deployment.sites}
    keys = {key for key, _ in taken} | retrying
    for site_id in {key.site for key in keys}:
        keys |= site_wide_outputs(deployment.sites[site_id])
        remember_templates(deployment.sites[site_id], index)
    keys = coalesce_shard_keys(keys, index, now)
    if on_plan is not None:
        on_plan(len(keys))  # the number of output keys this run renders, for a progress bar
    attempts: dict[OutputKey, int] | None = None
    recovered: list[OutputKey] = []

    def quarantine(key: OutputKey, exc: Exception) -> None:
        nonlocal attempts
        if not _is_output_fault(exc):
            raise exc  # the store or the index is down: the run fails and is retried whole
        if attempts is None:
            attempts = {q.key: q.attempts for q in queue.quarantined()}
        reason = str(exc) if isinstance(exc, OutputFault) else f"{type(exc).__name__}: {exc}"[:500]
        wait = min(QUARANTINE_FIRST_RETRY * 2 ** attempts.get(key, 0), QUARANTINE_LONGEST_WAIT)
        count = queue.quarantine(key, reason, now + wait)
        report.quarantined.append((key, reason))
        log.error(
            "output quarantined",
            extra={
                "kind": key.kind,
                "output": key.name,
                "site": key.site,
                "reason": reason,
                "attempts": count,
            },
        )

    ordered = sorted(keys, key=OutputKey.sort_key)
    pages = [key for key in ordered if key.kind == "amp"]
    ahead: _RenderAhead | None = None
    if open_worker is not None and wants_workers(render_workers, len(pages)):
        ordered = [key for key in ordered if key.kind != "amp"]
        if write_workers <= 1:
            ahead = _RenderAhead(ordered, deployment, index, now)
        # Every site's pages first (each site's still before its feeds), in processes; this one
        # renders the outputs after them meanwhile, and writes them once the pages are written.
        idle = ahead.render_next if ahead is not None else None
        # A page's queued version is done once its answer is in: the queue sheds them while the
        # workers work, not all at the end, and a run that dies later leaves only what it owes.
        page_versions = {key: version for key, version in taken if key.kind == "amp"}
        answered: list[tuple[OutputKey, int]] = []
        for result in render_in_workers(pages, deployment, open_worker, now, render_workers, idle):
            for change, path, outcome in result.applied:
                _record(result.key, change, path, outcome, report, on_output)
            if result.fault is not None:
                quarantine(result.key, OutputFault(result.fault))
            elif result.key in retrying:
                recovered.append(result.key)
            if result.key in page_versions:
                answered.append((result.key, page_versions[result.key]))
                if len(answered) >= DONE_AT_ONCE:
                    queue.done(answered)
                    answered = []
        queue.done(answered)
        taken = [(key, version) for key, version in taken if key not in page_versions]
    if write_workers <= 1:
        for key in ordered:
            site = deployment.sites[key.site]
            try:
                rendered = ahead.take(key) if ahead is not None else None
                _render_one(key, site, index, store, now, report, on_output, rendered)
            except Exception as exc:
                quarantine(key, exc)
            else:
                if key in retrying:
                    recovered.append(key)
    else:
        _render_concurrently(
            ordered,
            deployment,
            index,
            store,
            now,
            report,
            on_output,
            write_workers,
            quarantine,
            retrying,
            recovered,
        )
    if recovered:
        queue.release(recovered)
    queue.done(taken)
    return report


class _RenderAhead:
    """Renders outputs in their order ahead of their writes, while this process waits for the
    render workers' pages: their changes (or why they could not be rendered) are kept until
    their turn, at most `HELD_AHEAD_BYTES` of them."""

    def __init__(self, keys: list[OutputKey], deployment: Deployment, index: ArticleIndex, now: datetime):
        self._keys, self._deployment, self._index, self._now = keys, deployment, index, now
        self._rendered: dict[OutputKey, list[Change] | Exception] = {}
        self._next = 0  # of `keys`
        self._held = 0

    def render_next(self) -> bool:
        """Render the next output, if there is one and room to keep it; whether to be called
        again."""
        if self._next >= len(self._keys) or self._held >= HELD_AHEAD_BYTES:
            return False
        key = self._keys[self._next]
        self._next += 1
        try:
            changes = render_key(key, self._deployment.sites[key.site], self._index, self._now)
        except Exception as exc:  # raised at its turn, where a render in turn would raise it
            self._rendered[key] = exc
        else:
            self._rendered[key] = changes
            self._held += sum(len(change.body) for change in changes if isinstance(change, Put))
        return True

    def take(self, key: OutputKey) -> list[Change] | None:
        """The key's changes if rendered ahead (None if not); raises what its render raised."""
        rendered = self._rendered.pop(key, None)
        if isinstance(rendered, Exception):
            raise rendered
        return rendered


def _render_one(
    key: OutputKey,
    site: SiteConfig,
    index: ArticleIndex,
    store: ObjectStore,
    now: datetime,
    report: RenderReport,
    on_output: Callable[[OutputKey, str, Outcome], None] | None,
    rendered: list[Change] | None = None,
) -> None:
    for change in rendered if rendered is not None else render_key(key, site, index, now):
        path = site.output_prefix + change.path
        _record(key, change, path, _apply(change, path, site, store), report, on_output)


def _record(
    key: OutputKey,
    change: Change,
    path: str,
    outcome: Outcome,
    report: RenderReport,
    on_output: Callable[[OutputKey, str, Outcome], None] | None,
) -> None:
    report.outcomes[(key.kind, outcome)] += 1
    report.article_left |= key.kind == "amp" and isinstance(change, Delete)
    if outcome in ("written", "deleted"):
        report.changed_paths.append(path)
        report.changed_outputs.append((key, path, outcome))
        if isinstance(change, Put) and change.facts is not None:
            report.facts[path] = change.facts
        elif (
            isinstance(change, Put)
            and key.kind != "amp"
            and report.kept_body_bytes + len(change.body) <= KEPT_BODY_BYTES
        ):
            report.bodies[path] = change.body
            report.kept_body_bytes += len(change.body)
    elif len(report.unchanged_paths) < UNCHANGED_PATHS_KEPT:  # absent too: see article_left
        report.unchanged_paths.append(path)
    if on_output is not None:
        on_output(key, path, outcome)


def _render_concurrently(
    ordered: list[OutputKey],
    deployment: Deployment,
    index: ArticleIndex,
    store: ObjectStore,
    now: datetime,
    report: RenderReport,
    on_output: Callable[[OutputKey, str, Outcome], None] | None,
    workers: int,
    quarantine: Callable[[OutputKey, Exception], None],
    retrying: set[OutputKey],
    recovered: list[OutputKey],
) -> None:
    """Render each step's keys here (renderers read the index, which is not shared between
    threads), write their files from a bounded pool, and report in key order."""

    def write(site: SiteConfig, changes: list[Change]) -> list[tuple[Change, str, Outcome]]:
        done = []
        for change in changes:
            path = site.output_prefix + change.path
            done.append((change, path, _apply(change, path, site, store)))
        return done

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="warta-write") as pool:
        for _, step in groupby(ordered, key=lambda k: (k.site, RENDER_ORDER[k.kind])):
            pending: list[tuple[OutputKey, Future[list[tuple[Change, str, Outcome]]]]] = []
            for key in step:
                site = deployment.sites[key.site]
                try:
                    changes = render_key(key, site, index, now)
                except Exception as exc:
                    quarantine(key, exc)
                    continue
                pending.append((key, pool.submit(write, site, changes)))
            failure: Exception | None = None
            for key, future in pending:  # every write of the step ends before the next step
                try:
                    written = future.result()
                except Exception as exc:
                    try:
                        quarantine(key, exc)
                    except Exception as fatal:
                        failure = failure or fatal
                    continue
                for change, path, outcome in written:
                    _record(key, change, path, outcome, report, on_output)
                if key in retrying:
                    recovered.append(key)
            if failure is not None:
                raise failure


def _is_output_fault(exc: Exception) -> bool:
    """Whether the failure belongs to this one output (quarantine it) rather than to the store
    or the index as a whole (fail the run so it is retried)."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return exc.errno in UNWRITABLE_ERRNOS
    response = getattr(exc, "response", None)  # botocore's ClientError, without importing it
    if isinstance(response, dict):
        return response.get("Error", {}).get("Code") in UNWRITABLE_S3_CODES
    # The AWS SDK, HTTP and the index database failing are faults of the infrastructure.
    infrastructure = type(exc).__module__.split(".")[0] in INFRASTRUCTURE_MODULES
    # Otherwise a renderer (pure code) could not render this output from this input.
    return not (infrastructure or isinstance(exc, ConnectionError | TimeoutError | MemoryError))


def _apply(change: Change, path: str, site: SiteConfig, store: ObjectStore) -> Outcome:
    if isinstance(change, Delete):
        return "deleted" if store.delete(path) else "absent"
    return store.put(path, change.body, change.content_type, site.cache_control[change.cache_policy])
