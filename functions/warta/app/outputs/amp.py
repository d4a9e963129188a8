"""The AMP page of the live article at one URL, or its removal."""

from __future__ import annotations

from datetime import datetime

from warta.app.outputs.changes import Change, Delete, Put
from warta.core.config import SiteConfig
from warta.core.planner import OutputKey
from warta.core.ports import ArticleIndex
from warta.core.render.amp import render_amp_page
from warta.core.urls import url_file_path

AMP_CONTENT_TYPE = "text/html; charset=utf-8"


def amp_path(site: SiteConfig, url: str) -> str:
    """The AMP page's path: one file per normal-form URL, at its decoded path (core.urls)."""
    return site.amp.path.format(path=url_file_path(url))


def render_amp_output(key: OutputKey, site: SiteConfig, index: ArticleIndex, now: datetime) -> list[Change]:
    path = amp_path(site, key.name)
    article = index.live_by_url(site.id, key.name, now)
    if article is None:
        return [Delete(path)]
    return [Put(path, render_amp_page(article, site), AMP_CONTENT_TYPE, "amp")]
