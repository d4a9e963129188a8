"""What one site's part of the tree holds, as the per-file checks read it."""

from __future__ import annotations

from dataclasses import dataclass, field

from warta.core.config import FeedSpec, FeedVariant
from warta.validate.feed_checks import FeedSummary
from warta.validate.layout import SiteLayout


@dataclass(frozen=True, slots=True)
class FeedFile:
    path: str  # site-relative
    spec: FeedSpec
    variant: FeedVariant
    value: str | None  # section or tag
    summary: FeedSummary | None  # None when the file could not be parsed


@dataclass(frozen=True, slots=True)
class ShardFile:
    path: str
    period: str
    locs: tuple[str, ...]


@dataclass
class SiteTree:
    layout: SiteLayout
    paths: set[str] = field(default_factory=set)  # site-relative paths of every file
    feeds: dict[str, FeedFile] = field(default_factory=dict)
    shards: dict[str, ShardFile] = field(default_factory=dict)
    index_locs: list[str] | None = None  # None: no (readable) sitemap index
    news_locs: list[str] = field(default_factory=list)
    robots_sitemaps: list[str] | None = None
    amp_pages: set[str] = field(default_factory=set)

    def store_path(self, rel: str) -> str:
        return self.layout.site.output_prefix + rel

    def shard_locs(self, period: str) -> set[str]:
        return {loc for shard in self.shards.values() if shard.period == period for loc in shard.locs}
