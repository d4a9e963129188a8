"""The status report kept up to date render batch by render batch (the render Lambda's).

Checking every feed and shard of a large archive after each batch would cost thousands of reads
a batch, so each site keeps what the checks found (`SiteState`, a JSON object beside the
report) and a batch re-checks only the files it wrote and forgets the ones it deleted. A site
seen for the first time is scanned a bounded slice per batch (`SCAN_*`) until the scan has
covered its whole tree. The counts and the rejections come from the operator records and the
index at each batch; the page is then rendered again from every site's state.

Render batches of one site never overlap (one FIFO message group per site), so a site's state
has one writer at a time. Batches of two sites may write the page at the same moment; the page
then shows one site as of its previous batch until that site's next batch.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Protocol

from warta.app.outputs.changes import FeedFacts, ShardFacts
from warta.app.render import RenderReport
from warta.core.config import Deployment, SiteConfig
from warta.core.operator_records import ArticleCounts, Run
from warta.core.ports import OperatorLog, QuarantinedOutput
from warta.status import StaleStatus
from warta.status.report import (
    RECENT_REJECTIONS,
    FeedStatus,
    ShardStatus,
    SiteFiles,
    StatusReport,
    check_files,
    quarantine_notes,
    render_status_html,
    site_status,
)
from warta.validate.layout import SiteLayout

STATE_VERSION = 1
SCAN_KEYS_PER_BATCH = 5_000  # keys a first scan lists per batch (AMP pages included)
SCAN_FILES_PER_BATCH = 200  # feeds and sitemaps a first scan reads and checks per batch
REPORT_NAME = "index.html"
REPORT_CONTENT_TYPE = "text/html; charset=utf-8"
STATE_CONTENT_TYPE = "application/json"
# A state's update from the store's remembered copy, then from a fresh read if another
# container wrote it since (`StaleStatus`); a fresh read's write is not refused.
STATE_ATTEMPTS = 2
AWS_FOOTER = (
    "Feeds and sitemaps are checked as each render batch writes them. AMP pages are not checked"
    " here: the render function has no node for the official AMP validator. For them and for the"
    " checks against the article index, run <code>warta validate --bucket</code>."
)


class ListableTree(Protocol):
    """The public tree as the report reads it: files, and keys in order after a given one."""

    def get(self, path: str) -> bytes | None: ...

    def list(self, prefix: str = "") -> Iterator[str]: ...

    # builtins.list: in this class `list` is the method above.
    def list_after(self, prefix: str, after: str, limit: int) -> builtins.list[str]:
        """Up to `limit` keys under `prefix` that sort after `after`, in order."""
        ...


class StatusStore(Protocol):
    """Where the report and the sites' states live: private, never served."""

    def read(self, name: str) -> bytes | None: ...

    def read_to_write(self, name: str) -> bytes | None:
        """`read`, before a write of the same name: the store may answer from the copy it wrote
        last, and that write then raises `StaleStatus` if another writer replaced it since."""
        ...

    def write(self, name: str, body: bytes, content_type: str) -> None: ...

    def location(self, name: str) -> str: ...


@dataclass
class SiteState:
    files: SiteFiles = field(default_factory=SiteFiles)
    scan_after: str = ""  # the last key the first scan has covered
    scan_done: bool = False
    last_render: Run | None = None

    def to_json(self) -> bytes:
        data = {
            "version": STATE_VERSION,
            "feeds": [asdict(f) for f in self.files.feeds.values()],
            "shards": [asdict(s) for s in self.files.shards.values()],
            "fixed": {path: list(errors) for path, errors in self.files.fixed.items()},
            "scan_after": self.scan_after,
            "scan_done": self.scan_done,
            "last_render": asdict(self.last_render) if self.last_render else None,
        }
        return json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")

    @classmethod
    def from_json(cls, body: bytes | None) -> SiteState:
        """The stored state; a fresh one (scanned anew) when there is none or it is unreadable."""
        try:
            data = json.loads(body) if body else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            data = None
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            return cls()
        feeds = [FeedStatus(**{**f, "errors": tuple(f["errors"])}) for f in data["feeds"]]
        shards = [ShardStatus(**{**s, "errors": tuple(s["errors"])}) for s in data["shards"]]
        return cls(
            files=SiteFiles(
                feeds={f.path: f for f in feeds},
                shards={s.path: s for s in shards},
                fixed={path: tuple(errors) for path, errors in data["fixed"].items()},
            ),
            scan_after=data["scan_after"],
            scan_done=data["scan_done"],
            last_render=Run(**data["last_render"]) if data["last_render"] else None,
        )


def _state_name(site_id: str) -> str:
    return f"sites/{site_id}.json"


def _update_state(
    store: StatusStore,
    site: SiteConfig,
    deployment: Deployment,
    tree: ListableTree,
    report: RenderReport,
    now: datetime,
    at: datetime,
) -> SiteState:
    """Read a site's state, bring it up to date with a batch's report and write it back; made
    again from a fresh read if the store's remembered copy turns out replaced (renders of a
    site never overlap, but the next batch may run in another container)."""
    name = _state_name(site.id)
    for attempt in range(STATE_ATTEMPTS):
        state = SiteState.from_json(store.read_to_write(name))  # after StaleStatus: read afresh
        update_site_state(state, site, deployment, tree, report, now, at)
        try:
            store.write(name, state.to_json(), STATE_CONTENT_TYPE)
        except StaleStatus:
            if attempt + 1 == STATE_ATTEMPTS:
                raise
            continue
        return state
    raise AssertionError("unreachable: the last attempt returns or raises")


