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
from xml.etree import ElementTree

REPO = Path(__file__).resolve().parent.parent
SUITES = ["tests/test_reliability_local.py", "tests/test_reliability_aws.py"]


# Which tests make up each run: a run passes when all of its tests pass.
RUN_TESTS = {
    "local": "tests/test_reliability_local.py::",
    "aws": "tests/test_reliability_aws.py::test_stress_through_the_aws_entry_points",
    "aws-faults": "tests/test_reliability_aws.py::test_faults_and_deaths_converge_to_the_model",
}


def _failed_tests(junit: Path) -> list[str]:
    if not junit.exists():
        return ["(no test report)"]
    failed = []
    for case in ElementTree.parse(junit).iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            path = case.get("classname", "").replace(".", "/") + ".py"
            failed.append(f"{path}::{case.get('name')}")
    return failed


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        report, junit = Path(tmp) / "figures.jsonl", Path(tmp) / "junit.xml"
        env = {**os.environ, "WARTA_STRESS_FULL": "1", "WARTA_STRESS_REPORT": str(report)}
        pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:logging", f"--junitxml={junit}", *SUITES]
        status = subprocess.run(pytest, cwd=REPO, env=env, check=False).returncode
        figures = {}
        if report.exists():
            figures = {run["run"]: run for run in map(json.loads, report.read_text().splitlines())}
        failed = _failed_tests(junit) if status else []
    print()
    print(f"{'run':<12} {'events':>7} {'workers':>8} {'faults':>8} {'outputs checked':>16}  result")
    for name, tests in RUN_TESTS.items():
        result = "FAIL" if any(test.startswith(tests) for test in failed) else "pass"
        run = figures.get(name)
        if run is None:  # a run records its figures once its checks passed
            print(f"{name:<12} {'-':>7} {'-':>8} {'-':>8} {'-':>16}  {'FAIL' if status else 'not run'}")
            continue
        if name == "local":
            # Faults on the local default: a process killed before its render, a lost queue.
            faults, checked = 2, run["outputs"]  # every file byte-compared with the sequential run
        else:
            faults, checked = run.get("faults", 0), run["outputs_checked"]
        print(f"{name:<12} {run['events']:>7} {run['workers']:>8} {faults:>8} {checked:>16}  {result}")
        for kind, count in sorted(run.get("faults_by_kind", {}).items()):
            print(f"{'':<12}   {kind}: {count}")
        if "failed_invocations" in run:
            print(f"{'':<12}   invocations: {run['invocations']}, failed: {run['failed_invocations']}")
            print(f"{'':<12}   renders delivered twice: {run['renders_repeated']}")
            print(f"{'':<12}   dead letters replayed by on-call: {run.get('dlq_replayed', 0)}")
    for test in failed:
        print(f"FAILED {test}")
    return status


if __name__ == "__main__":
    sys.exit(main())
