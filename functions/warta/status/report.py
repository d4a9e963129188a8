"""The status report: one self-contained HTML page of what is published and whether it is valid.

Per site: articles live / scheduled / taken down, the last runs, each feed with its item count,
newest item and validation result, each sitemap shard with its URL count; and the recent
rejected events with their reasons. `warta status` and `warta serve` gather it from a directory
and the SQLite state (`collect_status`); the render Lambda keeps it up to date batch by batch
(`status/batches.py`). Both render it with `render_status_html`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from importlib.resources import files
from string import Template
from typing import Protocol

from warta.core.config import Deployment, SiteConfig
from warta.core.operator_records import ArticleCounts, Rejection, Run
from warta.core.ports import QuarantinedOutput
from warta.validate.layout import SiteLayout
from warta.validate.report import ValidationReport
from warta.validate.site_tree import SiteTree

RECENT_REJECTIONS = 20
# Feeds and sitemaps are checked where the report is made; these need the whole tree or node.
DEFAULT_FOOTER = (
    "Feeds and sitemaps are checked on every load. For AMP pages and the checks against the"
    " article index, run <code>warta validate</code>."
)


@dataclass(frozen=True, slots=True)
class FeedStatus:
    path: str
    variant: str  # "rss", "atom", "json", or "rss · google-news" for a profile's copy
    items: int
    newest_title: str
    newest_date: str
    errors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ShardStatus:
    path: str
    urls: int
    errors: tuple[str, ...]


@dataclass
class SiteFiles:
    """What the checks found in one site's feeds and sitemaps, by store path."""

    feeds: dict[str, FeedStatus] = field(default_factory=dict)
    shards: dict[str, ShardStatus] = field(default_factory=dict)
    # The sitemap index, news sitemap and robots.txt that exist, with their failures.
    fixed: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass
class SiteStatus:
    site: SiteConfig
    counts: ArticleCounts
    # ("publish", run), ("rebuild", run) locally; ("render", last batch) on AWS
    runs: list[tuple[str, Run | None]]
    feeds: list[FeedStatus] = field(default_factory=list)
    shards: list[ShardStatus] = field(default_factory=list)
    other_errors: list[tuple[str, str]] = field(default_factory=list)  # sitemap index, news, robots


@dataclass
class StatusReport:
    generated: datetime
    now: datetime
    out: str  # where the outputs are: a directory, s3://bucket
    sites: list[SiteStatus]
    rejections: list[Rejection]
    notes: list[str] = field(default_factory=list)
    footer: str = DEFAULT_FOOTER  # HTML


class ReadableTree(Protocol):
    def get(self, path: str) -> bytes | None: ...

    def list(self, prefix: str = "") -> Iterator[str]: ...


class StatusOps(Protocol):
    """The local operator log as the report reads it (`adapters.sqlite_ops.OpsLog`)."""

    def article_counts(self, site: str, now: datetime) -> ArticleCounts: ...

    def last_run(self, command: str) -> Run | None: ...

    def recent_rejections(self, limit: int = 20) -> list[Rejection]: ...


# --- checking files ------------------------------------------------------------------------------


class _FeedsAndSitemaps:
    """A tree without its AMP pages."""

    def __init__(self, store: ReadableTree, deployment: Deployment) -> None:
        self._store = store
        self._layouts = [SiteLayout.of(site) for site in deployment.sites.values()]

    def get(self, path: str) -> bytes | None:
        return self._store.get(path)

    def list(self, prefix: str = "") -> Iterator[str]:
        for path in self._store.list(prefix):
            kinds = {
                layout.classify(path[len(layout.site.output_prefix) :]).kind
                for layout in self._layouts
                if path.startswith(layout.site.output_prefix)
            }
            if "amp" not in kinds:
                yield path


class _Files:
    """Named files as a tree, read from a store one at a time as the checks ask for them."""

    def __init__(self, store: ReadableTree, paths: Iterable[str]) -> None:
        self._store = store
        self._paths = sorted(set(paths))

    def get(self, path: str) -> bytes | None:
        return self._store.get(path)

    def list(self, prefix: str = "") -> Iterator[str]:
        return (p for p in self._paths if p.startswith(prefix))


def _errors(report: ValidationReport, path: str) -> tuple[str, ...]:
    return tuple(f"[{f.check}] {f.reason}" for f in report.failures_of(path))


