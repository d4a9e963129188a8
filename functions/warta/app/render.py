"""Render queued outputs from the index as it is now, and write what changed to the store.

Each output is a function of the index state, the site config and `now`: rendering a key twice,
late, or after a newer change gives the output of the current state. Callers serialise
`render_pending` per store (a file lock locally, FIFO message groups on AWS) so that the last
render of every output reads an index that holds every write before it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import urlsplit

from warta.core.config import Deployment, FeedSpec, SiteConfig
from warta.core.planner import OutputKey, outputs_of, site_wide_outputs
from warta.core.ports import ArticleIndex, ObjectStore, RenderQueue, ShardPart
from warta.core.render.amp import render_amp_page
from warta.core.render.rss import render_rss
from warta.core.render.sitemaps import (
    NEWS_URL_LIMIT,
    render_news_sitemap,
    render_robots_txt,
    render_shard_parts,
    render_sitemap_index,
)
from warta.core.views import FeedView, IndexedSitemap

# Media types are facts of each format, not site choices.
CONTENT_TYPES: dict[str, str] = {
    "amp": "text/html; charset=utf-8",
    "feed": "application/rss+xml; charset=utf-8",
    "shard": "application/xml; charset=utf-8",
    "sitemap_index": "application/xml; charset=utf-8",
    "news_sitemap": "application/xml; charset=utf-8",
    "robots": "text/plain; charset=utf-8",
}
# The site config names cache policies by what the output is for.
_CACHE_POLICY = {
    "amp": "amp",
    "feed": "feed",
    "shard": "sitemap",
    "sitemap_index": "sitemap_index",
    "news_sitemap": "news_sitemap",
    "robots": "robots",
}


@dataclass(frozen=True, slots=True)
class Put:
    path: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Delete:
    path: str


Change = Put | Delete
Outcome = Literal["written", "unchanged", "deleted"]


@dataclass
class RenderReport:
    outcomes: Counter[tuple[str, Outcome]] = field(default_factory=Counter)
    changed_paths: list[str] = field(default_factory=list)  # for the CDN and hubs

    def count(self, outcome: Outcome) -> int:
        return sum(n for (_, o), n in self.outcomes.items() if o == outcome)


def amp_path(site: SiteConfig, url: str) -> str:
    segments = [s for s in urlsplit(url).path.split("/") if s not in ("", ".", "..")]
    return site.amp.path.format(path="/".join(segments) or "index")


def _feed_spec(site: SiteConfig, name: str) -> tuple[FeedSpec, str | None] | None:
    spec_name, _, value = name.partition(":")
    for spec in site.feeds:
        if spec.name == spec_name:
            return spec, (value or None)
    return None


def _render_feed(key: OutputKey, site: SiteConfig, index: ArticleIndex, now: datetime) -> list[Change]:
    found = _feed_spec(site, key.name)
    if found is None:
        return []  # a feed the config no longer defines
    spec, value = found
    section = value if spec.select == "section" else None
    tag = value if spec.select == "tag" else None
    articles = index.latest(site.id, now, spec.size, section=section, tag=tag)
    if spec.select == "all":
        path, name, link = spec.path, site.name, f"{site.base_url}/"
    elif spec.select == "section":
        name = site.sections.get(value or "", value or "")
        path, link = spec.path.format(section=value), f"{site.base_url}/{value}"
    else:
        name = value or ""
        path, link = spec.path.format(tag=value), f"{site.base_url}/tag/{value}"
    if not articles and spec.select != "all":
        return [Delete(path)]  # a section or tag feed exists while it has articles
    view = FeedView(
        path=path,
        title=spec.title.format(name=name),
        link=link,
        description=site.description,
        ttl_minutes=spec.ttl_minutes,
    )
    return [Put(path, render_rss(view, articles, site))]


def _shard_path(site: SiteConfig, period: str, part: int) -> str:
    if part == 1:
        return site.sitemaps.shard_path.format(period=period)
    return site.sitemaps.shard_part_path.format(period=period, part=part)


def _render_shard(key: OutputKey, site: SiteConfig, index: ArticleIndex, now: datetime) -> list[Change]:
    period = key.name
    before = sum(1 for p in index.shard_parts(site.id) if p.period == period)
    parts = render_shard_parts(index.shard_entries(site.id, period, now))
    index.set_shard_parts(
        site.id,
        period,
        [ShardPart(period, n, p.url_count, p.lastmod) for n, p in enumerate(parts, start=1)],
    )
    changes: list[Change] = [Put(_shard_path(site, period, n), p.body) for n, p in enumerate(parts, start=1)]
    changes += [Delete(_shard_path(site, period, n)) for n in range(len(parts) + 1, before + 1)]
    return changes


def _render_sitemap_index(site: SiteConfig, index: ArticleIndex) -> list[Change]:
    listed = [
        IndexedSitemap(site.public_url(_shard_path(site, p.period, p.part)), p.lastmod)
        for p in index.shard_parts(site.id)
    ]
    if not listed:
        return [Delete(site.sitemaps.index_path)]  # sitemaps.org: an index lists at least one
    return [Put(site.sitemaps.index_path, render_sitemap_index(listed))]


def render_key(key: OutputKey, site: SiteConfig, index: ArticleIndex, now: datetime) -> list[Change]:
    """The store changes that bring one output in line with the index."""
    if key.kind == "amp":
        path = amp_path(site, key.name)
        article = index.live_by_url(site.id, key.name, now)
        return [Put(path, render_amp_page(article, site))] if article else [Delete(path)]
    if key.kind == "feed":
        return _render_feed(key, site, index, now)
    if key.kind == "shard":
        return _render_shard(key, site, index, now)
    if key.kind == "sitemap_index":
        return _render_sitemap_index(site, index)
    if key.kind == "news_sitemap":
        since = now - timedelta(hours=site.sitemaps.news_window_hours)
        recent = index.published_between(site.id, since, now, NEWS_URL_LIMIT)
        return [Put(site.sitemaps.news_path, render_news_sitemap(recent, site))]
    return [Put(site.sitemaps.robots_path, render_robots_txt(site))]


def release_due(deployment: Deployment, index: ArticleIndex, queue: RenderQueue, now: datetime) -> int:
    """Queue the outputs of scheduled articles whose time has come."""
    released = 0
    for site in deployment.sites.values():
        due = index.due(site.id, now)
        if not due:
            continue
        keys = set().union(*(outputs_of(article, site, now) for article in due))
        queue.push(keys)
        index.mark_released(site.id, [article.id for article in due])
        released += len(due)
    return released


def render_pending(
    *,
    deployment: Deployment,
    index: ArticleIndex,
    queue: RenderQueue,
    store: ObjectStore,
    now: datetime,
    on_output: Callable[[OutputKey, str, Outcome], None] | None = None,
) -> RenderReport:
    """Render every queued output (and each touched site's site-wide ones) and store them."""
    report = RenderReport()
    release_due(deployment, index, queue, now)
    taken = queue.take()
    keys = {key for key, _ in taken}
    for site_id in {key.site for key in keys}:
        site = deployment.site(site_id)
        if site is not None:
            keys |= site_wide_outputs(site)
    for key in sorted(keys, key=OutputKey.sort_key):
        site = deployment.sites.get(key.site)
        if site is None:
            continue  # a site removed from the deployment: nothing of it is rendered any more
        for change in render_key(key, site, index, now):
            outcome = _apply(change, key, site, store)
            report.outcomes[(key.kind, outcome)] += 1
            if outcome != "unchanged":
                report.changed_paths.append(site.output_prefix + change.path)
            if on_output is not None:
                on_output(key, site.output_prefix + change.path, outcome)
    queue.done(taken)
    return report


def _apply(change: Change, key: OutputKey, site: SiteConfig, store: ObjectStore) -> Outcome:
    path = site.output_prefix + change.path
    if isinstance(change, Delete):
        return "deleted" if store.delete(path) else "unchanged"
    cache_control = site.cache_control[_CACHE_POLICY[key.kind]]
    return store.put(path, change.body, CONTENT_TYPES[key.kind], cache_control)
