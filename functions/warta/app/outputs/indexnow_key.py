"""The IndexNow key file: `{key}.txt` at the site's root, holding the key itself.

IndexNow endpoints fetch it to check that whoever submits URLs controls the host.
"""

from __future__ import annotations

from datetime import datetime

from warta.app.outputs.changes import Change, Put
from warta.core.config import SiteConfig
from warta.core.planner import OutputKey
from warta.core.ports import ArticleIndex

TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"
# The [cache_control] key for the file; robots.txt's when the site config names none for it.
CACHE_POLICY = "indexnow_key"
FALLBACK_CACHE_POLICY = "robots"


def key_file_path(key: str) -> str:
    return f"{key}.txt"


def render_indexnow_key_output(
    key: OutputKey, site: SiteConfig, index: ArticleIndex, now: datetime
) -> list[Change]:
    secret = site.notify.indexnow_key
    if not secret:
        return []  # no key configured: nothing to publish
    policy = CACHE_POLICY if CACHE_POLICY in site.cache_control else FALLBACK_CACHE_POLICY
    return [Put(key_file_path(secret), secret.encode("utf-8"), TEXT_CONTENT_TYPE, policy)]
