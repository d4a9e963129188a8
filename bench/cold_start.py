"""Cold-start cost of each Lambda function, measured from the artifact `sam build` ships.

Run: `make bench-cold-start` (or `python bench/cold_start.py --runs 7`). Builds the artifact with
the template's recipe (functions/Makefile) for this machine's CPU, then imports each function's
handler module in a fresh interpreter of the runtime's Python (`-I -S`: nothing but the artifact
on sys.path) with Lambda's environment set, Tracer on as deployed. Prints the artifact's size and
the median import time per handler: what a cold start adds before the first event is handled
(the Lambda runtime's own start and the network are not in it).
"""

from __future__ import annotations

import argparse
import atexit
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.lambda_artifact import (
    build_artifact,
    host_architecture,
    interpreter_command,
    lambda_environment,
    lambda_python,
)

HANDLERS = ("ingest", "webhook", "render", "schedule", "rebuild")
PROBE = (
    "import sys, time, importlib; sys.path.insert(0, {artifact!r}); t = time.perf_counter();"
    " importlib.import_module('warta.handlers.{name}');"
    " print(time.perf_counter() - t)"
)


@cache
def artifact() -> Path:
    scratch = Path(tempfile.mkdtemp(prefix="warta-cold-"))
    atexit.register(shutil.rmtree, scratch, True)
    return build_artifact(scratch / "artifact", host_architecture())


def artifact_megabytes() -> float:
    return sum(p.stat().st_size for p in artifact().rglob("*") if p.is_file()) / 1e6


def import_seconds(name: str) -> float:
    env = {
        **lambda_environment(artifact(), f"warta.handlers.{name}.handler", f"warta-{name}"),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "warta",
    }
    out = subprocess.run(
        [*interpreter_command(lambda_python()), "-c", PROBE.format(artifact=str(artifact()), name=name)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=artifact(),
    ).stdout
    return float(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"artifact ({host_architecture()}, {lambda_python().name}): {artifact_megabytes():.1f} MB unzipped")
    print(f"{'handler':<10} {'median ms':>10} {'min ms':>8} {'max ms':>8}   ({args.runs} interpreters each)")
    for name in HANDLERS:
        samples = [import_seconds(name) * 1000 for _ in range(args.runs)]
        print(f"{name:<10} {statistics.median(samples):>10.1f} {min(samples):>8.1f} {max(samples):>8.1f}")
    print(f"(took {time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
