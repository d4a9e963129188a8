"""The IndexNow key file: `{key}.txt` at the site's root, holding the key itself.

IndexNow endpoints fetch it to check that whoever submits URLs controls the host.
"""

from __future__ import annotations

from datetime import datetime

from warta.app.outputs.changes import Change, Put
from warta.core.config import SiteConfig
from warta.core.output_kinds import KINDS, cache_policy_of
from warta.core.planner import OutputKey
from warta.core.ports import ArticleIndex


def key_file_path(key: str) -> str:
    return f"{key}.txt"


def render_indexnow_key_output(
    key: OutputKey, site: SiteConfig, index: ArticleIndex, now: datetime
) -> list[Change]:
    secret = site.notify.indexnow_key
    if not secret:
        return []  # no key configured: nothing to publish
    # Its own [cache_control] key, or robots.txt's when the site config names none for it.
    policy = cache_policy_of("indexnow_key", site.cache_control)
    return [Put(key_file_path(secret), secret.encode("utf-8"), KINDS["indexnow_key"].content_type, policy)]
