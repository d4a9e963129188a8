"""Incremental publish on the local default: load an archive, rebuild it, then publish into it.

    .venv/bin/python bench/publish.py --articles 10000 [--events 200] [--warmup 20]
        [--rebuild feeds-sitemaps|all] [--workdir DIR] [--keep]

Phases run in child processes, so each peak memory (ru_maxrss) is its own:
  load     the synthetic archive bulk-loaded into the SQLite index (not measured)
  rebuild  every output of the archive (`all`, AMP pages included) or the feeds and sitemaps
           only (`feeds-sitemaps`), into an empty folder: articles/s and peak memory
  publish  new articles, the newest each (1,000 a day), one event at a time in one warm process,
           each through ingest and render as `warta publish` does: median and p95 per event,
           split by stage (bench/stages.py)
  cold     the same, one event per fresh process (a cold Lambda, a CMS hook calling `warta
           publish`): CPU and wall measured around ingest + render inside the child, so net of
           interpreter start-up and imports; median over --cold-events processes, by stage
Prints one JSON object per phase on stdout's last line each.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import archive
from stages import StageClock, instrument, summarise


def phase_load(args: argparse.Namespace) -> dict[str, Any]:
    from warta.synthetic import bulk_load

    index, _ = archive.stack(args.workdir)
    started = time.perf_counter()
    count = bulk_load(index, archive.spec(args.articles))
    index.close()
    return {"articles": count, "seconds": round(time.perf_counter() - started, 1)}


def rebuild_keys(index: Any, site: Any, now: Any, everything: bool) -> set[Any]:
    """What a rebuild queues: every output, or every feed and sitemap (no AMP pages).

    Without AMP pages the keys come from small DISTINCT queries, not `facets` (which lists
    every URL, a million strings the feeds and sitemaps do not need).
    """
    from warta.app.rebuild import all_outputs
    from warta.core.planner import OutputKey, epoch_micros, site_wide_outputs

    if everything:
        return all_outputs(site.id, archive.deployment(), index, now)
    db, params = index._db, (site.id, epoch_micros(now))
    visible = "site = ? AND live = 1 AND published_us <= ?"
    periods = [r[0] for r in db.execute(f"SELECT DISTINCT period FROM articles WHERE {visible}", params)]
    sections = [r[0] for r in db.execute(f"SELECT DISTINCT section FROM articles WHERE {visible}", params)]
    tags = [r[0] for r in db.execute("SELECT DISTINCT tag FROM article_tags WHERE site = ?", (site.id,))]
    authors = [
        r[0] for r in db.execute("SELECT DISTINCT author FROM article_authors WHERE site = ?", (site.id,))
    ]
    keys = site_wide_outputs(site) | {OutputKey(site.id, "shard", p) for p in periods}
    for spec in site.feeds:
        values = {"all": [None], "section": sections, "tag": tags, "author": authors}[spec.select]
        keys |= {OutputKey(site.id, "feed", spec.name if v is None else f"{spec.name}:{v}") for v in values}
    return keys


def stop_fork_server() -> None:
    """Stop the process the render workers were forked from (`render_workers`), waiting for it:
    the workers are its children, so their resource use reaches this process's
    RUSAGE_CHILDREN only once it has exited. (A private multiprocessing call, the one there is.)"""
    from multiprocessing import forkserver

    forkserver._forkserver._stop()


def phase_rebuild(args: argparse.Namespace) -> dict[str, Any]:
    from warta.adapters.local_stack import INDEX_FILE, LocalStores
    from warta.app.render import render_pending
    from warta.app.render_workers import start_fork_server, wants_workers, worker_count

    deployment = archive.deployment()
    site = deployment.sites[deployment.default_site]
    old_trees = args.workdir / "old-trees"
    if args.fresh:  # an empty public tree: every file is written again
        # Moved aside, removed after the rebuild: on ext4 without a journal (this machine's) a
        # file created within seconds of tens of thousands of deletes costs the kernel a scan
        # past the freed inodes (find_inode_bit / recently_deleted), several times the create.
        old_trees.mkdir(exist_ok=True)
        for tree in (args.workdir / "public", args.workdir / "state" / "objects"):
            if tree.exists():
                tree.rename(old_trees / f"{tree.name}-{time.time_ns()}")
    index, store = archive.stack(args.workdir)
    now = archive.after_newest(args.articles)
    started, cpu = time.perf_counter(), time.process_time()
    workers = args.render_workers or worker_count()  # as `warta rebuild` does
    keys = rebuild_keys(index, site, now, args.rebuild == "all")
    index.push(keys)
    forked = wants_workers(workers, len(keys))
    if forked:
        start_fork_server()
    opener = LocalStores(args.workdir / "state" / INDEX_FILE, store.root, store.meta_root)
    report = render_pending(
        deployment=deployment,
        index=index,
        queue=index,
        store=store,
        now=now,
        render_workers=workers,
        open_worker=opener,
    )
    seconds = time.perf_counter() - started
    if forked:
        stop_fork_server()  # its workers' CPU and memory count among this process's children only then
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    shutil.rmtree(old_trees, ignore_errors=True)
    return {
        "articles": args.articles,
        "outputs": args.rebuild,
        "keys": len(keys),
        "files_written": report.count("written"),
        "seconds": round(seconds, 2),
        # this process's and its render workers'
        "cpu_seconds": round(time.process_time() - cpu + children.ru_utime + children.ru_stime, 2),
        "articles_per_second": round(args.articles / seconds),
        "workers": workers,
        # at most this much at once: this process's peak and each worker's at the largest one's
        "peak_rss_mb": round(archive.peak_rss_mb() + workers * children.ru_maxrss / 1024, 1),
        "public_mb": round(archive.dir_bytes(args.workdir / "public") / 1e6, 1),
    }


def phase_publish(args: argparse.Namespace) -> dict[str, Any]:
    from warta.app.ingest import ingest_event
    from warta.app.render import render_pending
    from warta.core.body import build_body
    from warta.synthetic import event_of

    spec = archive.spec(args.articles)
    deployment = archive.deployment()
    index, store = archive.stack(args.workdir)
    clock = StageClock()
    instrument(clock, index, index, store)
    events, written = [], []
    profiler = None
    for k in range(args.warmup + args.events):
        if k == args.warmup and args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
        item = archive.newcomer(spec, k)
        raw = json.dumps(event_of(spec, item), ensure_ascii=False).encode()
        now = item.published_at + timedelta(minutes=1)
        clock.reset()
        wall, cpu = time.perf_counter(), time.thread_time()
        outcome = ingest_event(
            raw, "bench", deployment=deployment, index=index, queue=index, now=now, build_body=build_body
        )
        report = render_pending(deployment=deployment, index=index, queue=index, store=store, now=now)
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
        if outcome.status != "accepted":
            raise SystemExit(f"event {k} was {outcome.status}: {outcome.reason}")
        if k < args.warmup:
            continue
        staged_wall = {s: v * 1000 for s, v in clock.wall.items()}
        staged_cpu = {s: v * 1000 for s, v in clock.cpu.items()}
        staged_wall["other"] = max(0.0, wall * 1000 - sum(staged_wall.values()))
        staged_cpu["other"] = max(0.0, cpu * 1000 - sum(staged_cpu.values()))
        events.append(
            {
                "wall_ms": wall * 1000,
                "cpu_ms": cpu * 1000,
                "stages_wall_ms": staged_wall,
                "stages_cpu_ms": staged_cpu,
            }
        )
        written.append(sorted(report.changed_paths))
    if profiler is not None:
        profiler.stop()
        args.profile.write_text(profiler.output_text(unicode=False, color=False, show_all=False))
    summary = summarise(events)
    summary["articles"] = args.articles
    summary["files_per_event"] = sorted({len(paths) for paths in written})
    summary["example_files"] = written[-1]
    summary["peak_rss_mb"] = round(archive.peak_rss_mb(), 1)
    return summary


# Cold events come after the warm ones (newcomer numbers past warmup + events), so a cold phase
# run after a publish phase in the same folder publishes articles newer than any there.
def cold_first(args: argparse.Namespace) -> int:
    first = getattr(args, "cold_first", None)
    return args.warmup + args.events if first is None else int(first)


def phase_cold_event(args: argparse.Namespace) -> dict[str, Any]:
    """One event in this (fresh) process: imports and the stack's opening are not measured."""
    from warta.app.ingest import ingest_event
    from warta.app.render import render_pending
    from warta.core.body import build_body
    from warta.synthetic import event_of

    spec = archive.spec(args.articles)
    deployment = archive.deployment()
    index, store = archive.stack(args.workdir)
    clock = StageClock()
    instrument(clock, index, index, store)
    item = archive.newcomer(spec, args.cold_k)
    raw = json.dumps(event_of(spec, item), ensure_ascii=False).encode()
    now = item.published_at + timedelta(minutes=1)
    wall, cpu = time.perf_counter(), time.process_time()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    outcome = ingest_event(
        raw, "bench", deployment=deployment, index=index, queue=index, now=now, build_body=build_body
    )
    report = render_pending(deployment=deployment, index=index, queue=index, store=store, now=now)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    after = resource.getrusage(resource.RUSAGE_SELF)
    if outcome.status != "accepted":
        raise SystemExit(f"cold event {args.cold_k} was {outcome.status}: {outcome.reason}")
    staged_wall = {s: v * 1000 for s, v in clock.wall.items()}
    staged_cpu = {s: v * 1000 for s, v in clock.cpu.items()}
    staged_wall["other"] = max(0.0, wall * 1000 - sum(staged_wall.values()))
    staged_cpu["other"] = max(0.0, cpu * 1000 - sum(staged_cpu.values()))
    return {
        "wall_ms": wall * 1000,
        "cpu_ms": cpu * 1000,
        "stages_wall_ms": staged_wall,
        "stages_cpu_ms": staged_cpu,
        "files": len(report.changed_paths),
        # The kernel's share, and the pages of memory the event touched first: each costs a
        # page fault, some 0.5 us on bare metal and 15-60 us on this VM when its host is busy.
        "user_ms": (after.ru_utime - usage.ru_utime) * 1000,
        "sys_ms": (after.ru_stime - usage.ru_stime) * 1000,
        "page_faults": after.ru_minflt - usage.ru_minflt,
    }


