"""`make bench` / `make bench-quick`: every benchmark of issue 8 in one run, one table.

    .venv/bin/python bench/run.py [--quick] [--out bench/results.json]

Sections (each in child processes, so memory peaks are their own):
  publish   incremental publish into archives of 1k, 10k, 100k, 1M articles (quick: 1k, 10k),
            local default, per event by stage (bench/publish.py)
  rebuild   every output of 50k articles (AMP included) and the feeds + sitemaps of 1M
            (quick: 5k both ways); the every-output rebuild's floor in the same run: its tree's
            files written again and its AMP pages as bare templates (bench/rebuild_floor.py)
  floor     renderers against bare templates (bench/floor.py)
  cold      handler import times (bench/cold_start.py)
  aws       publish on the moto-backed AWS stack and what each event costs (bench/aws_publish.py)
  cost      the monthly bill of 1,000 articles a day with 20 updates each (bench/prices.toml)
  hugo      the same archive built by Hugo, RSS + sitemap only (bench/hugo.py)
Writes the results as JSON and prints the table (Markdown, as the README shows it).
"""

# ruff: noqa: E501  (tables, templates and argparse lines read better whole)
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import publish  # noqa: E402

TARGET_RATIO = 1.3  # issue 8: median publish at 1M over 1k
TARGET_CPU_MS = 50  # issue 8: median CPU of a typical publish, every size
TARGET_FLOOR = 3.0  # issue 8: renderer over bare template
TARGET_COLD_MS = 600  # issue 8: handler import
TARGET_REBUILD_MB = 512  # issue 8: 1M feeds + sitemaps
TARGET_COLD_PUBLISH_MS = 50  # issue 17, target 2: CPU of one event in a fresh process
ARTICLES_PER_DAY, UPDATES_PER_ARTICLE, DAYS_PER_MONTH = 1_000, 20, 30

