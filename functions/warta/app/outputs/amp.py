"""The AMP page of the live article at one URL, or its removal."""

from __future__ import annotations

from datetime import datetime

from warta.app.outputs.changes import Change, Delete, Put
from warta.core.config import SiteConfig
from warta.core.output_kinds import KINDS
from warta.core.output_scopes import amp_templates
from warta.core.planner import OutputKey
from warta.core.ports import ArticleIndex
from warta.core.render.amp import render_amp_page
from warta.core.urls import url_file_path

AMP_CONTENT_TYPE = KINDS["amp"].content_type


def amp_path(site: SiteConfig, url: str, template: str | None = None) -> str:
    """The AMP page's path: one file per normal-form URL, at its decoded path (core.urls),
    under the site's AMP template or an earlier one."""
    return (template or site.amp.path).format(path=url_file_path(url))


def _earlier_amp_paths(site: SiteConfig, index: ArticleIndex, url: str) -> list[str]:
    """The page of a URL under every AMP path template the site used before (in its prefix)."""
    paths = []
    for template in amp_templates(index.output_templates(site.id)):
        relative = template.removeprefix(site.output_prefix)
        if template.startswith(site.output_prefix) and relative != site.amp.path:
            paths.append(amp_path(site, url, relative))
    return paths


def render_amp_output(key: OutputKey, site: SiteConfig, index: ArticleIndex, now: datetime) -> list[Change]:
    path = amp_path(site, key.name)
    article = index.live_by_url(site.id, key.name, now)
    if article is None:
        # A takedown removes every copy: the page under an old amp.path too.
        return [Delete(path), *(Delete(p) for p in _earlier_amp_paths(site, index, key.name))]
    return [Put(path, render_amp_page(article, site), AMP_CONTENT_TYPE, KINDS["amp"].cache_policy)]
