"""Queue every output of every site: after a template or config change, or to backfill."""

from __future__ import annotations

from datetime import datetime

from warta.core.config import Deployment
from warta.core.planner import OutputKey, site_wide_outputs
from warta.core.ports import ArticleIndex, RenderQueue


def all_outputs(site_id: str, deployment: Deployment, index: ArticleIndex, now: datetime) -> set[OutputKey]:
    site = deployment.sites[site_id]
    facets = index.facets(site_id, now)
    keys = site_wide_outputs(site)
    keys.update(OutputKey(site_id, "amp", url) for url in facets.urls)
    keys.update(OutputKey(site_id, "shard", period) for period in facets.periods)
    for spec in site.feeds:
        if spec.select == "all":
            keys.add(OutputKey(site_id, "feed", spec.name))
        else:
            values = facets.feed_values.get(spec.select, ())
            keys.update(OutputKey(site_id, "feed", f"{spec.name}:{v}") for v in values)
    return keys


def queue_everything(deployment: Deployment, index: ArticleIndex, queue: RenderQueue, now: datetime) -> int:
    total = 0
    for site_id in deployment.sites:
        keys = all_outputs(site_id, deployment, index, now)
        queue.push(keys)
        total += len(keys)
    return total