def _owner(path: str, sites: list[SiteConfig]) -> SiteConfig | None:
    """The site whose output prefix is the longest one the path starts with."""
    owners = [s for s in sites if path.startswith(s.output_prefix)]
    return max(owners, key=lambda s: len(s.output_prefix)) if owners else None


def _scan_slice(state: SiteState, site: SiteConfig, deployment: Deployment, tree: ListableTree) -> list[str]:
    """The next feeds and sitemaps of the first scan; advances the scan past them."""
    sites = list(deployment.sites.values())
    layout = SiteLayout.of(site)
    keys = tree.list_after(site.output_prefix, state.scan_after, SCAN_KEYS_PER_BATCH)
    chosen: list[str] = []
    for key in keys:
        owner = _owner(key, sites)
        if owner is site and layout.classify(key[len(site.output_prefix) :]).kind != "amp":
            if len(chosen) == SCAN_FILES_PER_BATCH:
                return chosen  # the scan goes on after the last key chosen
            chosen.append(key)
        state.scan_after = key
    state.scan_done = len(keys) < SCAN_KEYS_PER_BATCH
    return chosen


class _Written:
    """The tree, with the bytes the batch wrote and kept (`RenderReport.bodies`) read from
    memory: the render had them in hand, so they are not read back."""

    def __init__(self, tree: ListableTree, bodies: Mapping[str, bytes]) -> None:
        self._tree = tree
        self._bodies = bodies

    def get(self, path: str) -> bytes | None:
        body = self._bodies.get(path)
        return body if body is not None else self._tree.get(path)

    def list(self, prefix: str = "") -> Iterator[str]:
        return self._tree.list(prefix)

    def list_after(self, prefix: str, after: str, limit: int) -> builtins.list[str]:
        return self._tree.list_after(prefix, after, limit)


def _forget(files: SiteFiles, path: str) -> None:
    files.feeds.pop(path, None)
    files.shards.pop(path, None)
    files.fixed.pop(path, None)


def update_site_state(
    state: SiteState,
    site: SiteConfig,
    deployment: Deployment,
    tree: ListableTree,
    report: RenderReport,
    now: datetime,
    at: datetime,
) -> None:
    """Bring a site's state up to date after one of its render batches."""
    layout = SiteLayout.of(site)
    changed = {path: outcome for _, path, outcome in report.changed_outputs}
    for path, outcome in changed.items():
        if outcome == "deleted":
            _forget(state.files, path)
    written = [
        path
        for path, outcome in changed.items()
        if outcome == "written"
        and path.startswith(site.output_prefix)
        and layout.classify(path[len(site.output_prefix) :]).kind != "amp"
    ]
    # The renderers' own facts for what they wrote: nothing read back, nothing parsed again
    # (a feed may be a megabyte). The rest (sitemap index, news sitemap, robots.txt, .gz) is
    # small and checked as before, from the bytes the render kept.
    for path in written:
        facts = report.facts.get(path)
        if isinstance(facts, FeedFacts):
            _forget(state.files, path)
            state.files.feeds[path] = FeedStatus(
                path, facts.variant, facts.items, facts.newest_title, facts.newest_date, ()
            )
        elif isinstance(facts, ShardFacts):
            _forget(state.files, path)
            state.files.shards[path] = ShardStatus(path, facts.urls, ())
    to_check = [path for path in written if path not in report.facts]
    if not state.scan_done:
        to_check += [p for p in _scan_slice(state, site, deployment, tree) if p not in changed]
    if to_check:
        found = check_files(deployment, _Written(tree, report.bodies), now, to_check)[site.id]
        for path in to_check:
            _forget(state.files, path)
        state.files.feeds.update(found.feeds)
        state.files.shards.update(found.shards)
        state.files.fixed.update(found.fixed)
    state.last_render = Run(
        at=at.isoformat(timespec="seconds"),
        command="render",
        accepted=0,
        stale=0,
        rejected=0,
        written=report.count("written"),
        unchanged=report.count("unchanged"),
        deleted=report.count("deleted"),
    )


def write_status_after_render(
    *,
    deployment: Deployment,
    tree: ListableTree,
    store: StatusStore,
    rendered: Mapping[str, RenderReport],
    counts: Callable[[SiteConfig], ArticleCounts],
    ops: OperatorLog,
    now: datetime,
    at: datetime,
    out: str,
    quarantined: Sequence[QuarantinedOutput] = (),
) -> str:
    """Update the rendered sites' states, then write the page; returns where it was written.

    `now` is the clock the renders used (scheduling, the news window); `at` the wall clock.
    """
    states: dict[str, SiteState] = {}
    for site_id, report in rendered.items():
        site = deployment.sites.get(site_id)
        if site is None:
            continue
        states[site_id] = _update_state(store, site, deployment, tree, report, now, at)
    notes: list[str] = quarantine_notes(quarantined)
    sites = []
    for site in deployment.sites.values():
        state = states.get(site.id) or SiteState.from_json(store.read(_state_name(site.id)))
        if not state.scan_done:
            reached = state.scan_after or "the start"
            notes.append(
                f"{site.id}: the first scan of the bucket is under way (up to {reached}); feeds and"
                " shards not reached yet are missing from the lists below"
            )
        sites.append(
            site_status(
                site, counts(site), [("render", state.last_render)], state.files, complete=state.scan_done
            )
        )
    page = render_status_html(
        StatusReport(
            generated=at,
            now=now,
            out=out,
            sites=sites,
            rejections=ops.recent_rejections(RECENT_REJECTIONS),
            notes=notes,
            footer=AWS_FOOTER,
        )
    )
    store.write(REPORT_NAME, page, REPORT_CONTENT_TYPE)
    return store.location(REPORT_NAME)