FULL = {
    "sizes": [1_000, 10_000, 100_000, 1_000_000],
    "cold_sizes": [20_000, 1_000_000],  # issue 17, target 2
    "cold_events": 10,
    "events": 200,
    "warmup": 20,
    "every_output": 50_000,
    "aws_articles": 100,
    "aws_events": 20,
    "cold_runs": 5,
    "floor_repeat": 5,
}
QUICK = {
    "sizes": [1_000, 10_000],
    "cold_sizes": [1_000, 10_000],
    "cold_events": 5,
    "events": 100,
    "warmup": 10,
    "every_output": 5_000,
    "aws_articles": 30,
    "aws_events": 8,
    "cold_runs": 3,
    "floor_repeat": 3,
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def child_json(command: list[str]) -> dict[str, Any]:
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def publish_args(
    articles: int, config: dict[str, Any], workdir: Path, rebuild: str, fresh: bool = False
) -> Any:
    return SimpleNamespace(
        articles=articles,
        events=config["events"],
        warmup=config["warmup"],
        rebuild=rebuild,
        workdir=workdir,
        keep=False,
        fresh=fresh,
        profile=None,
        cold_events=config["cold_events"],
        cold_first=None,
    )


def run_publish(
    articles: int, config: dict[str, Any], root: Path, warm: bool = True, cold: bool = False
) -> dict[str, Any]:
    """Load, rebuild feeds + sitemaps, then publish (warm: one process; cold: a process per
    event, after the warm ones): the local default at one archive size."""
    workdir = root / f"archive-{articles}"
    args = publish_args(articles, config, workdir, "feeds-sitemaps")
    phases = ("load", "rebuild") + (("publish",) if warm else ()) + (("cold",) if cold else ())
    try:
        result = {phase: publish.run_phase(phase, args) for phase in phases}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def run_every_output(articles: int, config: dict[str, Any], root: Path) -> dict[str, Any]:
    """One archive: feeds + sitemaps rebuild, every-output rebuild (fresh tree), publishes, Hugo."""
    workdir = root / f"archive-{articles}"
    args = publish_args(articles, config, workdir, "feeds-sitemaps")
    try:
        result = {"load": publish.run_phase("load", args)}
        result["rebuild_feeds_sitemaps"] = publish.run_phase("rebuild", args)
        result["rebuild_all"] = publish.run_phase(
            "rebuild", publish_args(articles, config, workdir, "all", True)
        )
        log(f"  rebuild floor, {articles:,} articles: the same tree's writes and bare AMP renders")
        result["rebuild_floor"] = child_json(
            [
                sys.executable,
                str(HERE / "rebuild_floor.py"),
                "--workdir",
                str(workdir),
                "--articles",
                str(articles),
            ]
        )
        result["publish"] = publish.run_phase("publish", args)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    log(f"  hugo, {articles:,} articles")
    hugo_dir = root / "hugo"
    try:
        result["hugo"] = child_json(
            [sys.executable, str(HERE / "hugo.py"), "--articles", str(articles), "--workdir", str(hugo_dir)]
        )
    finally:
        shutil.rmtree(hugo_dir, ignore_errors=True)
    return result


def run_cold(runs: int) -> dict[str, Any]:
    import cold_start

    return {
        name: statistics.median(cold_start.import_seconds(name) * 1000 for _ in range(runs))
        for name in cold_start.HANDLERS
    }


def monthly_cost(aws: dict[str, Any], prices: dict[str, Any]) -> dict[str, Any]:
    """The bill of a month of events, each costing what one measured publish cost."""
    per = aws["per_event"]
    events = ARTICLES_PER_DAY * (1 + UPDATES_PER_ARTICLE) * DAYS_PER_MONTH
    # Lambda: one ingest and one render invocation per event (FIFO batches may coalesce some);
    # their duration is the moto run's wall time split by nothing: an upper bound, since moto
    # answers slower than the services do in-region.
    seconds = aws["wall_ms"]["median"] / 1000
    lam = prices["lambda"]
    lambda_cost = events * (
        2 * lam["requests_per_million"] / 1e6 + seconds * lam["gb_second"] * lam["render_memory_gb"]
    )
    s3 = prices["s3"]
    puts = per.get("s3.PutObject", 0)
    gets = per.get("s3.HeadObject", 0) + per.get("s3.GetObject", 0)
    s3_cost = events * (puts * s3["put_per_thousand"] + gets * s3["get_per_thousand"]) / 1000
    ddb = prices["dynamodb"]
    ddb_cost = (
        events
        * (
            per.get("dynamodb.write_units", 0) * ddb["write_units_per_million"]
            + per.get("dynamodb.read_units", 0) * ddb["read_units_per_million"]
        )
        / 1e6
    )
    sqs_calls = sum(v for k, v in per.items() if k.startswith("sqs.") and k != "sqs.messages")
    sqs_cost = events * sqs_calls * prices["sqs"]["fifo_requests_per_million"] / 1e6
    cf = prices["cloudfront"]
    paths = events * per.get("cloudfront.invalidation_paths", 0)
    cf_cost = max(0.0, paths - cf["free_invalidation_paths"]) * cf["invalidation_path"]
    parts = {
        "lambda": lambda_cost,
        "s3": s3_cost,
        "dynamodb": ddb_cost,
        "sqs": sqs_cost,
        "cloudfront": cf_cost,
    }
    return {
        "events_per_month": events,
        "region": prices["region"],
        "prices_as_of": prices["as_of"],
        "usd": {k: round(v, 2) for k, v in parts.items()},
        "total_usd": round(sum(parts.values()), 2),
        "total_without_invalidations_usd": round(sum(parts.values()) - cf_cost, 2),
        "invalidation_paths_per_month": paths,
    }


def machine() -> dict[str, Any]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    sqlite = subprocess.run(
        [sys.executable, "-c", "import sqlite3; print(sqlite3.sqlite_version)"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "ram_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "sqlite": sqlite,
    }


# --- the table ------------------------------------------------------------------------------


def _ok(holds: bool) -> str:
    return "yes" if holds else "**no**"


def table(results: dict[str, Any]) -> str:
    lines: list[str] = []
    m = results["machine"]
    lines.append(
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM, Python {m['python']},"
        f" SQLite {m['sqlite']}; {results['mode']} run, {results['seconds']:.0f} s."
    )
    lines += [
        "",
        "**Incremental publish, local default** (one new article per event, warm process; ms per event)",
        "",
    ]
    lines.append(
        "| archive | median wall | p95 wall | median CPU | p95 CPU | files/event | parse | index | plan | render feeds | render shard | render news | render AMP | render other | store |"
    )
    lines.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    pubs = results["publish"]
    for size, run in pubs.items():
        p = run["publish"]
        st = p["stages_cpu_ms"]
        other = sum(
            v
            for k, v in st.items()
            if k.startswith("render:") and k.split(":")[1] in ("sitemap_index", "robots", "indexnow_key")
        )
        lines.append(
            f"| {int(size):,} | {p['wall_ms']['median']:.1f} | {p['wall_ms']['p95']:.1f} | {p['cpu_ms']['median']:.1f}"
            f" | {p['cpu_ms']['p95']:.1f} | {'/'.join(map(str, p['files_per_event']))}"
            f" | {st.get('parse', 0):.1f} | {st.get('index', 0):.1f} | {st.get('plan', 0):.2f}"
            f" | {st.get('render:feed', 0):.1f} | {st.get('render:shard', 0):.1f} | {st.get('render:news_sitemap', 0):.1f}"
            f" | {st.get('render:amp', 0):.1f} | {other:.1f} | {st.get('store', 0):.1f} |"
        )
    sizes = sorted(int(s) for s in pubs)
    small, large = pubs[str(sizes[0])]["publish"], pubs[str(sizes[-1])]["publish"]
    ratio = large["wall_ms"]["median"] / small["wall_ms"]["median"]
    cpu_ratio = large["cpu_ms"]["median"] / small["cpu_ms"]["median"]
    net_ratio = large["cpu_ms_without_store"]["median"] / small["cpu_ms_without_store"]["median"]
    worst_cpu = max(run["publish"]["cpu_ms"]["median"] for run in pubs.values())
    cold_runs = {int(size): run["cold"] for size, run in results.get("cold_publish", {}).items()}
    if cold_runs:
        lines += [
            "",
            "**Cold publish, one event per process** (a fresh process per event, as a cold Lambda or a CMS"
            " hook calling `warta publish`; CPU and wall around ingest + render, net of start-up and imports; ms;"
            " user and kernel CPU as the kernel splits it by its clock ticks, and the minor page faults, medians)",
            "",
            "| archive | median wall | median CPU | p95 CPU | user | kernel | page faults | files/event | parse | index | plan | render feeds | render shard | render news | render AMP | render other | store |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for size, c in sorted(cold_runs.items()):
            st = c["stages_cpu_ms"]
            other = sum(
                v
                for k, v in st.items()
                if k.startswith("render:") and k.split(":")[1] in ("sitemap_index", "robots", "indexnow_key")
            )
            lines.append(
                f"| {size:,} | {c['wall_ms']['median']:.1f} | {c['cpu_ms']['median']:.1f} | {c['cpu_ms']['p95']:.1f}"
                f" | {c.get('user_ms', 0):.0f} | {c.get('sys_ms', 0):.0f} | {c.get('page_faults', 0):,.0f}"
                f" | {'/'.join(map(str, c['files_per_event']))} | {st.get('parse', 0):.1f} | {st.get('index', 0):.1f}"
                f" | {st.get('plan', 0):.2f} | {st.get('render:feed', 0):.1f} | {st.get('render:shard', 0):.1f}"
                f" | {st.get('render:news_sitemap', 0):.1f} | {st.get('render:amp', 0):.1f} | {other:.1f} | {st.get('store', 0):.1f} |"
            )
    lines += [
        "",
        "Stage columns are median CPU ms. A typical publish writes the AMP page, the home feed (RSS, Atom,"
        " JSON Feed and 4 aggregator profiles), the section feed (RSS, Atom, JSON Feed), the RSS feed of each"
        " of its tags and of its author, the shard part, the sitemap index, the news sitemap, robots.txt and"
        " the IndexNow key file (the last two unchanged).",
        "",
        "| target | measured | holds |",
        "|---|---:|:---:|",
        f"| median publish {sizes[-1]:,} / {sizes[0]:,} ≤ {TARGET_RATIO} | wall {ratio:.2f}, CPU {cpu_ratio:.2f}; CPU without the store {net_ratio:.2f} ({small['cpu_ms_without_store']['median']:.1f} → {large['cpu_ms_without_store']['median']:.1f} ms) | {_ok(ratio <= TARGET_RATIO)} |",
        f"| median CPU per typical publish ≤ {TARGET_CPU_MS} ms, every size | worst {worst_cpu:.1f} ms | {_ok(worst_cpu <= TARGET_CPU_MS)} |",
    ]
    if cold_runs:
        cold_small, cold_large = min(cold_runs), max(cold_runs)
        cold_worst = max(c["cpu_ms"]["median"] for c in cold_runs.values())
        cold_ratio = cold_runs[cold_large]["cpu_ms"]["median"] / cold_runs[cold_small]["cpu_ms"]["median"]
        lines.append(
            f"| cold publish, one event per process: median CPU ≤ {TARGET_COLD_PUBLISH_MS} ms at"
            f" {cold_small:,} and {cold_large:,} | worst {cold_worst:.1f} ms;"
            f" {cold_large:,} / {cold_small:,} CPU {cold_ratio:.2f} | {_ok(cold_worst <= TARGET_COLD_PUBLISH_MS)} |"
        )
    every = results["every_output"]
    big = pubs[str(sizes[-1])]["rebuild"]
    rb_all, rb_fs = every["rebuild_all"], every["rebuild_feeds_sitemaps"]
    lines += [
        "",
        "**Full rebuild** (child process, empty public tree)",
        "",
        "| archive | outputs | files | seconds | articles/s | peak RSS MB |",
        "|---:|---|---:|---:|---:|---:|",
        f"| {rb_all['articles']:,} | every output (AMP included) | {rb_all['files_written']:,} | {rb_all['seconds']:.1f} | {rb_all['articles_per_second']:,} | {rb_all['peak_rss_mb']:.0f} |",
        f"| {rb_fs['articles']:,} | feeds + sitemaps | {rb_fs['files_written']:,} | {rb_fs['seconds']:.1f} | {rb_fs['articles_per_second']:,} | {rb_fs['peak_rss_mb']:.0f} |",
        f"| {big['articles']:,} | feeds + sitemaps | {big['files_written']:,} | {big['seconds']:.1f} | {big['articles_per_second']:,} | {big['peak_rss_mb']:.0f} |",
        "",
        f"Peak memory of the {big['articles']:,}-article rebuild ≤ {TARGET_REBUILD_MB} MB: {_ok(big['peak_rss_mb'] <= TARGET_REBUILD_MB)}.",
        "",
        f"The every-output rebuild ({rb_all.get('workers', 1)} worker processes, {rb_all['cpu_seconds']:.1f} s of CPU) against its floor in this run,"
        f" the same tree's {every['rebuild_floor']['files']:,} files written with open, write, close ({every['rebuild_floor']['write_seconds']:.2f} s;"
        f" through the directory store, in turn: {every['rebuild_floor']['store_write_seconds']:.2f} s)"
        f" and {every['rebuild_floor']['amp_pages']:,} AMP pages as bare templates ({every['rebuild_floor']['amp_seconds']:.2f} s) on one core:"
        f" {rb_all['seconds'] / every['rebuild_floor']['seconds']:.1f}× ({every['rebuild_floor']['seconds']:.2f} s).",
    ]
    fl = results["floor"]
    lines += [
        "",
        "**Against the floor** (best of several runs; ms)",
        "",
        "| output | ours | bare template | ratio ≤ 3 | same bytes |",
        "|---|---:|---:|:---:|:---:|",
        f"| RSS, 50 items (bodies rendered afresh) | {fl['rss_50_items']['ours_ms']:.2f} | {fl['rss_50_items']['floor_ms']:.2f} | {fl['rss_50_items']['ratio']} {_ok(fl['rss_50_items']['ratio'] <= TARGET_FLOOR)} | {_ok(fl['rss_50_items']['same_bytes'])} |",
        f"| RSS, 50 items (bodies' HTML cached, items made again) | {fl['rss_50_items']['ours_warm_ms']:.2f} | {fl['rss_50_items']['floor_ms']:.2f} | {fl['rss_50_items']['ours_warm_ms'] / fl['rss_50_items']['floor_ms']:.2f} | |",
        f"| RSS, 50 items (items cached, as in a warm publish) | {fl['rss_50_items']['ours_items_cached_ms']:.2f} | {fl['rss_50_items']['floor_ms']:.2f} | {fl['rss_50_items']['ours_items_cached_ms'] / fl['rss_50_items']['floor_ms']:.2f} | |",
        f"| shard, 50,000 URLs, from the index's fragments | {fl['shard_50000_urls']['ours_ms']:.1f} | {fl['shard_50000_urls']['floor_ms']:.1f} | {fl['shard_50000_urls']['ratio']} {_ok(fl['shard_50000_urls']['ratio'] <= TARGET_FLOOR)} | {_ok(fl['shard_50000_urls']['same_bytes'])} |",
        f"| shard, 50,000 URLs, fragments rendered afresh (lxml) | {fl['shard_50000_urls']['ours_from_scratch_ms']:.1f} | {fl['shard_50000_urls']['floor_ms']:.1f} | {fl['shard_50000_urls']['ratio_from_scratch']} | |",
        f"| AMP page | {fl['amp_page']['ours_ms']:.3f} | {fl['amp_page']['floor_ms']:.3f} | {fl['amp_page']['ratio']} {_ok(fl['amp_page']['ratio'] <= TARGET_FLOOR)} | {_ok(fl['amp_page']['same_bytes'])} |",
    ]
    cold = results["cold_start_ms"]
    lines += [
        "",
        f"**Cold start** (handler import in a fresh interpreter, median ms; target ≤ {TARGET_COLD_MS})",
        "",
    ]
    lines.append("| " + " | ".join(cold) + " |")
    lines.append("|" + "---:|" * len(cold))
    lines.append(
        "| "
        + " | ".join(f"{v:.0f} {'' if v <= TARGET_COLD_MS else '**over**'}".strip() for v in cold.values())
        + " |"
    )
    aws = results.get("aws")
    if aws:
        per = aws["per_event"]
        lines += [
            "",
            f"**AWS stack on moto** ({aws['articles']} articles, {aws['events']} publishes; moto's latency is not AWS's)",
            "",
            f"Per event: median wall {aws['wall_ms']['median']:.0f} ms (p95 {aws['wall_ms']['p95']:.0f}),"
            f" our CPU {aws['cpu_ms']['median']:.0f} ms; S3 {per.get('s3.PutObject', 0):.0f} PUTs"
            f" ({per.get('s3.put_bytes', 0) / 1000:.0f} kB), {per.get('s3.HeadObject', 0):.0f} HEADs;"
            f" DynamoDB {per.get('dynamodb.read_units', 0):.0f} read units ({per.get('dynamodb.items_read', 0):.0f} items)"
            f" and {per.get('dynamodb.write_units', 0):.0f} write units ({per.get('dynamodb.items_written', 0):.0f} items);"
            f" {per.get('cloudfront.invalidation_paths', 0):.0f} invalidation paths.",
        ]
        if "requests" in aws:
            by_api = ", ".join(
                f"{api} {n:g}" for api, n in sorted(aws["requests"].items(), key=lambda i: -i[1])
            )
            lines += [
                "",
                f"Event → last object in the site bucket: median {aws['object_ms']['median']:.0f} ms"
                f" (p95 {aws['object_ms']['p95']:.0f}). Lambda CPU (inside the handlers, write pool"
                f" included): {aws['lambda_cpu_ms']['median']:.0f} ms, of it the write pool's"
                f" {aws['pool_cpu_ms']['median']:.0f} ms; moto's server process"
                f" {aws.get('server_cpu_ms', {}).get('median', 0):.0f} ms of CPU."
                " AWS requests per event (medians):"
                f" {aws['requests_total']:g}; {by_api} (sqs.ReceiveMessage and DeleteMessage: the"
                " render queue's event source, played by the harness).",
            ]
        if "request_floor_ms" in aws:
            floor = aws["request_floor_ms"]
            sent, to_s3 = per.get("lambda.requests", 0), per.get("lambda.s3_requests", 0)
            least = to_s3 * floor["s3.PutObject"] + (sent - to_s3) * floor["dynamodb.GetItem"]
            lines += [
                "",
                f"Where the Lambda CPU goes: {aws['request_cpu_ms']['median']:.0f} ms inside the"
                f" {sent:g} requests the handlers send (botocore, urllib3, the socket), the rest"
                " (parsing, planning, rendering, the harness's Lambda context) ours. One request with"
                f" nothing around it costs {floor['dynamodb.GetItem']:.2f} ms (DynamoDB GetItem) and"
                f" {floor['s3.PutObject']:.2f} ms (S3 PutObject, 10 kB) of client CPU here: these"
                f" {sent:g} requests cost at least {least:.0f} ms of Lambda CPU, whatever the code"
                " around them does; the rest of their share is the size of what they carry (items"
                " parsed out of Query answers, bodies sent).",
            ]
        if "server_cpu_by_api_ms" in aws:
            by_api = aws["server_cpu_by_api_ms"]
            top = ", ".join(
                f"{api} {ms:.0f} ms ({aws['requests'][api]:g} requests)"
                if api in aws["requests"]
                else f"{api} {ms:.0f} ms"
                for api, ms in list(by_api.items())[:6]
            )
            lines += [
                "",
                "Where moto's server CPU goes (mean per event, by the request it answered; `overlapping`:"
                f" requests sent while another was in flight, the write pool's PUTs beside the next"
                f" outputs' Queries): {top}.",
            ]
        cost = results["cost"]
        usd = cost["usd"]
        lines += [
            "",
            f"Monthly bill, {ARTICLES_PER_DAY:,} articles a day × {1 + UPDATES_PER_ARTICLE} events"
            f" ({cost['events_per_month']:,} events; {cost['region']} prices of {cost['prices_as_of']}):"
            f" **${cost['total_usd']:,.2f}**; Lambda ${usd['lambda']:,.2f}, S3 ${usd['s3']:,.2f},"
            f" DynamoDB ${usd['dynamodb']:,.2f}, SQS ${usd['sqs']:,.2f}, CloudFront invalidations ${usd['cloudfront']:,.2f}"
            f" ({cost['invalidation_paths_per_month']:,.0f} paths); ${cost['total_without_invalidations_usd']:,.2f}"
            " without invalidations.",
        ]
    hugo, floor = every["hugo"], every["rebuild_floor"]
    lines += ["", f"**Hugo side by side** ({every['load']['articles']:,} articles)", ""]
    if "skipped" in hugo:
        lines.append(f"Hugo skipped: {hugo['skipped']}.")
    else:
        ours_pub = every["publish"]["wall_ms"]["median"] / 1000
        lines += [
            "| | seconds | Hugo / ours |",
            "|---|---:|---:|",
            f"| Hugo {hugo['version']}, RSS + sitemap (HTML off), cold build | {hugo['build_seconds']:.2f} | |",
            f"| Hugo, the same after one new article | {hugo['build_after_one_new_article_seconds']:.2f} | |",
            f"| ours, rebuild feeds + sitemaps | {rb_fs['seconds']:.2f} | {hugo['build_seconds'] / rb_fs['seconds']:.1f}× |",
            f"| ours, rebuild every output (AMP pages included; {rb_all.get('workers', 1)} worker processes) | {rb_all['seconds']:.2f} | {hugo['build_seconds'] / rb_all['seconds']:.1f}× |",
            f"| its floor: the same {floor['files']:,} files written (open, write, close), {floor['write_seconds']:.2f} s, + {floor['amp_pages']:,} bare AMP templates, {floor['amp_seconds']:.2f} s; one core | {floor['seconds']:.2f} | {hugo['build_seconds'] / floor['seconds']:.1f}× |",
            f"| ours, publish one article (median) | {ours_pub:.3f} | {hugo['build_after_one_new_article_seconds'] / ours_pub:,.0f}× |",
            "",
            f"Every-output rebuild faster than Hugo's HTML-off build: {_ok(rb_all['seconds'] < hugo['build_seconds'])};"
            f" {rb_all['seconds'] / floor['seconds']:.1f}× its floor. Where its {rb_all['cpu_seconds']:.1f} s of CPU go, measured apart in this run:"
            f" the renderer's AMP pages {floor['amp_ours_seconds']:.1f} s ({floor['amp_ours_ms']:.3f} ms a page),"
            f" reading their articles from the index {floor.get('read_seconds', float('nan')):.1f} s ({floor.get('read_ms', float('nan')):.3f} ms a page),"
            f" the files through the directory store {floor['store_write_seconds']:.1f} s; the rest is start-up, planning, the feeds and sitemaps, and the workers' answers.",
        ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    parser.add_argument("--workdir", type=Path, default=None, help="default: a fresh temporary folder")
    args = parser.parse_args()
    config = QUICK if args.quick else FULL
    root = args.workdir or Path(tempfile.mkdtemp(prefix="warta-bench-"))
    started = time.perf_counter()
    results: dict[str, Any] = {
        "mode": "quick" if args.quick else "full",
        "machine": machine(),
        "config": config,
    }
    try:
        log("floor: renderers against bare templates")
        results["floor"] = child_json(
            [sys.executable, str(HERE / "floor.py"), "--repeat", str(config["floor_repeat"])]
        )
        log("cold start: handler imports")
        results["cold_start_ms"] = run_cold(config["cold_runs"])
        results["publish"] = {}
        for size in config["sizes"]:
            log(f"publish: {size:,} articles (load, rebuild, {config['events']} publishes)")
            results["publish"][str(size)] = run_publish(size, config, root, cold=size in config["cold_sizes"])
        results["cold_publish"] = {
            str(size): run for size, run in results["publish"].items() if "cold" in run
        }
        for size in config["cold_sizes"]:
            if str(size) not in results["cold_publish"]:
                log(f"cold publish: {size:,} articles (load, rebuild, {config['cold_events']} processes)")
                results["cold_publish"][str(size)] = run_publish(size, config, root, warm=False, cold=True)
        log(f"every output and Hugo: {config['every_output']:,} articles")
        results["every_output"] = run_every_output(config["every_output"], config, root)
        log(f"aws on moto: {config['aws_articles']} articles, {config['aws_events']} publishes")
        results["aws"] = child_json(
            [
                sys.executable,
                str(HERE / "aws_publish.py"),
                "--articles",
                str(config["aws_articles"]),
                "--events",
                str(config["aws_events"]),
            ]
        )
        prices = tomllib.loads((HERE / "prices.toml").read_text())
        results["cost"] = monthly_cost(results["aws"], prices)
    finally:
        if args.workdir is None:
            shutil.rmtree(root, ignore_errors=True)
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["table"] = table(results)
    args.out.write_text(json.dumps(results, indent=1))
    print(results["table"])
    print(f"\n(results: {args.out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
