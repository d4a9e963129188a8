"""`warta import wordpress` on a synthetic export of N posts (default 100,000): rate and peak RSS.

Writes the export (every 10th post a draft, each post's featured image an attachment item after
it), then runs `warta import wordpress --dry-run` in a child process so its peak RSS is its own:
the whole stream (two passes over the file, every post mapped and printed as a JSON line). With
--publish it publishes into a temporary tree instead (much slower: full ingest and render).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from archive import SITE, spec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--publish", action="store_true")
    args = parser.parse_args()
    from warta.synthetic.wxr import write_wxr

    with tempfile.TemporaryDirectory() as scratch:
        export = Path(scratch) / "export.xml"
        started = time.perf_counter()
        with export.open("w") as out:
            write_wxr(spec(args.posts), out)
        size_mb = export.stat().st_size / 1e6
        print(f"export: {args.posts:,} posts, {size_mb:,.0f} MB in {time.perf_counter() - started:.0f} s")
        command = [
            sys.executable,
            "-m",
            "warta.cli.main",
            "import",
            "wordpress",
            str(export),
            "--config",
            str(SITE),
        ]
        command += [
            "--out",
            f"{scratch}/public",
            "--state",
            f"{scratch}/state",
            "--progress",
            "off",
            "--no-ping",
        ]
        if not args.publish:
            command.append("--dry-run")
        started = time.perf_counter()
        events_file = Path(scratch) / "events.jsonl"
        with events_file.open("wb") as events_out:
            result = subprocess.run(command, stdout=events_out, stderr=subprocess.PIPE, check=False)
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        with events_file.open("rb") as lines:
            events = sum(1 for _ in lines)
        print(f"import: exit {result.returncode}, {seconds:.1f} s, {args.posts / seconds:,.0f} posts/s,"
              f" peak RSS {peak_mb:,.0f} MB, {events:,} lines out")  # fmt: skip
        print(result.stderr.decode()[-500:])


if __name__ == "__main__":
    main()
