"""What a render asks the CDN to forget: only takedown renders, unless the site says otherwise."""

from __future__ import annotations

import pytest

from warta.app.cdn import paths_to_invalidate
from warta.app.render import RenderReport


def _report(*outcomes: tuple[str, str, str]) -> RenderReport:
    report = RenderReport()
    for kind, path, outcome in outcomes:
        report.outcomes[(kind, outcome)] += 1  # type: ignore[index]
        if outcome != "unchanged":
            report.changed_paths.append(path)
    return report


PUBLISH = _report(("amp", "amp/a.html", "written"), ("feed", "feed/index.xml", "written"))
TAKEDOWN = _report(("amp", "amp/a.html", "deleted"), ("feed", "feed/index.xml", "written"))


@pytest.mark.parametrize(
    ("report", "policy", "expected"),
    [
        (PUBLISH, "takedowns", []),
        (PUBLISH, "changes", ["amp/a.html", "feed/index.xml"]),
        (TAKEDOWN, "takedowns", ["amp/a.html", "feed/index.xml"]),
        (TAKEDOWN, "changes", ["amp/a.html", "feed/index.xml"]),
        (RenderReport(), "changes", []),
    ],
)
def test_paths_to_invalidate(report: RenderReport, policy: str, expected: list[str]) -> None:
    assert paths_to_invalidate(report, policy) == expected  # type: ignore[arg-type]
