"""Site configuration: every fact that differs between sites, loaded from TOML.

A deployment publishes one or more sites; events name theirs in `site`, and an event without
one belongs to the deployment's default site (the first one loaded).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from warta.core.amp_cache import GOOGLE_AMP_CACHE
from warta.core.config_schema import (
    AMP_PAGE_MAX_BYTES,
    CACHE_CONTROL_KINDS,
    DEFAULT_FEED_SIZE,
    check_config,
    default,
)

FeedSelect = Literal["all", "section", "tag", "author"]
FeedFormat = Literal["rss", "atom", "json"]
BoilerplateAction = Literal["drop", "related"]
ShardPeriod = Literal["month", "day"]
CdnInvalidate = Literal["takedowns", "changes"]
FeedContent = Literal["full", "summary"]

FEED_FORMATS: tuple[FeedFormat, ...] = ("rss", "atom", "json")
# IndexNow protocol, "Verifying ownership via a key file": 8 to 128 characters of a-z, A-Z, 0-9, '-'.
INDEXNOW_KEY = re.compile(r"[A-Za-z0-9-]{8,128}")
# RFC 7468 section 13 (SubjectPublicKeyInfo): what `openssl rsa -pubout` writes and the AMP
# caches read at /.well-known/amphtml/apikey.pub.
PUBLIC_KEY_PEM = ("-----BEGIN PUBLIC KEY-----", "-----END PUBLIC KEY-----")
AMP_CACHE_KEYS = frozenset({"public_key", "public_key_file", "private_key_file", "cache_hosts"})
# A cache's update-cache domain suffix; "http://" only for a local test double (core.amp_cache).
_CACHE_HOST = re.compile(r"(?:https?://)?[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::\d{1,5})?", re.IGNORECASE)


class ConfigError(ValueError):
    """The site configuration is unusable; the message names the key."""


@dataclass(frozen=True, slots=True)
class Logo:
    url: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class FeedProfile:
    """An aggregator's rules for the items of a feed; an item breaking one is left out."""

    name: str
    require_https: bool = False
    title_length: tuple[int, int] | None = None  # inclusive, in characters
    required_image_width: int | None = None  # an item without an image this wide is left out
    preferred_image_width: int | None = None  # a narrower image is only logged
    full_text: bool = False  # items must carry their whole body (no subscriber-only items)
    max_bytes: int | None = None  # oldest items go until the document fits
    enclosure: bool = False  # the hero image also as an RSS <enclosure>
    snf_logo: str = ""  # SmartNews: the channel's snf:logo URL
    require_body: bool = False  # items must carry a body (MSN: "An article must have ... Body")
    plain_title: bool = False  # titles that look like HTML are left out (MSN: "No HTML tags")
    channel_pub_date: bool = False  # the channel carries <pubDate> (SmartFormat: required)
    channel_description_chars: int | None = None  # SmartFormat: "30 characters or less"


@dataclass(frozen=True, slots=True)
class FeedVariant:
    """One document made from a feed's articles: a format at a path, optionally for a profile."""

    format: FeedFormat
    path: str  # a template like the feed's path: {section}, {tag} or {author}
    profile: FeedProfile | None = None


@dataclass(frozen=True, slots=True)
class FeedSpec:
    name: str  # the config table's name: "home", "section", ...
    select: FeedSelect
    path: str
    title: str
    size: int
    ttl_minutes: int
    variants: tuple[FeedVariant, ...] = ()  # empty: RSS at `path` only
    cache_policy: str = "feed"  # a key of [cache_control]
    content: FeedContent = "full"  # "summary": items carry no body (bounded tag/author feeds)

    def all_variants(self) -> tuple[FeedVariant, ...]:
        return self.variants or (FeedVariant("rss", self.path),)


@dataclass(frozen=True, slots=True)
class AmpCacheSpec:
    """[notify.amp_cache]: AMP pages that go are flushed from the AMP caches (core.amp_cache)."""

    public_key: str  # PEM, published at /.well-known/amphtml/apikey.pub
    # The signing key for `warta publish` (absolute once loaded from a file); on AWS the render
    # function reads it from SSM instead (infra/README.md).
    private_key_file: str = ""
    cache_hosts: tuple[str, ...] = (GOOGLE_AMP_CACHE,)  # update-cache API domain suffixes


