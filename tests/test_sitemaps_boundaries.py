"""0, 1, 50,000 and 50,001 URLs in one month, through the real SQLite index and render path."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

from warta.adapters.directory_store import DirectoryStore
from warta.adapters.sqlite_index import SqliteIndex
from warta.app.render import render_pending
from warta.core.articles import Article, Tombstone
from warta.core.config import Deployment, SiteConfig
from warta.core.planner import OutputKey, plan, shard_period, site_wide_outputs
from warta.core.render import sitemaps
from warta.core.render.sitemaps import SITEMAP_URL_LIMIT

from conftest import shared_path

WIB = timezone(timedelta(hours=7))
MONTH_START = datetime(2023, 9, 1, tzinfo=WIB)
NOW = datetime(2023, 10, 1, tzinfo=WIB)
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(scope="module")
def urlset_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(shared_path("xsd", "urlset-all.xsd"))))


@pytest.fixture(scope="module")
def index_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(shared_path("xsd", "siteindex.xsd"))))


class Site:
    def __init__(self, tmp: Path, site: SiteConfig) -> None:
        self.site = site
        self.index = SqliteIndex(tmp / "index.sqlite3")
        self.root = tmp / "public"
        self.store = DirectoryStore(self.root, tmp / "meta")

    def render(self, *keys: OutputKey) -> None:
        self.index.push({*keys, *site_wide_outputs(self.site)})
        deployment = Deployment({self.site.id: self.site}, self.site.id)
        render_pending(deployment=deployment, index=self.index, queue=self.index, store=self.store, now=NOW)

    def shard_files(self) -> list[Path]:
        return sorted(self.root.glob("sitemaps/*.xml"), key=lambda p: (len(p.name), p.name))


def articles(make_article: Callable[..., Article], count: int, start: int = 0) -> list[Article]:
    # Cheap: no body, a minute apart, all in September 2023 (WIB).
    base = make_article(body=(), image=None, tags=())
    step = timedelta(seconds=43)
    return [
        dataclasses.replace(
            base,
            id=f"a{n}",
            url=f"https://www.andalpost.com/nasional/berita-{n}",
            published_at=MONTH_START + n * step,
        )
        for n in range(start, start + count)
    ]


def load(target: Site, batch: list[Article]) -> None:
    target.index.write_many((a, shard_period(a.published_at, target.site), True) for a in batch)


def test_a_month_with_no_url_has_no_shard_and_no_news_sitemap(
    tmp_path: Path, site: SiteConfig, make_article: Callable[..., Article]
) -> None:
    target = Site(tmp_path, site)
    (only,) = articles(make_article, 1)
    load(target, [only])
    target.render(OutputKey(site.id, "shard", "2023-09"))
    assert [p.name for p in target.shard_files()] == ["2023-09.xml"]
    result = target.index.write(Tombstone(site.id, only.id, 2), None, False)
    target.render(*plan(result.previous, None, site, NOW))
    assert target.shard_files() == []
    assert not (target.root / "sitemap.xml").exists()  # an index must list at least one sitemap
    # sitemaps.org wants one <url> in a <urlset>: an empty news sitemap is deleted, not written.
    assert not (target.root / "sitemap-news.xml").exists()


def test_one_url(
    tmp_path: Path, site: SiteConfig, make_article: Callable[..., Article], urlset_schema: etree.XMLSchema
) -> None:
    target = Site(tmp_path, site)
    load(target, articles(make_article, 1))
    target.render(OutputKey(site.id, "shard", "2023-09"))
    (shard,) = target.shard_files()
    root = etree.fromstring(shard.read_bytes())
    assert urlset_schema.validate(root), urlset_schema.error_log
    assert root.xpath("s:url/s:loc/text()", namespaces=NS) == ["https://www.andalpost.com/nasional/berita-0"]


def test_fifty_thousand_and_one(
    tmp_path: Path,
    site: SiteConfig,
    make_article: Callable[..., Article],
    monkeypatch: pytest.MonkeyPatch,
    urlset_schema: etree.XMLSchema,
    index_schema: etree.XMLSchema,
) -> None:
    """Parts end only at the sitemaps.org limit here (content cuts off), to test that limit."""
    monkeypatch.setattr(sitemaps, "PART_MEAN_URLS", 2**80)
    target = Site(tmp_path, site)
    batch = articles(make_article, SITEMAP_URL_LIMIT)
    load(target, batch)
    target.render(OutputKey(site.id, "shard", "2023-09"))
    (shard,) = target.shard_files()
    root = etree.parse(str(shard)).getroot()
    assert len(root) == SITEMAP_URL_LIMIT
    assert urlset_schema.validate(root), urlset_schema.error_log
    # One more, the newest, published the normal way: a second part holds just it.
    (newest,) = articles(make_article, 1, start=SITEMAP_URL_LIMIT)
    result = target.index.write(newest, shard_period(newest.published_at, site), True)
    target.render(*plan(result.previous, newest, site, NOW))
    first, second = target.shard_files()
    assert [first.name, second.name] == ["2023-09.xml", "2023-09-2.xml"]
    assert first.read_bytes() == shard.read_bytes()
    tail = etree.parse(str(second)).getroot()
    assert tail.xpath("s:url/s:loc/text()", namespaces=NS) == [newest.url]
    assert urlset_schema.validate(tail), urlset_schema.error_log
    index = etree.parse(str(target.root / "sitemap.xml")).getroot()
    assert index_schema.validate(index), index_schema.error_log
    assert index.xpath("s:sitemap/s:loc/text()", namespaces=NS) == [
        "https://www.andalpost.com/sitemaps/2023-09.xml",
        "https://www.andalpost.com/sitemaps/2023-09-2.xml",
    ]


def test_content_cuts_keep_every_part_valid_and_complete(
    tmp_path: Path, site: SiteConfig, make_article: Callable[..., Article], urlset_schema: etree.XMLSchema
) -> None:
    target = Site(tmp_path, site)
    batch = articles(make_article, 5_000)
    load(target, batch)
    target.render(OutputKey(site.id, "shard", "2023-09"))
    files = target.shard_files()
    assert len(files) > 1  # about 5,000 / PART_MEAN_URLS
    listed = []
    for path in files:
        root = etree.parse(str(path)).getroot()
        assert urlset_schema.validate(root), urlset_schema.error_log
        urls = root.xpath("s:url/s:loc/text()", namespaces=NS)
        listed += urls
        # Each part but the last ends at an article that closes its part.
        if path != files[-1]:
            assert sitemaps.ends_part("a" + urls[-1].rsplit("-", 1)[1])
    assert listed == [a.url for a in batch]
