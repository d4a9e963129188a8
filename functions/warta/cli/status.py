"""`warta status`: one self-contained HTML page of what is published and whether it is valid.

Per site: articles live / scheduled / taken down, the last publish and rebuild, each feed with
its item count, newest item and validation result, each sitemap shard with its URL count; and
the recent rejected events with their reasons. Written to a file outside the public tree, and
rendered on request by `warta serve` at /_status.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from importlib.resources import files
from pathlib import Path
from string import Template
from typing import Any

from warta.adapters.directory_store import DirectoryStore
from warta.adapters.sqlite_ops import ArticleCounts, OpsLog, Rejection, Run
from warta.core.config import Deployment, SiteConfig, load_deployment
from warta.validate.layout import SiteLayout
from warta.validate.report import ValidationReport

RECENT_REJECTIONS = 20


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
class SiteStatus:
    site: SiteConfig
    counts: ArticleCounts
    last_publish: Run | None
    last_rebuild: Run | None
    feeds: list[FeedStatus] = field(default_factory=list)
    shards: list[ShardStatus] = field(default_factory=list)
    other_errors: list[tuple[str, str]] = field(default_factory=list)  # sitemap index, news, robots


@dataclass
class StatusReport:
    generated: datetime
    now: datetime
    out: str
    sites: list[SiteStatus]
    rejections: list[Rejection]


class _FeedsAndSitemaps:
    """The store without AMP pages: the status page checks what is cheap to check per load."""

    def __init__(self, store: Any, deployment: Deployment) -> None:
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


def collect_status(
    deployment: Deployment, store: Any, ops: OpsLog | None, now: datetime, out: str
) -> StatusReport:
    from warta.validate import validate_outputs

    report, trees = validate_outputs(deployment, _FeedsAndSitemaps(store, deployment), now=now)
    sites = []
    for site in deployment.sites.values():
        status = SiteStatus(
            site=site,
            counts=ops.article_counts(site.id, now) if ops else ArticleCounts(0, 0, 0),
            last_publish=ops.last_run("publish") if ops else None,
            last_rebuild=ops.last_run("rebuild") if ops else None,
        )
        tree = trees[site.id]
        for rel, feed in sorted(tree.feeds.items()):
            path = tree.store_path(rel)
            newest = feed.summary.newest if feed.summary else None
            variant = feed.variant.format + (
                f" · {feed.variant.profile.name}" if feed.variant.profile else ""
            )
            status.feeds.append(
                FeedStatus(
                    path=path,
                    variant=variant,
                    items=len(feed.summary.items) if feed.summary else 0,
                    newest_title=newest.title if newest else "",
                    newest_date=newest.published if newest else "",
                    errors=_errors(report, path),
                )
            )
        for rel, shard in sorted(tree.shards.items()):
            path = tree.store_path(rel)
            status.shards.append(ShardStatus(path, len(shard.locs), _errors(report, path)))
        maps = site.sitemaps
        for rel in (maps.index_path, maps.news_path, maps.robots_path):
            path = tree.store_path(rel)
            status.other_errors += [(path, e) for e in _errors(report, path)]
            if rel not in tree.paths:
                status.other_errors.append((path, "missing"))
        sites.append(status)
    return StatusReport(
        generated=datetime.now(UTC),
        now=now,
        out=out,
        sites=sites,
        rejections=ops.recent_rejections(RECENT_REJECTIONS) if ops else [],
    )


def _errors(report: ValidationReport, path: str) -> tuple[str, ...]:
    return tuple(f"[{f.check}] {f.reason}" for f in report.failures_of(path))


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
    return (
        f"{escape(run.at)} <span class='muted'>({run.accepted} accepted, {run.rejected} rejected;"
        f" {run.written} written, {run.deleted} deleted)</span>"
    )


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
    return f"""<section class="site" data-site="{escape(site.id)}">
<h2>{escape(site.name)} <span class="muted">({escape(site.id)} · {escape(site.public_base_url)})</span></h2>
<div class="counts">{boxes}</div>
<p>Last publish: <span data-last="publish">{_run(status.last_publish)}</span><br>
Last rebuild: <span data-last="rebuild">{_run(status.last_rebuild)}</span></p>
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
        f"<td>{escape(r.reason)}</td></tr>"
        for r in rejections
    )
    body = rows or '<tr><td colspan="3" class="muted">none recorded</td></tr>'
    return (
        f'<section class="rejections"><h2>Recent rejected events ({len(rejections)})</h2>'
        f"<table><tr><th>when</th><th>source</th><th>reason</th></tr>{body}</table></section>"
    )


def render_status_html(report: StatusReport) -> bytes:
    template = Template((files("warta.cli") / "status.html").read_text(encoding="utf-8"))
    return template.substitute(
        generated=escape(report.generated.isoformat(timespec="seconds")),
        now=escape(report.now.isoformat(timespec="seconds")),
        out=escape(report.out),
        sites="\n".join(_site_html(s) for s in report.sites),
        rejections=_rejections_html(report.rejections),
    ).encode("utf-8")


def status_page(config: list[Path], out: Path, state: Path, now: datetime | None = None) -> bytes:
    """The page, gathered now from the tree and the state directory."""
    from warta.adapters.local_stack import INDEX_FILE

    deployment = load_deployment(config)
    index_file = state / INDEX_FILE
    ops = OpsLog(index_file) if index_file.is_file() else None
    try:
        store = DirectoryStore(out, meta_root=state / "objects")
        report = collect_status(deployment, store, ops, now or datetime.now(UTC), str(out))
    finally:
        if ops is not None:
            ops.close()
    return render_status_html(report)


# --- the command ---------------------------------------------------------------------------------


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("status", parents=[common], help="write the HTML status report")
    parser.add_argument(
        "--report", required=True, metavar="FILE", help="where to write it (never inside --out)"
    )
    parser.set_defaults(run=cmd_status)


def cmd_status(args: argparse.Namespace) -> int:
    out, report = Path(args.out).resolve(), Path(args.report).resolve()
    if out in report.parents:
        print(
            f"warta status: --report {report} lies inside --out {out}: it must not be served", file=sys.stderr
        )
        return 1
    if not out.is_dir():
        print(f"warta status: --out {out}: no such directory", file=sys.stderr)
        return 1
    page = status_page([Path(p) for p in args.config], out, Path(args.state), args.now)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_bytes(page)
    print(f"status report written to {report}")
    return 0