@dataclass(frozen=True, slots=True)
class NotifySpec:
    """Who hears of changes after a render; nothing is sent unless configured."""

    websub_hubs: tuple[str, ...] = ()
    indexnow_endpoint: str = ""
    indexnow_key: str = ""  # also published as the key file {key}.txt
    timeout_seconds: float = 5.0
    attempts: int = 3
    backoff_seconds: float = 1.0
    amp_cache: AmpCacheSpec | None = None  # None: no AMP cache is told of anything


@dataclass(frozen=True, slots=True)
class BoilerplateRule:
    name: str
    pattern: re.Pattern[str]
    action: BoilerplateAction


@dataclass(frozen=True, slots=True)
class AmpAnalytics:
    """One <amp-analytics> tag: a vendor the AMP runtime knows and/or a remote https config."""

    type: str = ""
    config_url: str = ""
    vars: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class AmpAds:
    """<amp-ad> slots of one ad network, after the given paragraphs of the article body."""

    type: str
    width: int
    height: int
    after_paragraphs: tuple[int, ...]
    data: Mapping[str, str] | None = None  # data-* attributes: {"slot": "/123/x"} → data-slot


@dataclass(frozen=True, slots=True)
class AmpSpec:
    path: str
    subscriber_teaser_paragraphs: int
    # The teaser is bounded by length too: one long paragraph (a plain-text body) is not a teaser.
    subscriber_teaser_chars: int = 1_200
    # A longer page is cut at a block and links to the article for the rest.
    max_page_bytes: int = AMP_PAGE_MAX_BYTES
    analytics: AmpAnalytics | None = None
    ads: AmpAds | None = None


@dataclass(frozen=True, slots=True)
class SitemapSpec:
    index_path: str
    shard_period: ShardPeriod
    shard_path: str
    shard_part_path: str
    news_path: str
    news_window_hours: int
    robots_path: str
    # Where the second and later sitemap index files go once one index passes its limits.
    index_part_path: str = "sitemap-{part}.xml"
    gzip: bool = False  # also write a deterministic .gz of every sitemap file, and list those


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
    notify: NotifySpec = NotifySpec()
    # "takedowns": invalidate the CDN only for renders that removed something (a takedown must
    # vanish now); other changes reach readers when their Cache-Control max-age runs out.
    # "changes": invalidate every changed path (CloudFront bills per path past 1,000 a month).
    cdn_invalidate: CdnInvalidate = "takedowns"

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


def _profiles(data: Mapping[str, Any]) -> dict[str, FeedProfile]:
    profiles = {}
    for name, table in data.get("profiles", {}).items():
        where = f"profiles.{name}"
        length = table.get("title_length")
        if length is not None and (
            not isinstance(length, list) or len(length) != 2 or not all(isinstance(n, int) for n in length)
        ):
            raise ConfigError(f"{where}.title_length: expected [min, max], got {length!r}")
        profiles[name] = FeedProfile(
            name=name,
            require_https=bool(table.get("require_https", False)),
            title_length=(length[0], length[1]) if length else None,
            required_image_width=table.get("required_image_width"),
            preferred_image_width=table.get("preferred_image_width"),
            full_text=bool(table.get("full_text", False)),
            max_bytes=table.get("max_bytes"),
            enclosure=bool(table.get("enclosure", False)),
            snf_logo=table.get("snf_logo", ""),
            require_body=bool(table.get("require_body", False)),
            plain_title=bool(table.get("plain_title", False)),
            channel_pub_date=bool(table.get("channel_pub_date", False)),
            channel_description_chars=table.get("channel_description_chars"),
        )
    return profiles


