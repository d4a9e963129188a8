"""Which output a path of the tree is, read from the site config's path templates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from warta.core.config import FeedSpec, FeedVariant, SiteConfig
from warta.core.output_kinds import OutputKind

# A file of the tree is of one of the output kinds (core/output_kinds.py), or none of them.
PathKind = OutputKind | Literal["other"]

_PERIOD = r"(?P<period>\d{4}-\d{2}(?:-\d{2})?)"  # month or day shards (core.planner.shard_period)


def _template(template: str, **groups: str) -> re.Pattern[str]:
    pattern = re.escape(template)
    for name, group in groups.items():
        pattern = pattern.replace(re.escape("{" + name + "}"), group)
    return re.compile(pattern)


@dataclass(frozen=True, slots=True)
class OutputPath:
    kind: PathKind
    feed: FeedSpec | None = None
    variant: FeedVariant | None = None
    value: str | None = None  # the section, tag or author slug of a feed
    period: str | None = None  # a shard's period


@dataclass(frozen=True, slots=True)
class SiteLayout:
    site: SiteConfig
    feeds: tuple[tuple[re.Pattern[str], FeedSpec, FeedVariant], ...]
    shard: re.Pattern[str]
    shard_part: re.Pattern[str]
    amp: re.Pattern[str]

    @classmethod
    def of(cls, site: SiteConfig) -> SiteLayout:
        value = r"(?P<value>[^/]+)"
        variants = [(spec, variant) for spec in site.feeds for variant in spec.all_variants()]
        # Fixed paths first: "feed/index.xml" is the home feed, not the section "index".
        variants.sort(key=lambda pair: "{" in pair[1].path)
        return cls(
            site=site,
            feeds=tuple(
                (_template(variant.path, section=value, tag=value, author=value), spec, variant)
                for spec, variant in variants
            ),
            shard=_template(site.sitemaps.shard_path, period=_PERIOD),
            shard_part=_template(site.sitemaps.shard_part_path, period=_PERIOD, part=r"(?P<part>\d+)"),
            amp=_template(site.amp.path, path=r"(?P<path>.+)"),
        )

    def classify(self, rel: str) -> OutputPath:
        """What the path (relative to the site's output prefix) holds."""
        maps = self.site.sitemaps
        fixed: dict[str, PathKind] = {
            maps.index_path: "sitemap_index",
            maps.news_path: "news_sitemap",
            maps.robots_path: "robots",
        }
        if rel in fixed:
            return OutputPath(fixed[rel])
        for pattern, spec, variant in self.feeds:
            match = pattern.fullmatch(rel)
            if match:
                return OutputPath("feed", spec, variant, value=match.groupdict().get("value"))
        for pattern in (self.shard_part, self.shard):
            match = pattern.fullmatch(rel)
            if match:
                return OutputPath("shard", period=match["period"])
        if self.amp.fullmatch(rel):
            return OutputPath("amp")
        return OutputPath("other")

    def path_of_url(self, url: str) -> str | None:
        """The site-relative output path served at a public URL, or None when off the site."""
        base = self.site.public_base_url.rstrip("/") + "/"
        return url[len(base) :] if url.startswith(base) else None
