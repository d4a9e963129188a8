"""The render step: what it takes from the queue, and what it leaves there."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from warta.adapters.directory_store import DirectoryStore
from warta.adapters.sqlite_index import SqliteIndex
from warta.app.render import render_pending
from warta.core.articles import Article
from warta.core.config import Deployment, SiteConfig
from warta.core.planner import OutputKey, plan, shard_period

from conftest import WIB

NOW = datetime(2023, 9, 21, tzinfo=WIB)


def _stack(tmp_path: Path) -> tuple[SqliteIndex, DirectoryStore]:
    return SqliteIndex(tmp_path / "index.sqlite3"), DirectoryStore(tmp_path / "public", tmp_path / "meta")


def test_outputs_of_a_site_missing_from_this_run_stay_queued(
    tmp_path: Path, site: SiteConfig, make_article: Callable[..., Article]
) -> None:
    index, store = _stack(tmp_path)
    foreign = OutputKey("lainpost", "feed", "home")
    index.push([foreign])
    report = render_pending(
        deployment=Deployment({site.id: site}, site.id), index=index, queue=index, store=store, now=NOW
    )
    assert report.count("written") == 0
    assert [key for key, _ in index.take()] == [foreign]


def test_a_scheduled_article_is_released_once_due(
    tmp_path: Path, site: SiteConfig, make_article: Callable[..., Article]
) -> None:
    index, store = _stack(tmp_path)
    deployment = Deployment({site.id: site}, site.id)
    article = make_article(published_at=NOW + timedelta(hours=1))
    index.write(article, shard_period(article.published_at, site), released=False)
    index.push(plan(None, article, site, NOW))
    assert plan(None, article, site, NOW) == set()
    render_pending(deployment=deployment, index=index, queue=index, store=store, now=NOW)
    assert list(store.list()) == []  # nothing shows a scheduled article
    later = NOW + timedelta(hours=2)
    render_pending(deployment=deployment, index=index, queue=index, store=store, now=later)
    assert article.url.encode() in store.get("feed/index.xml")
    assert index.due(site.id, later) == []
