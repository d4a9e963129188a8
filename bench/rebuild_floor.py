"""The floor of a full rebuild: what writing the same tree and rendering its AMP pages must cost.

    .venv/bin/python bench/rebuild_floor.py --workdir DIR --articles N [--sample 1000]

Run on a work folder that `bench/publish.py --phase rebuild --rebuild all` has just rebuilt
(`bench/run.py` does, in the same run). Two parts, in one process:
  writes  every file of the public tree written again into an empty folder with the fewest
          calls a file takes (open, write, close: no temp file, no rename, no metadata), the
          bytes read beforehand a folder at a time and not timed; beside it the same files
          through the directory store (what the rebuild's writes cost), folder by folder in turn
  amp     the bare AMP template of bench/floor.py (the same elements and text as a page, no
          lxml tree) on a sample of the archive's articles, times the number of pages; beside
          it the renderer itself on the same sample, and reading those articles from the index
          as a render worker does (runs of consecutive pages, one query each)
The floor is writes + amp, on one core. Prints one JSON object (seconds).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import archive
from floor import floor_amp


def _plain(target: Path, bodies: list[tuple[str, bytes]]) -> float:
    started = time.perf_counter()
    target.mkdir(parents=True, exist_ok=True)
    for name, body in bodies:
        fd = os.open(target / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.write(fd, body)
        os.close(fd)
    return time.perf_counter() - started


def _through_store(store: Any, folder: str, bodies: list[tuple[str, bytes]]) -> float:
    prefix = "" if folder == "." else folder + "/"
    started = time.perf_counter()
    for name, body in bodies:
        store.put(prefix + name, body, "text/html; charset=utf-8", "public, max-age=60")
    return time.perf_counter() - started


def time_writes(tree: Path, into: Path) -> dict[str, Any]:
    """Seconds to write every file of `tree` under `into`, folder by folder: with open, write,
    close (the floor) and through the directory store (temp file, rename, metadata), each
    folder both ways in turn, so both meet the file system in the same state."""
    from warta.adapters.directory_store import DirectoryStore

    store = DirectoryStore(into / "store", into / "store-metadata")
    files, plain, stored = 0, 0.0, 0.0
    for number, (folder, _, names) in enumerate(sorted(os.walk(tree))):
        rel = Path(folder).relative_to(tree)
        bodies = [(name, Path(folder, name).read_bytes()) for name in sorted(names)]
        if number % 2:
            stored += _through_store(store, rel.as_posix(), bodies)
            plain += _plain(into / "plain" / rel, bodies)
        else:
            plain += _plain(into / "plain" / rel, bodies)
            stored += _through_store(store, rel.as_posix(), bodies)
        files += len(bodies)
    return {"files": files, "plain": plain, "store": stored}


def time_amp(workdir: Path, articles: int, sample: int) -> dict[str, Any]:
    from warta.adapters.local_stack import INDEX_FILE
    from warta.adapters.sqlite_index import SqliteIndex
    from warta.app.render_workers import PAGES_PER_READ
    from warta.core.render.amp import render_amp_page

    deployment = archive.deployment()
    site = deployment.sites[deployment.default_site]
    index, _ = archive.stack(workdir)
    now = archive.after_newest(articles)
    urls = sorted(index.facets(site.id, now).urls)
    # Runs of consecutive pages spread over the archive, read as a rebuild's worker reads them.
    step = max(PAGES_PER_READ, len(urls) // max(1, sample // PAGES_PER_READ))
    runs = [urls[i : i + PAGES_PER_READ] for i in range(0, len(urls), step)]
    runs = runs[: max(1, sample // PAGES_PER_READ)]
    worker_index = SqliteIndex(workdir / "state" / INDEX_FILE)
    started = time.perf_counter()
    chosen = [article for run in runs for article in worker_index.live_by_urls(site.id, run, now).values()]
    read = (time.perf_counter() - started) / len(chosen)
    worker_index.close()
    live = chosen
    timed = {}
    for name, render in (("bare", floor_amp), ("ours", render_amp_page)):
        started = time.perf_counter()
        for article in live:
            render(article, site)
        timed[name] = (time.perf_counter() - started) / len(live)
    return {
        "pages": len(urls),
        "sample": len(live),
        "bare_ms": timed["bare"] * 1000,
        "ours_ms": timed["ours"] * 1000,
        "read_ms": read * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--articles", type=int, required=True)
    parser.add_argument("--sample", type=int, default=1_000)
    args = parser.parse_args()
    into = args.workdir / "floor"
    shutil.rmtree(into, ignore_errors=True)
    try:
        writes = time_writes(args.workdir / "public", into)
    finally:
        shutil.rmtree(into, ignore_errors=True)
    amp = time_amp(args.workdir, args.articles, args.sample)
    amp_seconds = amp["pages"] * amp["bare_ms"] / 1000
    write_seconds = writes["plain"]
    result = {
        "files": writes["files"],
        "write_seconds": round(write_seconds, 2),
        "store_write_seconds": round(writes["store"], 2),
        "amp_pages": amp["pages"],
        "amp_bare_ms": round(amp["bare_ms"], 4),
        "amp_ours_ms": round(amp["ours_ms"], 4),
        "amp_seconds": round(amp_seconds, 2),
        "amp_ours_seconds": round(amp["pages"] * amp["ours_ms"] / 1000, 2),
        "read_ms": round(amp["read_ms"], 4),
        "read_seconds": round(amp["pages"] * amp["read_ms"] / 1000, 2),
        "seconds": round(write_seconds + amp_seconds, 2),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
