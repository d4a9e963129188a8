"""Sitemaps at scale: rebuild every sitemap of a synthetic archive, then publish one article into it.

    .venv/bin/python bench/sitemaps.py [--articles 1000000] [--per-day 1000] [--workdir DIR]

Three phases, each in its own process so that each peak memory (ru_maxrss) is its own:
  load     the synthetic archive bulk-loaded into a SQLite index (not what is measured)
  rebuild  what `warta rebuild` does for the sitemaps only: every shard period, the sitemap
           index, the news sitemap and robots.txt, into an empty directory
  publish  one new article (the newest) through ingest and render, as `warta publish` does;
           counts the sitemap files it rewrote (the issue's bound: at most 3)
Prints one JSON object per phase and a summary; exits 1 if the publish rewrote more than 3
sitemap files.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SITE = REPO / "examples" / "andalpost" / "site.toml"
SITEMAP_KINDS = ("shard", "sitemap_index", "news_sitemap")
MAX_FILES_PER_PUBLISH = 3


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _spec(args: argparse.Namespace):  # -> ArchiveSpec
    from warta.core.config import load_site
    from warta.synthetic import ArchiveSpec

    return ArchiveSpec(load_site(SITE), articles=args.articles, per_day=args.per_day)


def _now(args: argparse.Namespace) -> datetime:
    from warta.synthetic import draft

    spec = _spec(args)
    return draft(spec, spec.articles - 1).published_at + timedelta(minutes=30)


def _stack(workdir: Path):  # -> (SqliteIndex, DirectoryStore)
    from warta.adapters.directory_store import DirectoryStore
    from warta.adapters.sqlite_index import SqliteIndex

    return SqliteIndex(workdir / "state" / "index.sqlite3"), DirectoryStore(
        workdir / "public", workdir / "state" / "objects"
    )


def phase_load(args: argparse.Namespace) -> dict[str, object]:
    from warta.synthetic import bulk_load

    index, _ = _stack(args.workdir)
    started = time.perf_counter()
    count = bulk_load(index, _spec(args))
    return {"articles": count, "seconds": round(time.perf_counter() - started, 1)}


def phase_rebuild(args: argparse.Namespace) -> dict[str, object]:
    from warta.app.render import render_pending
    from warta.core.config import Deployment
    from warta.core.planner import OutputKey, site_wide_outputs

    spec = _spec(args)
    site = spec.site
    index, store = _stack(args.workdir)
    started, cpu = time.perf_counter(), time.process_time()
    # Only the periods: `facets` would also list every URL, which the sitemaps do not need.
    periods = [row[0] for row in index._db.execute("SELECT DISTINCT period FROM articles WHERE live = 1")]
    index.push({OutputKey(site.id, "shard", p) for p in periods} | site_wide_outputs(site))
    report = render_pending(
        deployment=Deployment({site.id: site}, site.id), index=index, queue=index, store=store, now=_now(args)
    )
    return {
        "periods": len(periods),
        "files_written": report.count("written"),
        "shard_files": sum(1 for _ in (args.workdir / "public" / "sitemaps").glob("*.xml")),
        "seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(time.process_time() - cpu, 1),
        "peak_rss_mb": round(_peak_mb(), 1),
    }


def phase_publish(args: argparse.Namespace) -> dict[str, object]:
    from warta.app.ingest import ingest_event
    from warta.app.render import render_pending
    from warta.core.body import build_body
    from warta.core.config import Deployment
    from warta.synthetic import draft, event_of

    spec = _spec(args)
    site = spec.site
    index, store = _stack(args.workdir)
    newest = draft(dataclasses.replace(spec, articles=spec.articles + 1), spec.articles)
    now = _now(args)
    deployment = Deployment({site.id: site}, site.id)
    started, cpu = time.perf_counter(), time.process_time()
    ingest_event(
        event_of(spec, newest),
        "bench",
        deployment=deployment,
        index=index,
        queue=index,
        now=now,
        build_body=build_body,
    )
    report = render_pending(deployment=deployment, index=index, queue=index, store=store, now=now)
    elapsed, cpu_used = time.perf_counter() - started, time.process_time() - cpu
    rewritten = sorted(p for p in report.changed_paths if p.startswith("sitemap"))
    return {
        "sitemap_files_rewritten": len(rewritten),
        "paths": rewritten,
        "all_outputs_written": report.count("written"),
        "ms": round(elapsed * 1000, 1),
        "cpu_ms": round(cpu_used * 1000, 1),
    }


PHASES = {"load": phase_load, "rebuild": phase_rebuild, "publish": phase_publish}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--per-day", type=float, default=1_000)
    parser.add_argument("--workdir", type=Path, default=None, help="default: a fresh temporary folder")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](args)))
        return 0
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="warta-bench-sitemaps-"))
    results = {}
    for phase in ("load", "rebuild", "publish"):
        command = [sys.executable, __file__, "--phase", phase, "--workdir", str(workdir)]
        command += ["--articles", str(args.articles), "--per-day", str(args.per_day)]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        results[phase] = json.loads(out.strip().splitlines()[-1])
        print(f"{phase}: {json.dumps(results[phase])}", flush=True)
    rebuild, publish = results["rebuild"], results["publish"]
    print(
        f"\n{args.articles:,} articles ({args.per_day:g}/day): sitemap rebuild {rebuild['seconds']} s,"
        f" peak {rebuild['peak_rss_mb']} MB, {rebuild['shard_files']} shard files;"
        f" one publish rewrote {publish['sitemap_files_rewritten']} sitemap files"
        f" in {publish['ms']} ms ({publish['cpu_ms']} ms CPU, every output kind)"
    )
    print(f"(work folder: {workdir})")
    return 0 if publish["sitemap_files_rewritten"] <= MAX_FILES_PER_PUBLISH else 1


if __name__ == "__main__":
    sys.exit(main())
