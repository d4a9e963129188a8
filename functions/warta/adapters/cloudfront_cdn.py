"""CDN invalidation on CloudFront: one CreateInvalidation per render batch."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:  # boto3-stubs, a dev dependency: never imported at run time
    from mypy_boto3_cloudfront import CloudFrontClient

# CloudFront bills invalidations per path after the first 1,000 a month, and a wildcard counts
# as one path (CloudFront Developer Guide, "Paying for file invalidation"); a batch bigger than
# this (a rebuild) invalidates everything with one wildcard instead.
WILDCARD_THRESHOLD = 500


def invalidation_paths(paths: Iterable[str]) -> list[str]:
    """De-duplicated, sorted, absolute and URL-encoded, as CloudFront expects them."""
    unique = sorted({"/" + quote(p.lstrip("/"), safe="/-._~!$&'()*+,;=:@") for p in paths})
    if len(unique) > WILDCARD_THRESHOLD:
        return ["/*"]
    return unique


class CloudFrontInvalidator:
    def __init__(self, client: CloudFrontClient, distribution_id: str) -> None:
        self._cf = client
        self.distribution_id = distribution_id

    def invalidate(self, paths: Iterable[str]) -> str | None:
        """Invalidate the paths; returns the invalidation id (None when there was nothing)."""
        items = invalidation_paths(paths)
        if not items or not self.distribution_id:
            return None
        response = self._cf.create_invalidation(
            DistributionId=self.distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": len(items), "Items": items},
                # Must be unique per request: reusing one returns the earlier invalidation.
                "CallerReference": uuid.uuid4().hex,
            },
        )
        return response["Invalidation"]["Id"]
