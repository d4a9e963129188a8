"""Which changed paths a render asks the CDN to forget, by the site's invalidation policy."""

from __future__ import annotations

from warta.app.render import RenderReport
from warta.core.config import CdnInvalidate


def paths_to_invalidate(report: RenderReport, policy: CdnInvalidate) -> list[str]:
    """Every changed path of a render that deleted something; under "changes", of any render.
    A render in which an article page went: every path it rendered, changed or not.

    A deletion means an article left an output (takedown, a URL change, a reschedule): the CDN
    must not keep serving it, so every output that changed with it is invalidated too. When the
    render that deleted the page died before its invalidation, the re-render finds the page gone
    and the feeds already rewritten: only the unchanged paths name what the CDN still serves.
    """
    if report.article_left:
        return [*report.changed_paths, *report.unchanged_paths]
    if policy == "changes" or report.count("deleted") > 0:
        return list(report.changed_paths)
    return []