def _site_files(tree: SiteTree, report: ValidationReport) -> SiteFiles:
    found = SiteFiles()
    for rel, feed in sorted(tree.feeds.items()):
        path = tree.store_path(rel)
        newest = feed.summary.newest if feed.summary else None
        variant = feed.variant.format + (f" · {feed.variant.profile.name}" if feed.variant.profile else "")
        found.feeds[path] = FeedStatus(
            path=path,
            variant=variant,
            items=len(feed.summary.items) if feed.summary else 0,
            newest_title=newest.title if newest else "",
            newest_date=newest.published if newest else "",
            errors=_errors(report, path),
        )
    for rel, shard in sorted(tree.shards.items()):
        path = tree.store_path(rel)
        found.shards[path] = ShardStatus(path, len(shard.locs), _errors(report, path))
    maps = tree.layout.site.sitemaps
    for rel in (maps.index_path, maps.news_path, maps.robots_path):
        if rel in tree.paths:
            found.fixed[tree.store_path(rel)] = _errors(report, tree.store_path(rel))
    # A shard file that does not parse is in no `tree.shards`: show it with its failure.
    for finding in report.findings:
        rel = finding.path[len(tree.layout.site.output_prefix) :]
        if (
            finding.path.startswith(tree.layout.site.output_prefix)
            and tree.layout.classify(rel).kind == "shard"
            and finding.path not in found.shards
        ):
            found.shards[finding.path] = ShardStatus(finding.path, 0, _errors(report, finding.path))
    return found


def check_files(
    deployment: Deployment, store: ReadableTree, now: datetime, paths: Iterable[str] | None = None
) -> dict[str, SiteFiles]:
    """Check the feeds and sitemaps of the store (or only `paths` of it), per site id."""
    from warta.validate import validate_outputs

    tree = _FeedsAndSitemaps(store if paths is None else _Files(store, paths), deployment)
    report, trees = validate_outputs(deployment, tree, now=now)
    return {site_id: _site_files(site_tree, report) for site_id, site_tree in trees.items()}


def site_status(
    site: SiteConfig,
    counts: ArticleCounts,
    runs: list[tuple[str, Run | None]],
    found: SiteFiles,
    *,
    complete: bool = True,
) -> SiteStatus:
    """`complete`: `found` covers the whole tree, so a fixed file it lacks is missing."""
    status = SiteStatus(site=site, counts=counts, runs=runs)
    status.feeds = [found.feeds[p] for p in sorted(found.feeds)]
    status.shards = [found.shards[p] for p in sorted(found.shards)]
    maps = site.sitemaps
    for rel in (maps.index_path, maps.news_path, maps.robots_path):
        path = site.output_prefix + rel
        if path in found.fixed:
            status.other_errors += [(path, e) for e in found.fixed[path]]
        elif complete and rel == maps.robots_path:
            # The news sitemap is absent on a quiet day and the sitemap index while there is no
            # shard (by design); robots.txt names whichever exist, and its check fails if one
            # it names is missing. robots.txt itself is always there.
            status.other_errors.append((path, "missing"))
    return status


def quarantine_notes(quarantined: Sequence[QuarantinedOutput]) -> list[str]:
    """One line per output set aside because it could not be rendered or written."""
    return [
        f"{q.key.site}: {q.key.kind} {q.key.name or '(site-wide)'} is quarantined after {q.attempts}"
        f" attempt(s), next try at {q.retry_at.isoformat(timespec='seconds')}: {q.reason}"
        for q in quarantined
    ]


def collect_status(
    deployment: Deployment,
    store: ReadableTree,
    ops: StatusOps | None,
    now: datetime,
    out: str,
    quarantined: Sequence[QuarantinedOutput] = (),
) -> StatusReport:
    """The whole report from a tree and the local operator log (None: no state yet)."""
    checked = check_files(deployment, store, now)
    sites = [
        site_status(
            site,
            ops.article_counts(site.id, now) if ops else ArticleCounts(0, 0, 0),
            [
                ("publish", ops.last_run("publish") if ops else None),
                ("rebuild", ops.last_run("rebuild") if ops else None),
            ],
            checked[site.id],
        )
        for site in deployment.sites.values()
    ]
    return StatusReport(
        generated=datetime.now(UTC),
        now=now,
        out=out,
        sites=sites,
        rejections=ops.recent_rejections(RECENT_REJECTIONS) if ops else [],
        notes=quarantine_notes(quarantined),
    )


# --- HTML ----------------------------------------------------------------------------------------


def _result(errors: tuple[str, ...]) -> str:
    if not errors:
        return '<span class="ok" data-valid="true">valid</span>'
    items = "".join(f"<li>{escape(e)}</li>" for e in errors)
    return (
        f'<span class="fail" data-valid="false">{len(errors)} failures</span><ul class="reasons">{items}</ul>'
    )


