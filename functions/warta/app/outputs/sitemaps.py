"""Sitemap shards, the sitemap index, the Google News sitemap and robots.txt."""

from __future__ import annotations

from datetime import datetime, timedelta

from warta.app.outputs.changes import Change, Delete, Put
from warta.core.config import SiteConfig
from warta.core.planner import OutputKey
from warta.core.ports import ArticleIndex, ShardPart
from warta.core.render.sitemaps import (
    NEWS_URL_LIMIT,
    render_news_sitemap,
    render_robots_txt,
    render_shard_parts,
    render_sitemap_index,
)
from warta.core.views import IndexedSitemap

XML_CONTENT_TYPE = "application/xml; charset=utf-8"
TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"


def shard_path(site: SiteConfig, period: str, part: int) -> str:
    if part == 1:
        return site.sitemaps.shard_path.format(period=period)
    return site.sitemaps.shard_part_path.format(period=period, part=part)


def render_shard_output(key: OutputKey, site: SiteConfig, index: ArticleIndex, now: datetime) -> list[Change]:
    period = key.name
    before = sum(1 for p in index.shard_parts(site.id) if p.period == period)
    parts = render_shard_parts(index.shard_entries(site.id, period, now))
    index.set_shard_parts(
        site.id,
        period,
        [ShardPart(period, n, p.url_count, p.lastmod) for n, p in enumerate(parts, start=1)],
    )
    changes: list[Change] = [
        Put(shard_path(site, period, n), p.body, XML_CONTENT_TYPE, "sitemap")
        for n, p in enumerate(parts, start=1)
    ]
    changes += [Delete(shard_path(site, period, n)) for n in range(len(parts) + 1, before + 1)]
    return changes


def render_sitemap_index_output(
    key: OutputKey, site: SiteConfig, index: ArticleIndex, now: datetime
) -> list[Change]:
    listed = [
        IndexedSitemap(site.public_url(shard_path(site, p.period, p.part)), p.lastmod)
        for p in index.shard_parts(site.id)
    ]
    if not listed:
        return [Delete(site.sitemaps.index_path)]  # sitemaps.org: an index lists at least one
    return [Put(site.sitemaps.index_path, render_sitemap_index(listed), XML_CONTENT_TYPE, "sitemap_index")]


def render_news_sitemap_output(
    key: OutputKey, site: SiteConfig, index: ArticleIndex, now: datetime
) -> list[Change]:
    since = now - timedelta(hours=site.sitemaps.news_window_hours)
    recent = index.published_between(site.id, since, now, NEWS_URL_LIMIT)
    body = render_news_sitemap(recent, site)
    return [Put(site.sitemaps.news_path, body, XML_CONTENT_TYPE, "news_sitemap")]


def render_robots_output(
    key: OutputKey, site: SiteConfig, index: ArticleIndex, now: datetime
) -> list[Change]:
    return [Put(site.sitemaps.robots_path, render_robots_txt(site), TEXT_CONTENT_TYPE, "robots")]
