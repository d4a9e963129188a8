"""Which changed paths a render asks the CDN to forget, by the site's invalidation policy."""

from __future__ import annotations

from warta.app.render import RenderReport
from warta.core.config import CdnInvalidate


def paths_to_invalidate(report: RenderReport, policy: CdnInvalidate) -> list[str]:
    """Every changed path of a render that deleted something; under "changes", of any render.

    A deletion means an article left an output (takedown, a URL change, a reschedule): the CDN
    must not keep serving it, so every output that changed with it is invalidated too.
    """
    if policy == "changes" or report.count("deleted") > 0:
        return list(report.changed_paths)
    return []
