"""The planner: exactly the outputs a change touches, never the archive."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from warta.core.articles import Article, Author, Section, Tombstone
from warta.core.config import SiteConfig
from warta.core.planner import OutputKey, epoch_micros, in_news_window, outputs_of, plan, shard_period

from conftest import WIB

NOW = datetime(2023, 9, 21, tzinfo=WIB)


def test_a_published_article_touches_its_page_feeds_and_shard(
    site: SiteConfig, make_article: Callable[..., Article]
) -> None:
    article = make_article()
    assert plan(None, article, site, NOW) == {
        OutputKey(site.id, "amp", article.url),
        OutputKey(site.id, "feed", "home"),
        OutputKey(site.id, "feed", "section:nasional"),
        OutputKey(site.id, "feed", "tag:jakarta"),
        OutputKey(site.id, "feed", "author:redaksi-andalpost"),
        # The shard key names the article's place in its month: only that part is re-rendered.
        OutputKey(site.id, "shard", f"2023-09/{epoch_micros(article.published_at)}/{article.id}"),
    }


def test_a_section_change_touches_the_old_and_the_new_section_feed(
    site: SiteConfig, make_article: Callable[..., Article]
) -> None:
    before = make_article()
    after = make_article(revision=2, section=Section("ekonomi", "Ekonomi"))
    keys = plan(before, after, site, NOW)
    assert {
        OutputKey(site.id, "feed", "section:nasional"),
        OutputKey(site.id, "feed", "section:ekonomi"),
    } <= keys


def test_an_author_change_touches_the_old_and_the_new_author_feed(
    site: SiteConfig, make_article: Callable[..., Article]
) -> None:
    before = make_article(authors=(Author("Maya Larasati"), Author("Dimas Arya Putra")))
    after = make_article(revision=2, authors=(Author("Dimas Arya Putra"), Author("Sekar Ayuningtyas")))
    feeds = {key.name for key in plan(before, after, site, NOW) if key.name.startswith("author:")}
    # Maya's feed must lose the article, Sekar's gain it, Dimas's show the new revision.
    assert feeds == {"author:maya-larasati", "author:dimas-arya-putra", "author:sekar-ayuningtyas"}


def test_authors_are_keyed_by_the_slug_of_their_name(
    site: SiteConfig, make_article: Callable[..., Article]
) -> None:
    article = make_article(authors=(Author("Tim Teknologi & Data"), Author("TIM teknologi data")))
    assert {k.name for k in outputs_of(article, site, NOW) if k.name.startswith("author:")} == {
        "author:tim-teknologi-data"
    }


def test_a_url_change_touches_both_amp_pages(site: SiteConfig, make_article: Callable[..., Article]) -> None:
    before = make_article()
    after = make_article(revision=2, url=f"{site.base_url}/nasional/judul-baru")
    keys = plan(before, after, site, NOW)
    assert {OutputKey(site.id, "amp", before.url), OutputKey(site.id, "amp", after.url)} <= keys


def test_a_takedown_touches_everything_that_held_the_article(
    site: SiteConfig, make_article: Callable[..., Article]
) -> None:
    before = make_article()
    assert plan(before, Tombstone(site.id, before.id, 2), site, NOW) == outputs_of(before, site, NOW)


@pytest.mark.parametrize(
    ("previous_url", "expected"),
    [("", set()), ("https://www.andalpost.com/nasional/x", {"https://www.andalpost.com/nasional/x"})],
)
def test_a_forced_takedown_touches_the_amp_page_of_the_last_url(
    site: SiteConfig, previous_url: str, expected: set[str]
) -> None:
    """Takedown over takedown: only the AMP page at the tombstone's last live URL (a page
    restored by hand must go again); without a known URL, nothing."""
    keys = plan(Tombstone(site.id, "1", 2, previous_url), Tombstone(site.id, "1", 1002), site, NOW)
    assert keys == {OutputKey(site.id, "amp", url) for url in expected}


def test_a_scheduled_article_touches_nothing_until_due(
    site: SiteConfig, make_article: Callable[..., Article]
) -> None:
    article = make_article(published_at=NOW + timedelta(hours=1))
    assert plan(None, article, site, NOW) == set()
    assert plan(None, article, site, NOW + timedelta(hours=2))


@pytest.mark.parametrize(
    ("published_at", "period"),
    [
        (datetime.fromisoformat("2023-10-01T00:30:00+07:00"), "2023-10"),
        (datetime.fromisoformat("2023-09-30T17:30:00+00:00"), "2023-10"),  # same instant, UTC
        (datetime.fromisoformat("2023-09-30T23:59:59+07:00"), "2023-09"),
    ],
)
def test_shards_follow_the_site_time_zone(published_at: datetime, period: str, site: SiteConfig) -> None:
    assert shard_period(published_at, site) == period


@pytest.mark.parametrize(
    ("age", "inside"),
    [
        (timedelta(0), True),
        (timedelta(hours=47, minutes=59), True),
        (timedelta(hours=48), False),
        (timedelta(seconds=-1), False),
    ],
)
def test_news_window_is_the_last_48_hours(age: timedelta, inside: bool, site: SiteConfig) -> None:
    assert in_news_window(NOW - age, site, NOW) is inside
