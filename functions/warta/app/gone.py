"""Which paths of a public tree belonged to a taken-down article, so they answer 410 Gone.

`warta serve` asks on each request; on AWS the Gone function (the AMP cache behavior's
fallback origin: CloudFront asks it when the bucket answers 404) asks with the same rule. A
crawler that gets 410 drops the URL; a 404 it retries for weeks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from warta.app.outputs.amp import amp_path
from warta.core.config import Deployment
from warta.core.operator_records import Takedown


def gone_paths(deployment: Deployment, takedowns: Callable[[str], Iterable[Takedown]]) -> set[str]:
    """Tree paths (no leading slash) of the AMP pages of every tombstone whose last URL is known."""
    return {
        site.output_prefix + amp_path(site, gone.url)
        for site in deployment.sites.values()
        for gone in takedowns(site.id)
        if gone.url
    }