def _feed_variants(
    table: Mapping[str, Any], where: str, path: str, profiles: Mapping[str, FeedProfile]
) -> tuple[FeedVariant, ...]:
    paths = {"rss": path, **table.get("paths", {})}
    variants = []
    for fmt in table.get("formats", default("feeds.<feed>", "formats")):
        if fmt not in FEED_FORMATS:
            raise ConfigError(f"{where}.formats: expected rss, atom or json, got {fmt!r}")
        if fmt not in paths:
            raise ConfigError(f"{where}.paths.{fmt}: missing")
        variants.append(FeedVariant(fmt, paths[fmt]))
    for name, profile_path in table.get("profiles", {}).items():
        if name not in profiles:
            raise ConfigError(f"{where}.profiles.{name}: no [profiles.{name}] table")
        # Aggregators take RSS 2.0 (SmartNews, MSN and Flipboard document only RSS).
        variants.append(FeedVariant("rss", profile_path, profiles[name]))
    return tuple(variants)


_AMP_VENDOR = re.compile(r"[a-z][a-z0-9_-]{0,63}")
_DATA_NAME = re.compile(r"[a-z][a-z0-9-]{0,63}")


def _amp_analytics(table: Mapping[str, Any] | None) -> AmpAnalytics | None:
    if not table:
        return None
    kind, config = table.get("type", ""), table.get("config_url", "")
    if not kind and not config:
        raise ConfigError("amp.analytics: needs type or config_url")
    if kind and not _AMP_VENDOR.fullmatch(kind):
        raise ConfigError(f"amp.analytics.type: {kind!r} is not a vendor name")
    if config and urlsplit(config).scheme != "https":
        raise ConfigError("amp.analytics.config_url: must be an https URL (AMP rule)")
    variables = table.get("vars", {})
    if not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in variables.values()):
        raise ConfigError("amp.analytics.vars: values must be strings or numbers")
    return AmpAnalytics(kind, config, {str(k): str(v) for k, v in variables.items()})


def _amp_ads(table: Mapping[str, Any] | None) -> AmpAds | None:
    if not table:
        return None
    kind = _require(table, "type", "amp.ads")
    if not _AMP_VENDOR.fullmatch(kind):
        raise ConfigError(f"amp.ads.type: {kind!r} is not an ad network name")
    data = table.get("data", {})
    for name in data:
        if not _DATA_NAME.fullmatch(name):
            raise ConfigError(f"amp.ads.data.{name}: not a valid data-* attribute name")
    after = table.get("after_paragraphs", default("amp.ads", "after_paragraphs"))
    if not isinstance(after, list) or not all(isinstance(n, int) and n > 0 for n in after):
        raise ConfigError("amp.ads.after_paragraphs: expected a list of positive integers")
    return AmpAds(
        type=kind,
        width=_require(table, "width", "amp.ads", int),
        height=_require(table, "height", "amp.ads", int),
        after_paragraphs=tuple(sorted(set(after))),
        data={str(k): str(v) for k, v in data.items()},
    )


def _amp_cache(table: Any, config_dir: Path | None) -> AmpCacheSpec | None:
    """[notify.amp_cache], or None when the table is absent. Files are relative to the config's
    folder; a config read from S3 has none, so there the public key is given inline."""
    if table is None:
        return None
    where = "notify.amp_cache"
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table")
    unknown = sorted(set(table) - AMP_CACHE_KEYS)
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}: unknown key (expected {', '.join(sorted(AMP_CACHE_KEYS))})")

    def path_of(key: str) -> Path:
        path = Path(_require(table, key, where))
        return config_dir / path if config_dir is not None else path

    if ("public_key" in table) == ("public_key_file" in table):
        raise ConfigError(f"{where}: give public_key (the PEM text) or public_key_file, one of them")
    if "public_key" in table:
        pem = _require(table, "public_key", where)
    elif config_dir is None and not path_of("public_key_file").is_absolute():
        raise ConfigError(f"{where}.public_key_file: relative to no file (a config from S3): give public_key")
    else:
        try:
            pem = path_of("public_key_file").read_text(encoding="ascii")
        except (OSError, UnicodeError) as exc:
            raise ConfigError(f"{where}.public_key_file: cannot read it: {exc}") from None
    pem = pem.strip() + "\n"
    if "PRIVATE KEY" in pem:
        raise ConfigError(
            f"{where}: public_key is a private key, which would be published; give the public half"
        )
    if not (pem.startswith(PUBLIC_KEY_PEM[0]) and pem.rstrip().endswith(PUBLIC_KEY_PEM[1])):
        raise ConfigError(f"{where}: public_key: expected a PEM public key ({PUBLIC_KEY_PEM[0]})")
    hosts = table.get("cache_hosts", [GOOGLE_AMP_CACHE])
    if not isinstance(hosts, list) or not all(isinstance(h, str) and _CACHE_HOST.fullmatch(h) for h in hosts):
        raise ConfigError(f"{where}.cache_hosts: expected a list of host names, e.g. [{GOOGLE_AMP_CACHE!r}]")
    private = str(path_of("private_key_file")) if "private_key_file" in table else ""
    return AmpCacheSpec(public_key=pem, private_key_file=private, cache_hosts=tuple(hosts))


