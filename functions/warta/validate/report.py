"""What a validation found: failures that name a file and a reason, and notes on what was skipped."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Finding:
    path: str  # the output's path in the store, "" when no single file is at fault
    check: str  # which check failed: "xml", "sitemap-xsd", "feed", "amp", "index", "takedown", ...
    reason: str


@dataclass
class ValidationReport:
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # checks that could not run, and why
    checked: Counter[str] = field(default_factory=Counter)  # files checked per kind

    @property
    def ok(self) -> bool:
        return not self.findings

    def fail(self, path: str, check: str, reason: str) -> None:
        self.findings.append(Finding(path, check, reason))

    def failures_of(self, path: str) -> list[Finding]:
        return [f for f in self.findings if f.path == path]

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": dict(sorted(self.checked.items())),
            "failures": [{"path": f.path, "check": f.check, "reason": f.reason} for f in self.findings],
            "notes": list(self.notes),
        }

    def to_text(self) -> str:
        lines = []
        total = sum(self.checked.values())
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.checked.items()))
        lines.append(f"checked {total} files ({kinds})" if total else "checked no files")
        for note in self.notes:
            lines.append(f"note: {note}")
        if self.ok:
            lines.append("PASS: no failures")
        else:
            lines.append(f"FAIL: {len(self.findings)} failures")
            for f in sorted(self.findings, key=lambda f: (f.path, f.check, f.reason)):
                lines.append(f"  {f.path or '(tree)'}: [{f.check}] {f.reason}")
        return "\n".join(lines)
