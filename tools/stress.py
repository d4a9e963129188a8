"""`make stress`: the reliability suites at full size, then the figures they measured.

Runs tests/test_reliability_local.py (concurrent processes on the local default) and
tests/test_reliability_aws.py (threads through the Lambda entry points on a moto server, with and
without injected faults) with WARTA_STRESS_FULL=1, and prints for each run: events, workers,
faults injected, outputs checked and the result. Exit status: pytest's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SUITES = ["tests/test_reliability_local.py", "tests/test_reliability_aws.py"]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "figures.jsonl"
        env = {**os.environ, "WARTA_STRESS_FULL": "1", "WARTA_STRESS_REPORT": str(report)}
        pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:logging", *SUITES]
        status = subprocess.run(pytest, cwd=REPO, env=env, check=False).returncode
        runs = [json.loads(line) for line in report.read_text().splitlines()] if report.exists() else []
    result = "pass" if status == 0 else "FAIL (see pytest above)"
    print()
    print(f"{'run':<12} {'events':>7} {'workers':>8} {'faults':>8} {'outputs checked':>16}  result")
    for run in runs:
        if run["run"] == "local":
            # Faults on the local default: a process killed before its render, a lost queue.
            faults, checked = 2, run["outputs"]  # every file byte-compared with the sequential run
        else:
            faults, checked = run.get("faults", 0), run["outputs_checked"]
        print(f"{run['run']:<12} {run['events']:>7} {run['workers']:>8} {faults:>8} {checked:>16}  {result}")
        if run.get("faults_by_kind"):
            for kind, count in sorted(run["faults_by_kind"].items()):
                print(f"{'':<12}   {kind}: {count}")
            print(f"{'':<12}   invocations: {run['invocations']}, failed: {run['failed_invocations']}")
            print(f"{'':<12}   renders delivered twice: {run['renders_repeated']}")
    if not runs:
        print("no figures were recorded")
    return status


if __name__ == "__main__":
    sys.exit(main())
