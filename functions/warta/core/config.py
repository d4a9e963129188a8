"""Site configuration: every fact that differs between sites, loaded from TOML.

A deployment publishes one or more sites; events name theirs in `site`, and an event without
one belongs to the deployment's default site (the first one loaded).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

FeedSelect = Literal["all", "section", "tag"]
BoilerplateAction = Literal["drop", "related"]
ShardPeriod = Literal["month", "day"]

DEFAULT_FEED_SIZE = 50
OUTPUT_KINDS = ("amp", "feed", "sitemap", "sitemap_index", "news_sitemap", "robots")


class ConfigError(ValueError):
    """The site configuration is unusable; the message names the key."""


@dataclass(frozen=True, slots=True)
class Logo:
    url: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class FeedSpec:
    name: str  # the config table's name: "home", "section", ...
    select: FeedSelect
    path: str
    title: str
    size: int
    ttl_minutes: int


@dataclass(frozen=True, slots=True)
class BoilerplateRule:
    name: str
    pattern: re.Pattern[str]
    action: BoilerplateAction


@dataclass(frozen=True, slots=True)
class AmpSpec:
    path: str
    subscriber_teaser_paragraphs: int


@dataclass(frozen=True, slots=True)
class SitemapSpec:
    index_path: str
    shard_period: ShardPeriod
    shard_path: str
    shard_part_path: str
    news_path: str
    news_window_hours: int
    robots_path: str


@dataclass(frozen=True, slots=True)
class SiteConfig:
    id: str
    name: str
    description: str
    base_url: str
    public_base_url: str
    output_prefix: str  # where this site's tree starts in a store that several sites share
    language: str
    timezone: ZoneInfo
    logo: Logo
    sections: Mapping[str, str]
    feeds: tuple[FeedSpec, ...]
    amp: AmpSpec
    sitemaps: SitemapSpec
    cache_control: Mapping[str, str]
    boilerplate: tuple[BoilerplateRule, ...]
    caption_credit: re.Pattern[str] | None

    @property
    def domain(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    def public_url(self, path: str) -> str:
        """The URL at which an output path of this site is served."""
        return f"{self.public_base_url.rstrip('/')}/{path}"


@dataclass(frozen=True, slots=True)
class Deployment:
    """Every site one deployment publishes; the first is the default."""

    sites: Mapping[str, SiteConfig]
    default_site: str

    def site(self, site_id: str | None) -> SiteConfig | None:
        return self.sites.get(site_id or self.default_site)


def _require(table: Mapping[str, Any], key: str, where: str, kind: type = str) -> Any:
    if key not in table:
        raise ConfigError(f"{where}.{key}: missing")
    value = table[key]
    if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
        raise ConfigError(f"{where}.{key}: expected {kind.__name__}, got {value!r}")
    return value


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE | re.DOTALL)
    except re.error as exc:
        raise ConfigError(f"{where}: invalid regular expression: {exc}") from None


def _output_prefix(value: str) -> str:
    prefix = value.strip("/")
    if any(part in ("", ".", "..") for part in prefix.split("/")) and prefix:
        raise ConfigError(f"site.output_prefix: {value!r} is not a plain folder path")
    return f"{prefix}/" if prefix else ""


def site_from_mapping(data: Mapping[str, Any]) -> SiteConfig:
    site = _require(data, "site", "", dict)
    logo = _require(site, "logo", "site", dict)
    sections = _require(data, "sections", "", dict)
    feeds = []
    for name, table in _require(data, "feeds", "", dict).items():
        where = f"feeds.{name}"
        select = _require(table, "select", where)
        if select not in ("all", "section", "tag"):
            raise ConfigError(f"{where}.select: expected all, section or tag, got {select!r}")
        feeds.append(
            FeedSpec(
                name=name,
                select=select,
                path=_require(table, "path", where),
                title=table.get("title", site.get("name", "")),
                size=int(table.get("size", DEFAULT_FEED_SIZE)),
                ttl_minutes=int(table.get("ttl_minutes", 5)),
            )
        )
    amp = _require(data, "amp", "", dict)
    maps = _require(data, "sitemaps", "", dict)
    period = maps.get("shard_period", "month")
    if period not in ("month", "day"):
        raise ConfigError(f"sitemaps.shard_period: expected month or day, got {period!r}")
    cache = _require(data, "cache_control", "", dict)
    for kind in OUTPUT_KINDS:
        _require(cache, kind, "cache_control")
    rules = []
    for i, rule in enumerate(data.get("boilerplate", [])):
        where = f"boilerplate[{i}]"
        action = rule.get("action", "drop")
        if action not in ("drop", "related"):
            raise ConfigError(f"{where}.action: expected drop or related, got {action!r}")
        rules.append(
            BoilerplateRule(
                name=rule.get("name", where),
                pattern=_compile(_require(rule, "pattern", where), f"{where}.pattern"),
                action=action,
            )
        )
    credit = data.get("captions", {}).get("credit_pattern")
    base_url = _require(site, "base_url", "site").rstrip("/")
    try:
        tz = ZoneInfo(_require(site, "timezone", "site"))
    except (KeyError, ValueError):
        raise ConfigError(f"site.timezone: unknown time zone {site['timezone']!r}") from None
    return SiteConfig(
        id=_require(site, "id", "site"),
        name=_require(site, "name", "site"),
        description=site.get("description", ""),
        base_url=base_url,
        public_base_url=site.get("public_base_url", base_url).rstrip("/"),
        output_prefix=_output_prefix(site.get("output_prefix", "")),
        language=_require(site, "language", "site"),
        timezone=tz,
        logo=Logo(
            url=_require(logo, "url", "site.logo"),
            width=_require(logo, "width", "site.logo", int),
            height=_require(logo, "height", "site.logo", int),
        ),
        sections=dict(sections),
        feeds=tuple(feeds),
        amp=AmpSpec(
            path=_require(amp, "path", "amp"),
            subscriber_teaser_paragraphs=int(amp.get("subscriber_teaser_paragraphs", 3)),
        ),
        sitemaps=SitemapSpec(
            index_path=_require(maps, "index_path", "sitemaps"),
            shard_period=period,
            shard_path=_require(maps, "shard_path", "sitemaps"),
            shard_part_path=_require(maps, "shard_part_path", "sitemaps"),
            news_path=_require(maps, "news_path", "sitemaps"),
            news_window_hours=int(maps.get("news_window_hours", 48)),
            robots_path=_require(maps, "robots_path", "sitemaps"),
        ),
        cache_control=dict(cache),
        boilerplate=tuple(rules),
        caption_credit=_compile(credit, "captions.credit_pattern") if credit else None,
    )


def load_site(path: Path) -> SiteConfig:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    try:
        return site_from_mapping(data)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def load_deployment(paths: list[Path]) -> Deployment:
    """Load one site file per path; the first site is the deployment's default."""
    if not paths:
        raise ConfigError("no site configuration given")
    sites: dict[str, SiteConfig] = {}
    for path in paths:
        site = load_site(path)
        if site.id in sites:
            raise ConfigError(f"{path}: site.id {site.id!r} is configured twice")
        sites[site.id] = site
    return Deployment(sites=sites, default_site=next(iter(sites)))
