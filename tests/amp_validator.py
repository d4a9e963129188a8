"""Run the official AMP validator over many pages in one node process.

The validator is installed by `tools/amp-validator/install.sh` into `.cache/amp-validator/`;
`tools/amp-validator/validate.js` loads it once and checks every page, so a test suite pays
node's and the validator's start-up cost (about a second) once rather than per page.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".cache" / "amp-validator"
VALIDATOR_JS = CACHE / "validator_wasm.js"
VALIDATOR_MODULE = CACHE / "node_modules" / "amphtml-validator" / "index.js"
SCRIPT = REPO / "tools" / "amp-validator" / "validate.js"
INSTALL_HINT = "run `bash tools/amp-validator/install.sh` to install the AMP validator"


class ValidatorUnavailable(RuntimeError):
    """node or the locally installed validator is missing; the message says how to fix it."""


def validator_problem() -> str | None:
    """Why the validator cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return f"node is not on PATH; install Node.js, then {INSTALL_HINT}"
    for needed in (VALIDATOR_JS, VALIDATOR_MODULE, SCRIPT):
        if not needed.is_file():
            return f"{needed} is missing: {INSTALL_HINT}"
    return None


def validate_amp(pages: dict[str, bytes], timeout: float = 300.0) -> dict[str, list[str]]:
    """Validate each page as AMP; returns its errors per page name (an empty list is a PASS).

    Warnings do not fail a page and are not returned. A page that is not UTF-8 fails with one
    error, as AMP pages must be UTF-8.
    """
    problem = validator_problem()
    if problem is not None:
        raise ValidatorUnavailable(problem)
    results: dict[str, list[str]] = {}
    texts: dict[str, str] = {}
    for name, body in pages.items():
        try:
            texts[name] = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            results[name] = [f"page is not valid UTF-8: {exc}"]
    if not texts:
        return results
    proc = subprocess.run(
        ["node", str(SCRIPT), "--validator_js", str(VALIDATOR_JS), "-"],
        input=json.dumps({"pages": texts}).encode("utf-8"),
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    # validate.js exits 1 when some page fails; anything else non-zero is a setup problem.
    if proc.returncode not in (0, 1):
        raise ValidatorUnavailable(
            f"validate.js exited {proc.returncode}: {proc.stderr.decode(errors='replace')}"
        )
    report = json.loads(proc.stdout)
    for name in texts:
        results[name] = list(report[name]["errors"])
    return results
