"""The AMP cache key file: the site's RSA public key, in PEM, at /.well-known/amphtml/apikey.pub.

An AMP cache fetches it to check the signature of an update-cache request (core.amp_cache);
AMP's "Update AMP Content" asks for PEM served as text/plain.
"""

from __future__ import annotations

from datetime import datetime

from warta.app.outputs.changes import Change, Put
from warta.core.amp_cache import AMP_CACHE_KEY_PATH
from warta.core.config import SiteConfig
from warta.core.output_kinds import KINDS, cache_policy_of
from warta.core.planner import OutputKey
from warta.core.ports import ArticleIndex


def render_amp_cache_key_output(
    key: OutputKey, site: SiteConfig, index: ArticleIndex, now: datetime
) -> list[Change]:
    spec = site.notify.amp_cache
    if spec is None:
        return []  # no AMP cache configured: nothing to publish
    # Its own [cache_control] key, or robots.txt's when the site config names none for it.
    policy = cache_policy_of("amp_cache_key", site.cache_control)
    return [
        Put(AMP_CACHE_KEY_PATH, spec.public_key.encode("ascii"), KINDS["amp_cache_key"].content_type, policy)
    ]
