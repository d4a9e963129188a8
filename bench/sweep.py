"""How long `warta rebuild --dry-run` takes to list the strays of a big tree, and its memory.

    .venv/bin/python bench/sweep.py --articles 100000 --workdir /tmp/sweep-bench

Loads a synthetic archive into a SQLite index (no rendering: the bench is about the sweep),
writes one empty file per planned output into a directory store, plants 1 % strays (old AMP
paths, temp files, stray feeds) and files outside the site's scope, then times the dry run
(`app.sweep.sweep_site`, the code `warta rebuild --dry-run` runs: empty-index guard, directory
listing, planned set from the index, comparison). `--listing synthetic` skips the files and
feeds the same paths as a generated listing, as an S3 listing would stream them: the cost of
the comparison alone, which is what the rebuild Lambda adds to the listing at 1M objects.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import archive  # the bench folder's shared helpers

STRAY_SHARE = 100  # one stray per this many outputs


def _strays(planned: list[str]) -> list[str]:
    found = []
    for n, path in enumerate(planned[::STRAY_SHARE]):
        if path.startswith("amp/"):
            found.append(path.replace(".html", f"-old{n}.html"))  # a page of a URL gone by
        else:
            folder = path.rpartition("/")[0]
            found.append(f"{folder}/.warta-tmp-{n}" if folder else f".warta-tmp-{n}")  # a killed writer's
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--listing", choices=["directory", "synthetic"], default="directory")
    args = parser.parse_args()

    from warta.app.sweep import planned_paths, sweep_site
    from warta.synthetic import bulk_load

    args.workdir.mkdir(parents=True, exist_ok=True)
    index, store = archive.stack(args.workdir)
    deployment = archive.deployment()
    site = deployment.sites[deployment.default_site]
    now = archive.after_newest(args.articles)
    started = time.perf_counter()
    if not index.holds_site(site.id):
        bulk_load(index, archive.spec(args.articles))
        index.remember_output_templates(site.id, {f"amp\t{site.amp.path}"})
    load_seconds = time.perf_counter() - started

    # A second run on the same --workdir (directory listing) skips the setup, so its peak RSS
    # is the dry run's own: the first run's peak is the bulk load's.
    reuse = args.listing == "directory" and (store.root / "robots.txt").exists()
    planned = [] if reuse else sorted(planned_paths(site, index, now))
    strays = _strays(planned)
    foreign = ["static/app.css", "kabar/feed/index.xml", "index.html"]
    started = time.perf_counter()
    if args.listing == "directory" and not reuse:
        for path in [*planned, *strays, *foreign]:
            target = store.root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.touch()
    setup_seconds = time.perf_counter() - started
    listing = None if args.listing == "directory" else iter([*planned, *strays, *foreign])
    del planned
    rss_before = archive.peak_rss_mb()

    started = time.perf_counter()
    result = sweep_site(deployment, site.id, index, store, now, dry_run=True, listing=listing)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "articles": args.articles,
                "listing": args.listing,
                "planned_outputs": sum(1 for _ in planned_paths(site, index, now)),
                "strays_planted": len(strays) if not reuse else "(earlier run)",
                "strays_found": result.removed,
                "dry_run_seconds": round(seconds, 2),
                "load_seconds": round(load_seconds, 1),
                "setup_seconds": round(setup_seconds, 1),
                "peak_rss_mb_before": round(rss_before, 1),
                "peak_rss_mb": round(archive.peak_rss_mb(), 1),
            }
        )
    )
    return 0 if reuse or result.removed == len(strays) else 1


if __name__ == "__main__":
    sys.exit(main())
