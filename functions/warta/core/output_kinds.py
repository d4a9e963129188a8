"""Every kind of output warta writes, as one table: adding a kind is a row here and its renderer.

The planner takes its render order and the site-wide outputs from it, the config its required
[cache_control] keys, the render step its renderer by name (`app/render.py`, checked against
this table by a test), the validator's layout its path kinds, the outputs their content types.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from warta.core.config import SiteConfig

OutputKind = Literal[
    "amp", "feed", "shard", "sitemap_index", "news_sitemap", "robots", "indexnow_key", "amp_cache_key"
]

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"


def _always(site: SiteConfig) -> bool:
    return True


def _with_indexnow(site: SiteConfig) -> bool:
    return bool(site.notify.indexnow_key)


def _with_amp_cache(site: SiteConfig) -> bool:
    return site.notify.amp_cache is not None


@dataclass(frozen=True, slots=True)
class OutputKindSpec:
    name: OutputKind
    # Kinds render in this order within a batch: shards before the sitemap index that lists them.
    render_order: int
    # Its files' type; feeds' depends on the format (app/outputs/feeds.py CONTENT_TYPES).
    content_type: str
    # The [cache_control] key of its files, and whether every site config must have that key
    # (otherwise a missing key falls back to robots.txt's policy).
    cache_policy: str
    policy_required: bool
    # Rendered on every publish of a site (small, or moving with the clock), when the site has it.
    site_wide: Callable[[SiteConfig], bool] | None = None


OUTPUT_KINDS: tuple[OutputKindSpec, ...] = (
    OutputKindSpec("amp", 0, HTML, "amp", True),
    OutputKindSpec("feed", 1, "application/rss+xml; charset=utf-8", "feed", True),
    OutputKindSpec("shard", 2, XML, "sitemap", True),
    OutputKindSpec("sitemap_index", 3, XML, "sitemap_index", True, site_wide=_always),
    OutputKindSpec("news_sitemap", 4, XML, "news_sitemap", True, site_wide=_always),
    OutputKindSpec("robots", 5, TEXT, "robots", True, site_wide=_always),
    OutputKindSpec("indexnow_key", 6, TEXT, "indexnow_key", False, site_wide=_with_indexnow),
    OutputKindSpec("amp_cache_key", 7, TEXT, "amp_cache_key", False, site_wide=_with_amp_cache),
)
KINDS: Mapping[str, OutputKindSpec] = {kind.name: kind for kind in OUTPUT_KINDS}
RENDER_ORDER: Mapping[str, int] = {kind.name: kind.render_order for kind in OUTPUT_KINDS}
# The [cache_control] keys every site config must have.
REQUIRED_CACHE_POLICIES: tuple[str, ...] = tuple(k.cache_policy for k in OUTPUT_KINDS if k.policy_required)
# robots.txt's policy is the fallback of the optional ones (key files that rarely change).
FALLBACK_CACHE_POLICY = KINDS["robots"].cache_policy


def cache_policy_of(kind: OutputKind, cache_control: Mapping[str, str]) -> str:
    """The [cache_control] key a file of this kind uses in a site with these policies."""
    policy = KINDS[kind].cache_policy
    return policy if policy in cache_control else FALLBACK_CACHE_POLICY


def site_wide_kinds(site: SiteConfig) -> list[OutputKind]:
    return [kind.name for kind in OUTPUT_KINDS if kind.site_wide is not None and kind.site_wide(site)]