def phase_cold(args: argparse.Namespace) -> dict[str, Any]:
    """--cold-events publishes, each in a child process of its own (`phase_cold_event`)."""
    events = []
    first = cold_first(args)
    for k in range(first, first + args.cold_events):
        command = [sys.executable, __file__, "--phase", "cold_event", "--workdir", str(args.workdir)]
        command += ["--articles", str(args.articles), "--cold-k", str(k)]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        events.append(json.loads(out.strip().splitlines()[-1]))
    summary = summarise(events)
    summary["articles"] = args.articles
    summary["files_per_event"] = sorted({e["files"] for e in events})
    for measure in ("user_ms", "sys_ms", "page_faults"):
        summary[measure] = statistics.median(e[measure] for e in events)
    return summary


PHASES = {
    "load": phase_load,
    "rebuild": phase_rebuild,
    "publish": phase_publish,
    "cold": phase_cold,
    "cold_event": phase_cold_event,
}


def run_phase(phase: str, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, __file__, "--phase", phase, "--workdir", str(args.workdir)]
    command += ["--articles", str(args.articles), "--events", str(args.events)]
    command += ["--warmup", str(args.warmup), "--rebuild", args.rebuild]
    command += ["--cold-events", str(args.cold_events)]
    if getattr(args, "cold_first", None) is not None:
        command += ["--cold-first", str(args.cold_first)]
    command += ["--render-workers", str(getattr(args, "render_workers", 0))]
    if args.profile:
        command += ["--profile", str(args.profile)]
    if args.fresh:
        command.append("--fresh")
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--articles", type=int, default=10_000)
    p.add_argument("--events", type=int, default=200)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--cold-events", type=int, default=10, help="cold phase: processes, one event each")
    p.add_argument("--cold-first", type=int, default=None, help="cold phase: first newcomer number")
    p.add_argument("--cold-k", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--rebuild", choices=("feeds-sitemaps", "all"), default="feeds-sitemaps")
    p.add_argument("--workdir", type=Path, default=None, help="default: a fresh temporary folder")
    p.add_argument("--keep", action="store_true", help="keep the work folder")
    p.add_argument("--fresh", action="store_true", help="rebuild into an empty public tree")
    p.add_argument(
        "--render-workers",
        type=int,
        default=0,
        help="processes rendering a rebuild's AMP pages (default 0: one per core, as warta rebuild)",
    )
    p.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="write a pyinstrument profile of the publishes here (pip install pyinstrument)",
    )
    p.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    return p


def run(
    args: argparse.Namespace, phases: tuple[str, ...] = ("load", "rebuild", "publish", "cold")
) -> dict[str, Any]:
    """Each phase in a child process, in one work folder (removed afterwards unless --keep)."""
    own = args.workdir is None
    args.workdir = args.workdir or Path(tempfile.mkdtemp(prefix="warta-bench-"))
    try:
        return {phase: run_phase(phase, args) for phase in phases}
    finally:
        if own and not args.keep:
            shutil.rmtree(args.workdir, ignore_errors=True)


def main() -> int:
    args = parser().parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](args)))
        return 0
    print(json.dumps(run(args), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