def _notify(data: Mapping[str, Any], config_dir: Path | None = None) -> NotifySpec:
    table = data.get("notify", {})
    key = table.get("indexnow_key", "")
    if key and not INDEXNOW_KEY.fullmatch(key):
        raise ConfigError("notify.indexnow_key: expected 8-128 characters of a-z, A-Z, 0-9 and '-'")
    return NotifySpec(
        websub_hubs=tuple(table.get("websub_hubs", default("notify", "websub_hubs"))),
        indexnow_endpoint=table.get("indexnow_endpoint", default("notify", "indexnow_endpoint")),
        indexnow_key=key,
        timeout_seconds=float(table.get("timeout_seconds", default("notify", "timeout_seconds"))),
        attempts=max(1, int(table.get("attempts", default("notify", "attempts")))),
        backoff_seconds=float(table.get("backoff_seconds", default("notify", "backoff_seconds"))),
        amp_cache=_amp_cache(table.get("amp_cache"), config_dir),
    )


def _cdn_invalidate(data: Mapping[str, Any]) -> CdnInvalidate:
    value = data.get("cdn", {}).get("invalidate", default("cdn", "invalidate"))
    if value not in ("takedowns", "changes"):
        raise ConfigError(f"cdn.invalidate: expected takedowns or changes, got {value!r}")
    invalidate: CdnInvalidate = value  # one of the two, checked above
    return invalidate


def _check_feed_placeholders(select: str, paths: Iterable[str], where: str) -> None:
    """A feed per section, tag or author needs its value in every path, or the feeds overwrite
    one another; a placeholder of another kind would fail at render time."""
    wanted = set() if select == "all" else {"{" + select + "}"}
    for path in paths:
        if set(re.findall(r"\{[^{}]*\}", path)) != wanted:
            expected = f"{next(iter(wanted))} and no other placeholder" if wanted else "no placeholder"
            raise ConfigError(f"{where}: path {path!r} must have {expected}")


