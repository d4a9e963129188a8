"""The feeds the site config defines: home, and one per section or tag that has articles."""

from __future__ import annotations

from datetime import datetime

from warta.app.outputs.changes import Change, Delete, Put
from warta.core.config import FeedSpec, SiteConfig
from warta.core.planner import OutputKey
from warta.core.ports import ArticleIndex
from warta.core.render.rss import render_rss
from warta.core.views import FeedView

RSS_CONTENT_TYPE = "application/rss+xml; charset=utf-8"


def _feed_spec(site: SiteConfig, name: str) -> tuple[FeedSpec, str | None] | None:
    spec_name, _, value = name.partition(":")
    for spec in site.feeds:
        if spec.name == spec_name:
            return spec, (value or None)
    return None


def feed_view(spec: FeedSpec, value: str | None, site: SiteConfig) -> FeedView:
    if spec.select == "all":
        path, name, link = spec.path, site.name, f"{site.base_url}/"
    elif spec.select == "section":
        name = site.sections.get(value or "", value or "")
        path, link = spec.path.format(section=value), f"{site.base_url}/{value}"
    else:
        name = value or ""
        path, link = spec.path.format(tag=value), f"{site.base_url}/tag/{value}"
    return FeedView(
        path=path,
        title=spec.title.format(name=name),
        link=link,
        description=site.description,
        ttl_minutes=spec.ttl_minutes,
    )


def render_feed_output(key: OutputKey, site: SiteConfig, index: ArticleIndex, now: datetime) -> list[Change]:
    found = _feed_spec(site, key.name)
    if found is None:
        return []  # a feed the config no longer defines
    spec, value = found
    section = value if spec.select == "section" else None
    tag = value if spec.select == "tag" else None
    articles = index.latest(site.id, now, spec.size, section=section, tag=tag)
    view = feed_view(spec, value, site)
    if not articles and spec.select != "all":
        return [Delete(view.path)]  # a section or tag feed exists while it has articles
    return [Put(view.path, render_rss(view, articles, site), RSS_CONTENT_TYPE, "feed")]
