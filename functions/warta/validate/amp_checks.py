"""AMP pages through the official AMP validator, offline, in one node process per batch.

The validator is what `tools/amp-validator/install.sh` puts in `.cache/amp-validator/` of a
checkout; `tools/amp-validator/validate.js` loads it once and checks many pages. Both are
looked for under the current directory and under the checkout this package lives in.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = "run `bash tools/amp-validator/install.sh` in a warta checkout"
PAGES_PER_BATCH = 200  # bounds the JSON handed to node at once
TIMEOUT_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class AmpValidator:
    script: Path
    validator_js: Path

    def validate(self, pages: dict[str, bytes]) -> dict[str, list[str]]:
        """Errors per page name; an empty list is a PASS. Warnings do not fail a page."""
        results: dict[str, list[str]] = {}
        texts: dict[str, str] = {}
        for name, body in pages.items():
            try:
                texts[name] = body.decode("utf-8")
            except UnicodeDecodeError as exc:
                results[name] = [f"page is not valid UTF-8: {exc}"]  # AMP pages must be UTF-8
        if not texts:
            return results
        proc = subprocess.run(
            ["node", str(self.script), "--validator_js", str(self.validator_js), "-"],
            input=json.dumps({"pages": texts}).encode("utf-8"),
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
        # validate.js exits 1 when a page fails; anything else is a setup problem.
        if proc.returncode not in (0, 1):
            raise RuntimeError(
                f"validate.js exited {proc.returncode}: {proc.stderr.decode(errors='replace')}"
            )
        report = json.loads(proc.stdout)
        results.update({name: list(report[name]["errors"]) for name in texts})
        return results


def _roots() -> list[Path]:
    checkout = Path(__file__).resolve().parents[3]  # functions/warta/validate/ → the checkout
    return list(dict.fromkeys([Path.cwd(), checkout]))


def find_amp_validator() -> AmpValidator | str:
    """The validator, or why it cannot run here (a sentence saying how to fix it)."""
    if shutil.which("node") is None:
        return f"node is not on PATH: install Node.js, then {INSTALL_HINT}"
    for root in _roots():
        script = root / "tools" / "amp-validator" / "validate.js"
        cache = root / ".cache" / "amp-validator"
        validator_js = cache / "validator_wasm.js"
        module = cache / "node_modules" / "amphtml-validator" / "index.js"
        if script.is_file() and validator_js.is_file() and module.is_file():
            return AmpValidator(script, validator_js)
    return f"the official AMP validator is not installed: {INSTALL_HINT}"


def _validate_isolating_failures(validator: AmpValidator, pages: dict[str, bytes]) -> dict[str, list[str]]:
    """A batch whose node process dies (out of memory on a 4 MB page, a timeout) is split in
    halves until the page that kills it stands alone; that page fails with the reason, and every
    other page still gets its verdict."""
    try:
        return validator.validate(pages)
    except (RuntimeError, subprocess.TimeoutExpired, json.JSONDecodeError) as exc:
        if len(pages) == 1:
            reason = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
            return {name: [f"the AMP validator could not check this page: {reason}"] for name in pages}
    names = list(pages)
    half = len(names) // 2
    results = _validate_isolating_failures(validator, {n: pages[n] for n in names[:half]})
    results.update(_validate_isolating_failures(validator, {n: pages[n] for n in names[half:]}))
    return results


def validate_amp_pages(
    validator: AmpValidator,
    pages: Iterable[tuple[str, bytes]],
    on_batch: Callable[[int], None] | None = None,
) -> dict[str, list[str]]:
    """Errors per page, validating `PAGES_PER_BATCH` pages per node process."""
    results: dict[str, list[str]] = {}
    batch: dict[str, bytes] = {}

    def flush() -> None:
        results.update(_validate_isolating_failures(validator, dict(batch)))
        if on_batch is not None:
            on_batch(len(batch))
        batch.clear()

    for name, body in pages:
        batch[name] = body
        if len(batch) >= PAGES_PER_BATCH:
            flush()
    if batch:
        flush()
    return results
