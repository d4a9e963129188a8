"""The status report as a few plain lines for a terminal (`warta status` without `--report`)."""

from __future__ import annotations

from warta.core.operator_records import Run
from warta.status.report import SiteStatus, StatusReport

REJECTIONS_SHOWN = 5  # the newest few; the HTML report lists them all


def _run_line(command: str, run: Run | None) -> str:
    if run is None:
        return f"  last {command}: never"
    outputs = f"{run.written} written, {run.unchanged} unchanged, {run.deleted} deleted"
    if run.command == "render":
        return f"  last {command}: {run.at} ({outputs})"
    return f"  last {command}: {run.at} ({run.accepted} accepted, {run.rejected} rejected; {outputs})"


def _site_lines(status: SiteStatus) -> list[str]:
    counts = status.counts
    failing = [(f.path, e) for f in status.feeds for e in f.errors]
    failing += [(s.path, e) for s in status.shards for e in s.errors]
    failing += status.other_errors
    lines = [
        f"site {status.site.id} ({status.site.public_base_url})",
        f"  articles: {counts.live} live, {counts.scheduled} scheduled, {counts.taken_down} taken down",
        *(_run_line(command, run) for command, run in status.runs),
        f"  outputs: {len(status.feeds)} feeds, {len(status.shards)} sitemap shards,"
        f" {len(failing)} validation failures",
    ]
    lines += [f"    {path}: {reason}" for path, reason in failing]
    return lines


def render_status_text(report: StatusReport) -> str:
    lines = [f"warta status of {report.out} at {report.now.isoformat(timespec='seconds')}"]
    lines += [f"note: {note}" for note in report.notes]
    for site in report.sites:
        lines += _site_lines(site)
    lines.append(f"rejected events recorded: {len(report.rejections)}")
    lines += [f"  {r.at} {r.source}: {r.reason}" for r in report.rejections[:REJECTIONS_SHOWN]]
    return "\n".join(lines) + "\n"
