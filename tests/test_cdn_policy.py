"""What a render asks the CDN to forget: only takedown renders, unless the site says otherwise."""

from __future__ import annotations

import pytest

from warta.app.cdn import paths_to_invalidate
from warta.app.render import RenderReport


def _report(*outcomes: tuple[str, str, str], article_left: bool = False) -> RenderReport:
    report = RenderReport(article_left=article_left)
    for kind, path, outcome in outcomes:
        report.outcomes[(kind, outcome)] += 1  # type: ignore[index]
        if outcome != "unchanged":
            report.changed_paths.append(path)
        else:
            report.unchanged_paths.append(path)
    return report


PUBLISH = _report(
    ("amp", "amp/a.html", "written"),
    ("feed", "feed/index.xml", "written"),
    ("robots", "robots.txt", "unchanged"),
)
TAKEDOWN = _report(("amp", "amp/a.html", "deleted"), ("feed", "feed/index.xml", "written"), article_left=True)
# The same takedown rendered again after its first render died having written everything.
TAKEDOWN_AGAIN = _report(
    ("amp", "amp/a.html", "unchanged"), ("feed", "feed/index.xml", "unchanged"), article_left=True
)
# A section feed emptied (its last article moved section): deleted, but no page went.
FEED_EMPTIED = _report(("feed", "feed/olahraga.xml", "deleted"), ("feed", "feed/index.xml", "unchanged"))


@pytest.mark.parametrize(
    ("report", "policy", "expected"),
    [
        (PUBLISH, "takedowns", []),
        (PUBLISH, "changes", ["amp/a.html", "feed/index.xml"]),
        (TAKEDOWN, "takedowns", ["amp/a.html", "feed/index.xml"]),
        (TAKEDOWN, "changes", ["amp/a.html", "feed/index.xml"]),
        (TAKEDOWN_AGAIN, "takedowns", ["amp/a.html", "feed/index.xml"]),
        (TAKEDOWN_AGAIN, "changes", ["amp/a.html", "feed/index.xml"]),
        (FEED_EMPTIED, "takedowns", ["feed/olahraga.xml"]),
        (RenderReport(), "changes", []),
    ],
)
def test_paths_to_invalidate(report: RenderReport, policy: str, expected: list[str]) -> None:
    assert paths_to_invalidate(report, policy) == expected  # type: ignore[arg-type]
