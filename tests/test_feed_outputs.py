"""Feed variants as data: the config's formats, paths, profiles and cache policies, as store changes."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from datetime import datetime
from typing import Any

import feedparser
import pytest

from warta.app.outputs.changes import Delete, Put
from warta.app.outputs.feeds import render_feed_output
from warta.core.articles import Article
from warta.core.config import ConfigError, SiteConfig, site_from_mapping
from warta.core.planner import OutputKey, feed_names

from conftest import EXAMPLE_SITE, WIB

NOW = datetime(2023, 9, 21, tzinfo=WIB)
MakeArticle = Callable[..., Article]


class ListIndex:
    """Just enough of ArticleIndex for feeds: `latest` over a list."""

    def __init__(self, articles: list[Article]) -> None:
        self.articles = articles

    def latest(
        self,
        site: str,
        now: datetime,
        limit: int,
        section: str | None = None,
        tag: str | None = None,
        author: str | None = None,
        bodies: bool = True,
    ) -> list[Article]:
        from warta.core.authors import author_slugs
        from warta.core.text import slugify

        chosen = [
            a
            for a in self.articles
            if (section is None or a.section.id == section)
            and (tag is None or tag in {slugify(t) for t in a.tags})
            and (author is None or author in author_slugs(a))
        ]
        return sorted(chosen, key=lambda a: a.published_at, reverse=True)[:limit]

    def live_by_url(self, site: str, url: str, now: datetime) -> Article | None:
        return next((a for a in self.articles if a.url == url and a.published_at <= now), None)

    def feed_items(self, site: str, articles: object, variants: object) -> list[object]:
        return []  # nothing kept: every item is rendered

    def keep_feed_items(self, site: str, items: object) -> None:
        pass


def example() -> dict[str, Any]:
    return tomllib.loads(EXAMPLE_SITE.read_text())


def render(site: SiteConfig, name: str, articles: list[Article]) -> dict[str, Put | Delete]:
    changes = render_feed_output(OutputKey(site.id, "feed", name), site, ListIndex(articles), NOW)  # type: ignore[arg-type]
    return {change.path: change for change in changes}


def test_home_feed_renders_every_configured_variant(site: SiteConfig, make_article: MakeArticle) -> None:
    changes = render(site, "home", [make_article()])
    types = {path: change.content_type for path, change in changes.items()}
    assert types == {
        "feed/index.xml": "application/rss+xml; charset=utf-8",
        "feed/atom/index.xml": "application/atom+xml; charset=utf-8",
        "feed/json/index.json": "application/feed+json; charset=utf-8",
        "feed/google-news/index.xml": "application/rss+xml; charset=utf-8",
        "feed/msn/index.xml": "application/rss+xml; charset=utf-8",
        "feed/flipboard/index.xml": "application/rss+xml; charset=utf-8",
        "feed/smartnews/index.xml": "application/rss+xml; charset=utf-8",
    }
    assert {change.cache_policy for change in changes.values()} == {"feed"}
    for path, change in changes.items():
        if path.endswith(".xml"):
            assert not feedparser.parse(change.body).bozo, path


def test_section_feed_variants_and_their_cache_policy(site: SiteConfig, make_article: MakeArticle) -> None:
    changes = render(site, "section:nasional", [make_article()])
    assert set(changes) == {"feed/nasional.xml", "feed/atom/nasional.xml", "feed/json/nasional.json"}
    assert {change.cache_policy for change in changes.values()} == {"feed_section"}
    assert "feed_section" in site.cache_control


def test_an_empty_section_feed_is_deleted_in_every_format(site: SiteConfig) -> None:
    changes = render(site, "section:opini", [])
    assert set(changes) == {"feed/opini.xml", "feed/atom/opini.xml", "feed/json/opini.json"}
    assert all(isinstance(change, Delete) for change in changes.values())


def test_tag_feeds_where_configured(make_article: MakeArticle) -> None:
    data = example()
    data["feeds"]["tag"] = {
        "select": "tag",
        "path": "feed/tag/{tag}.xml",
        "title": "Andalpost — {name}",
        "formats": ["rss", "json"],
        "paths": {"json": "feed/tag/{tag}.json"},
    }
    site = site_from_mapping(data)
    article = make_article(tags=("Pemilu 2024", "Jakarta"))
    assert {"tag:pemilu-2024", "tag:jakarta"} <= feed_names(article, site)
    changes = render(site, "tag:pemilu-2024", [article, make_article(id="2", tags=("Lain",))])
    assert set(changes) == {"feed/tag/pemilu-2024.xml", "feed/tag/pemilu-2024.json"}
    parsed = feedparser.parse(changes["feed/tag/pemilu-2024.xml"].body)
    # Keyed by slug, titled with the tag as the articles spell it.
    assert parsed.feed.title == "Andalpost — Pemilu 2024"
    assert [e.id for e in parsed.entries] == [f"andalpost:{article.id}"]
    assert parsed.feed.link == "https://www.andalpost.com/tag/pemilu-2024"


def test_a_feed_without_formats_is_rss_only() -> None:
    data = example()
    del data["feeds"]["section"]["formats"]
    site = site_from_mapping(data)
    (section,) = [spec for spec in site.feeds if spec.name == "section"]
    assert [(v.format, v.path) for v in section.all_variants()] == [("rss", "feed/{section}.xml")]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["feeds"]["home"].update(formats=["rss", "rdf"]), "feeds.home.formats"),
        (lambda d: d["feeds"]["home"]["paths"].pop("atom"), "feeds.home.paths.atom"),
        (lambda d: d["feeds"]["home"]["profiles"].update(yahoo="feed/y.xml"), "feeds.home.profiles.yahoo"),
        (lambda d: d["feeds"]["home"].update(cache_policy="nope"), "feeds.home.cache_policy"),
        (lambda d: d["profiles"]["msn"].update(title_length=[20]), "profiles.msn.title_length"),
        (lambda d: d["notify"].update(indexnow_key="short"), "notify.indexnow_key"),
        (lambda d: d["notify"].update(indexnow_key="has space in it"), "notify.indexnow_key"),
    ],
)
def test_config_errors_name_the_key(edit: Callable[[dict[str, Any]], object], message: str) -> None:
    data = copy.deepcopy(example())
    edit(data)
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        site_from_mapping(data)


def test_example_config_pings_nothing(site: SiteConfig) -> None:
    # `make demo` must make no network call: no hub, no IndexNow endpoint.
    assert site.notify.websub_hubs == ()
    assert site.notify.indexnow_endpoint == ""
    assert site.notify.indexnow_key