def site_from_mapping(data: Mapping[str, Any], config_dir: Path | None = None) -> SiteConfig:
    """The site of a parsed TOML; `config_dir` is the folder file paths in it are relative to."""
    problems = check_config(data)
    if len(problems) == 1:
        raise ConfigError(problems[0])
    if problems:
        raise ConfigError(f"{len(problems)} problems:\n" + "\n".join(f"  {problem}" for problem in problems))
    site = _require(data, "site", "", dict)
    logo = _require(site, "logo", "site", dict)
    sections = _require(data, "sections", "", dict)
    feeds = []
    profiles = _profiles(data)
    cache = _require(data, "cache_control", "", dict)
    for name, table in _require(data, "feeds", "", dict).items():
        where = f"feeds.{name}"
        select = _require(table, "select", where)
        if select not in ("all", "section", "tag", "author"):
            raise ConfigError(f"{where}.select: expected all, section, tag or author, got {select!r}")
        path = _require(table, "path", where)
        cache_policy = table.get("cache_policy", default("feeds.<feed>", "cache_policy"))
        if cache_policy not in cache:
            raise ConfigError(f"{where}.cache_policy: no key {cache_policy!r} in [cache_control]")
        variants = _feed_variants(table, where, path, profiles)
        content = table.get("content", default("feeds.<feed>", "content"))
        if content not in ("full", "summary"):
            raise ConfigError(f"{where}.content: expected full or summary, got {content!r}")
        if content == "summary" and any(v.profile and v.profile.full_text for v in variants):
            raise ConfigError(f"{where}.content: a profile of this feed needs full_text, not summaries")
        _check_feed_placeholders(select, (path, *(v.path for v in variants)), where)
        feeds.append(
            FeedSpec(
                name=name,
                select=select,
                path=path,
                title=table.get("title", site.get("name", "")),
                size=int(table.get("size", DEFAULT_FEED_SIZE)),
                ttl_minutes=int(table.get("ttl_minutes", default("feeds.<feed>", "ttl_minutes"))),
                variants=variants,
                cache_policy=cache_policy,
                content=content,
            )
        )
    amp = _require(data, "amp", "", dict)
    maps = _require(data, "sitemaps", "", dict)
    period = maps.get("shard_period", default("sitemaps", "shard_period"))
    if period not in ("month", "day"):
        raise ConfigError(f"sitemaps.shard_period: expected month or day, got {period!r}")
    for kind in CACHE_CONTROL_KINDS:
        _require(cache, kind, "cache_control")
    rules = []
    for i, rule in enumerate(data.get("boilerplate", [])):
        where = f"boilerplate[{i}]"
        action = rule.get("action", default("boilerplate", "action"))
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
            subscriber_teaser_paragraphs=int(
                amp.get("subscriber_teaser_paragraphs", default("amp", "subscriber_teaser_paragraphs"))
            ),
            subscriber_teaser_chars=int(
                amp.get("subscriber_teaser_chars", default("amp", "subscriber_teaser_chars"))
            ),
            max_page_bytes=int(amp.get("max_page_bytes", AMP_PAGE_MAX_BYTES)),
            analytics=_amp_analytics(amp.get("analytics")),
            ads=_amp_ads(amp.get("ads")),
        ),
        sitemaps=SitemapSpec(
            index_path=_require(maps, "index_path", "sitemaps"),
            shard_period=period,
            shard_path=_require(maps, "shard_path", "sitemaps"),
            shard_part_path=_require(maps, "shard_part_path", "sitemaps"),
            news_path=_require(maps, "news_path", "sitemaps"),
            news_window_hours=int(maps.get("news_window_hours", default("sitemaps", "news_window_hours"))),
            robots_path=_require(maps, "robots_path", "sitemaps"),
            index_part_path=maps.get("index_part_path", default("sitemaps", "index_part_path")),
            gzip=_require(maps, "gzip", "sitemaps", bool) if "gzip" in maps else False,
        ),
        cache_control=dict(cache),
        boilerplate=tuple(rules),
        caption_credit=_compile(credit, "captions.credit_pattern") if credit else None,
        notify=_notify(data, config_dir),
        cdn_invalidate=_cdn_invalidate(data),
    )


@dataclass(frozen=True, slots=True)
class ConfigSource:
    """One site config as read: where from (for messages), its TOML text, and the folder its
    file paths are relative to (None for a config read from S3)."""

    location: str
    text: str
    folder: Path | None = None


def site_from_source(source: ConfigSource) -> SiteConfig:
    try:
        data = tomllib.loads(source.text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source.location}: {exc}") from None
    try:
        return site_from_mapping(data, source.folder)
    except ConfigError as exc:
        raise ConfigError(f"{source.location}: {exc}") from None


def deployment_from(sources: Iterable[ConfigSource]) -> Deployment:
    """The one way a deployment is made, from files (`load_deployment`) or S3 (the Lambda
    functions): one site per source, the first the default; a site id twice is an error."""
    sites: dict[str, SiteConfig] = {}
    for source in sources:
        site = site_from_source(source)
        if site.id in sites:
            raise ConfigError(f"{source.location}: site.id {site.id!r} is configured twice")
        sites[site.id] = site
    if not sites:
        raise ConfigError("no site configuration given")
    return Deployment(sites=sites, default_site=next(iter(sites)))


def _file_source(path: Path) -> ConfigSource:
    try:
        return ConfigSource(str(path), path.read_text(encoding="utf-8"), path.parent)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such site config file") from None


def load_site(path: Path) -> SiteConfig:
    return site_from_source(_file_source(path))


def load_deployment(paths: list[Path]) -> Deployment:
    """Load one site file per path; the first site is the deployment's default."""
    return deployment_from(_file_source(path) for path in paths)
