"""The Lambda artifact as `sam build` makes it, and Lambda's environment to run it in.

`build_artifact` runs the recipe template.yaml's functions use (functions/Makefile, BuildMethod:
makefile) for a given CPU, so the tests and `bench/cold_start.py` run the very bytes SAM ships,
in an interpreter of the runtime's Python with nothing but the artifact on `sys.path`.
"""

from __future__ import annotations

import glob
import os
import platform
import re
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template.yaml"
FUNCTIONS = REPO / "functions"
LOCK = FUNCTIONS / "requirements.lock"


def _globals_function() -> str:
    text = TEMPLATE.read_text()
    return text[text.index("Globals:") : text.index("Resources:")]


def runtime_python_version() -> str:
    """'3.12' for `Runtime: python3.12` in the template's Globals."""
    match = re.search(r"^\s+Runtime: python(\d+\.\d+)\s*$", _globals_function(), re.MULTILINE)
    assert match, "template.yaml Globals names no python runtime"
    return match.group(1)


def template_architecture() -> str:
    """The ELF machine name of the template's `Architectures` (arm64 → aarch64)."""
    match = re.search(r"^\s+Architectures: \[(\w+)\]\s*$", _globals_function(), re.MULTILINE)
    assert match, "template.yaml Globals names no architecture"
    return {"arm64": "aarch64", "x86_64": "x86_64"}[match.group(1)]


def host_architecture() -> str:
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(platform.machine().lower(), platform.machine())


def lambda_python() -> Path:
    """An interpreter of the runtime's Python version: on PATH, else one pyenv installed.

    `make` passes the one it found as WARTA_LAMBDA_PYTHON (tools/lambda/find-python.sh)."""
    version = runtime_python_version()
    candidates = [os.environ.get("WARTA_LAMBDA_PYTHON", ""), shutil.which(f"python{version}") or ""]
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates += sorted(glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python{version}"), reverse=True)
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
        )
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return Path(candidate)
    raise RuntimeError(
        f"no Python {version} (template.yaml's runtime) on this machine: install it (pyenv install"
        f" {version}) or put python{version} on PATH"
    )


def build_artifact(out: Path, architecture: str) -> Path:
    """`make build-<Function>` as `sam build` runs it, for `architecture` (aarch64 or x86_64)."""
    subprocess.run(
        ["make", "--no-print-directory", "-C", str(FUNCTIONS), "artifact",
         f"ARTIFACTS_DIR={out}", f"LAMBDA_ARCH={architecture}"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return out


def lambda_environment(artifact: Path, handler: str, function_name: str) -> dict[str, str]:
    """The variables Lambda sets in a python runtime's sandbox (what Powertools looks at)."""
    version = runtime_python_version()
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "LAMBDA_TASK_ROOT": str(artifact),
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_python{version}",
        "AWS_LAMBDA_FUNCTION_NAME": function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function_name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/12/04/[$LATEST]0123456789abcdef",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "_HANDLER": handler,
        # X-Ray: Tracer is on, as in the template; segments go to the daemon address over UDP
        # on loopback, where nothing listens.
        "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
    }


def interpreter_command(python: Path) -> list[str]:
    """A fresh interpreter that sees only the standard library (-I -S: no site-packages, no
    PYTHON* variables, no script folder) and writes no bytecode (-B: /var/task is read-only on
    Lambda); the caller puts the artifact on sys.path."""
    return [str(python), "-I", "-S", "-B"]