def _run(run: Run | None) -> str:
    if run is None:
        return '<span class="muted">never</span>'
    outputs = f"{run.written} written, {run.deleted} deleted"
    if run.command == "render":  # a render batch: events are counted where they come in
        return f"{escape(run.at)} <span class='muted'>({outputs}, {run.unchanged} unchanged)</span>"
    return (
        f"{escape(run.at)} <span class='muted'>({run.accepted} accepted, {run.rejected} rejected;"
        f" {outputs})</span>"
    )


_RUN_LABELS = {"publish": "Last publish", "rebuild": "Last rebuild", "render": "Last render batch"}


def _site_html(status: SiteStatus) -> str:
    site, counts = status.site, status.counts
    boxes = "".join(
        f'<div class="count"><b data-count="{name}">{value}</b><span>{label}</span></div>'
        for name, label, value in (
            ("live", "articles live", counts.live),
            ("scheduled", "scheduled", counts.scheduled),
            ("taken-down", "taken down", counts.taken_down),
            ("feeds", "feeds", len(status.feeds)),
            ("shards", "sitemap shards", len(status.shards)),
        )
    )
    feed_rows = "".join(
        f'<tr data-feed="{escape(f.path)}"><td><code>{escape(f.path)}</code></td><td>{escape(f.variant)}</td>'
        f'<td class="num" data-items>{f.items}</td><td>{escape(f.newest_title)}'
        f'<div class="muted">{escape(f.newest_date)}</div></td><td>{_result(f.errors)}</td></tr>'
        for f in status.feeds
    )
    shard_rows = "".join(
        f'<tr data-shard="{escape(s.path)}"><td><code>{escape(s.path)}</code></td>'
        f'<td class="num" data-urls>{s.urls}</td><td>{_result(s.errors)}</td></tr>'
        for s in status.shards
    )
    other = "".join(
        f"<li><code>{escape(path)}</code>: {escape(reason)}</li>" for path, reason in status.other_errors
    )
    runs = "<br>\n".join(
        f'{_RUN_LABELS.get(command, command)}: <span data-last="{escape(command)}">{_run(run)}</span>'
        for command, run in status.runs
    )
    return f"""<section class="site" data-site="{escape(site.id)}">
<h2>{escape(site.name)} <span class="muted">({escape(site.id)} · {escape(site.public_base_url)})</span></h2>
<div class="counts">{boxes}</div>
<p>{runs}</p>
<h3>Sitemap shards</h3>
<table class="shards"><tr><th>path</th><th>URLs</th><th>validation</th></tr>
{shard_rows or '<tr><td colspan="3" class="muted">no shards</td></tr>'}</table>
<h3>Feeds</h3>
<table class="feeds">
<tr><th>path</th><th>format</th><th>items</th><th>newest item</th><th>validation</th></tr>
{feed_rows or '<tr><td colspan="5" class="muted">no feeds</td></tr>'}</table>
{f'<h3>Other outputs</h3><ul class="reasons">{other}</ul>' if other else ""}
</section>"""


def _rejections_html(rejections: list[Rejection]) -> str:
    rows = "".join(
        f"<tr data-rejection><td class='when'>{escape(r.at)}</td><td><code>{escape(r.source)}</code></td>"
        f"<td data-event-id><code>{escape(r.event_id)}</code></td>"
        f"<td data-reason>{escape(r.reason)}</td></tr>"
        for r in rejections
    )
    body = rows or '<tr><td colspan="4" class="muted">none recorded</td></tr>'
    return (
        f'<section class="rejections"><h2>Recent rejected events ({len(rejections)})</h2>'
        "<table><tr><th>when</th><th>source</th><th>event id</th><th>reason</th></tr>"
        f"{body}</table></section>"
    )


def render_status_html(report: StatusReport) -> bytes:
    template = Template((files("warta.status") / "page.html").read_text(encoding="utf-8"))
    notes = "".join(f"<li>{escape(note)}</li>" for note in report.notes)
    return template.substitute(
        generated=escape(report.generated.isoformat(timespec="seconds")),
        now=escape(report.now.isoformat(timespec="seconds")),
        out=escape(report.out),
        notes=f'<ul class="notes">{notes}</ul>' if notes else "",
        sites="\n".join(_site_html(s) for s in report.sites),
        rejections=_rejections_html(report.rejections),
        footer=report.footer,
    ).encode("utf-8")
