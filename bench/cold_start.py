"""Cold-start cost of each Lambda handler: the time to import its module in a fresh interpreter.

Run: `make bench-cold-start` (or `python bench/cold_start.py --runs 7`). Prints the median of
the runs per handler. Import time is what a cold start adds before the first event is handled;
the Lambda runtime's own start and the network are not in it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

HANDLERS = ("ingest", "webhook", "render", "schedule", "rebuild")
PROBE = (
    "import time, importlib; t = time.perf_counter();"
    " importlib.import_module('warta.handlers.{name}');"
    " print(time.perf_counter() - t)"
)


def import_seconds(name: str) -> float:
    env = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "true", "AWS_DEFAULT_REGION": "us-east-1"}
    out = subprocess.run(
        [sys.executable, "-X", "frozen_modules=on", "-c", PROBE.format(name=name)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    return float(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"{'handler':<10} {'median ms':>10} {'min ms':>8} {'max ms':>8}   ({args.runs} interpreters each)")
    for name in HANDLERS:
        samples = [import_seconds(name) * 1000 for _ in range(args.runs)]
        print(f"{name:<10} {statistics.median(samples):>10.1f} {min(samples):>8.1f} {max(samples):>8.1f}")
    print(f"(took {time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
