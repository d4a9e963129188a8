"""Aggregator profiles: each rule, with articles that break it, and the profile feeds of the site."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

import feedparser
import pytest
from lxml import etree

from warta.app.outputs.feeds import render_variant
from warta.core.articles import Article, HeroImage
from warta.core.body.model import Figure, Image, Paragraph, Text
from warta.core.config import FeedProfile, FeedVariant, SiteConfig
from warta.core.render.feed_fields import FeedOptions
from warta.core.render.feed_profiles import fit_to_size, select_for_profile
from warta.core.render.rss import SNF_NS, render_rss
from warta.core.views import FeedView

MakeArticle = Callable[..., Article]
LONG_BODY = tuple(Paragraph((Text(f"Paragraf {n} " + "kata " * 200),)) for n in range(20))


def view(path: str = "feed/p/index.xml") -> FeedView:
    return FeedView(
        path=path, title="Andalpost", link="https://www.andalpost.com/", description="", ttl_minutes=5
    )


def variant(site: SiteConfig, name: str) -> FeedVariant:
    (home,) = [spec for spec in site.feeds if spec.name == "home"]
    (found,) = [v for v in home.all_variants() if v.profile is not None and v.profile.name == name]
    return found


def kept_ids(profile: FeedProfile, articles: list[Article]) -> list[str]:
    return [a.id for a in select_for_profile(profile, articles).kept]


def reasons(profile: FeedProfile, articles: list[Article]) -> dict[str, str]:
    return {f.article_id: f.rule for f in select_for_profile(profile, articles).excluded}


def test_require_https(make_article: MakeArticle) -> None:
    profile = FeedProfile("p", require_https=True)
    ok = make_article(id="1")
    http_url = make_article(id="2", url="http://www.andalpost.com/nasional/x")
    http_image = make_article(id="3", image=HeroImage("http://www.andalpost.com/img/3.jpg", 1200, 675))
    assert kept_ids(profile, [ok, http_url, http_image]) == ["1"]
    assert reasons(profile, [ok, http_url, http_image]) == {"2": "require_https", "3": "require_https"}


def test_title_length_bounds_are_inclusive(make_article: MakeArticle) -> None:
    profile = FeedProfile("p", title_length=(20, 150))
    titles = {"short": "x" * 19, "low": "x" * 20, "high": "x" * 150, "long": "x" * 151}
    articles = [make_article(id=name, title=title) for name, title in titles.items()]
    assert kept_ids(profile, articles) == ["low", "high"]
    assert set(reasons(profile, articles)) == {"short", "long"}


def test_full_text_leaves_out_subscriber_and_empty_articles(make_article: MakeArticle) -> None:
    profile = FeedProfile("p", full_text=True)
    articles = [
        make_article(id="1"),
        make_article(id="2", access="subscriber"),
        make_article(id="3", body=()),
    ]
    assert kept_ids(profile, articles) == ["1"]
    assert reasons(profile, articles) == {"2": "full_text", "3": "full_text"}


def test_required_image_width_counts_hero_and_body_images(make_article: MakeArticle) -> None:
    profile = FeedProfile("p", required_image_width=400)
    narrow = HeroImage("https://www.andalpost.com/img/n.jpg", 399, 300)
    wide_figure = Figure(Image("https://www.andalpost.com/img/w.jpg", "", 800, 450))
    articles = [
        make_article(id="hero-wide"),  # 1200 px hero
        make_article(id="hero-narrow", image=narrow),
        make_article(id="no-image", image=None),
        make_article(id="unknown-width", image=HeroImage("https://www.andalpost.com/img/u.jpg")),
        make_article(id="figure-wide", image=narrow, body=(wide_figure,)),
    ]
    assert kept_ids(profile, articles) == ["hero-wide", "figure-wide"]
    assert set(reasons(profile, articles)) == {"hero-narrow", "no-image", "unknown-width"}


def test_preferred_image_width_keeps_the_item_with_a_note(make_article: MakeArticle) -> None:
    profile = FeedProfile("p", preferred_image_width=720)
    narrow = make_article(id="2", image=HeroImage("https://www.andalpost.com/img/2.jpg", 640, 360))
    selection = select_for_profile(profile, [make_article(id="1"), narrow])
    assert [a.id for a in selection.kept] == ["1", "2"]
    assert selection.excluded == []
    assert [(n.article_id, n.rule) for n in selection.notes] == [("2", "preferred_image_width")]


def test_max_bytes_leaves_out_the_oldest_items(site: SiteConfig, make_article: MakeArticle) -> None:
    articles = [make_article(id=str(n), body=LONG_BODY) for n in range(6)]
    whole = render_rss(view(), articles, site)
    limit = len(whole) * 3 // 5

    def render(items: object) -> bytes:
        return render_rss(view(), items, site)  # type: ignore[arg-type]

    body, dropped = fit_to_size(render, articles, limit)
    assert len(body) <= limit
    guids = etree.fromstring(body).xpath("//item/guid/text()")
    # The newest items stay, in order; exactly the ones that did not fit are reported.
    assert guids == [f"andalpost:{n}" for n in range(len(guids))]
    assert 0 < len(guids) < 6
    assert [f.article_id for f in dropped] == [str(n) for n in range(len(guids), 6)]
    assert {f.rule for f in dropped} == {"max_bytes"}
    # One more item would not have fitted.
    assert len(render(articles[: len(guids) + 1])) > limit
    assert fit_to_size(render, articles, None) == (whole, [])


def test_enclosure_for_the_hero_image(site: SiteConfig, make_article: MakeArticle) -> None:
    articles = [
        make_article(id="1"),
        make_article(id="2", image=HeroImage("https://www.andalpost.com/img/no-suffix?w=1")),
        make_article(id="3", image=None),
    ]
    data = render_rss(view(), articles, site, FeedOptions(enclosure=True))
    items = etree.fromstring(data).findall("channel/item")
    enclosure = items[0].find("enclosure")
    assert dict(enclosure.attrib) == {
        "url": "https://www.andalpost.com/img/1.jpg",
        "length": "0",
        "type": "image/jpeg",
    }
    assert items[1].find("enclosure") is None and items[2].find("enclosure") is None
    assert feedparser.parse(data).entries[0].enclosures[0]["type"] == "image/jpeg"
    plain = etree.fromstring(render_rss(view(), articles, site))
    assert plain.find("channel/item/enclosure") is None


def test_snf_logo_is_declared_on_the_root(site: SiteConfig, make_article: MakeArticle) -> None:
    logo = "https://www.andalpost.com/static/logo-600x60.png"
    data = render_rss(view(), [make_article()], site, FeedOptions(snf_logo=logo))
    root = etree.fromstring(data)
    assert root.nsmap["snf"] == SNF_NS
    assert root.findtext("channel/snf:logo/url", namespaces={"snf": SNF_NS}) == logo
    assert not feedparser.parse(data).bozo
    assert "snf" not in etree.fromstring(render_rss(view(), [make_article()], site)).nsmap


def test_rss_hub_link(site: SiteConfig, make_article: MakeArticle) -> None:
    hub = "http://127.0.0.1:9/hub"
    root = etree.fromstring(render_rss(view(), [make_article()], site, FeedOptions(hubs=(hub,))))
    links = root.findall("channel/{http://www.w3.org/2005/Atom}link")
    assert [(link.get("rel"), link.get("href")) for link in links] == [
        ("self", "https://www.andalpost.com/feed/p/index.xml"),
        ("hub", hub),
    ]


# --- the site's profiles, through the feed output -----------------------------------------------


def test_site_profiles_are_configured(site: SiteConfig) -> None:
    assert variant(site, "msn").profile.title_length == (20, 150)
    assert variant(site, "msn").profile.preferred_image_width == 720
    assert variant(site, "flipboard").profile.required_image_width == 400
    assert variant(site, "flipboard").profile.full_text
    assert variant(site, "smartnews").profile.max_bytes == 1_000_000
    assert variant(site, "smartnews").profile.snf_logo
    assert variant(site, "google-news").profile.require_https
    assert {v.path for v in (variant(site, n) for n in ("msn", "flipboard", "smartnews", "google-news"))} == {
        "feed/msn/index.xml",
        "feed/flipboard/index.xml",
        "feed/smartnews/index.xml",
        "feed/google-news/index.xml",
    }


@pytest.mark.parametrize(
    ("profile", "breaking", "rule"),
    [
        ("msn", {"title": "Terlalu pendek"}, "title_length"),
        ("msn", {"url": "http://www.andalpost.com/nasional/x"}, "require_https"),
        ("google-news", {"access": "subscriber"}, "full_text"),
        ("flipboard", {"image": None}, "required_image_width"),
        ("flipboard", {"access": "subscriber"}, "full_text"),
    ],
)
def test_a_breaking_item_is_left_out_and_logged(
    site: SiteConfig,
    make_article: MakeArticle,
    caplog: pytest.LogCaptureFixture,
    profile: str,
    breaking: dict[str, object],
    rule: str,
) -> None:
    good = make_article(id="1", title="Judul berita yang cukup panjang untuk MSN")
    bad = replace(good, id="2", **breaking)
    chosen = variant(site, profile)
    with caplog.at_level(logging.INFO, logger="warta"):
        data = render_variant(chosen, view(chosen.path), [good, bad], site)
    parsed = feedparser.parse(data)
    assert not parsed.bozo
    assert [e.id for e in parsed.entries] == ["andalpost:1"]
    left_out = [r for r in caplog.records if getattr(r, "article_id", None) == "2"]
    assert left_out and left_out[0].levelno == logging.WARNING
    assert left_out[0].rule == rule and left_out[0].feed == chosen.path


def test_a_finding_is_logged_once_per_article_revision(
    site: SiteConfig, make_article: MakeArticle, caplog: pytest.LogCaptureFixture
) -> None:
    """A subscriber item left out of the MSN feed: a warning on the first render, DEBUG on the
    renders after it (every publish renders the feed again), a warning again for a new revision."""
    good = make_article(id="1", title="Judul berita yang cukup panjang untuk MSN")
    bad = replace(good, id="2", access="subscriber")
    chosen = variant(site, "msn")

    def levels(*articles: Article) -> list[int]:
        caplog.clear()
        with caplog.at_level(logging.DEBUG, logger="warta"):
            render_variant(chosen, view(chosen.path), list(articles), site)
        return [r.levelno for r in caplog.records if getattr(r, "article_id", None) == "2"]

    assert levels(good, bad) == [logging.WARNING]
    assert levels(good, bad) == [logging.DEBUG]
    assert levels(bad) == [logging.DEBUG]
    assert levels(good, replace(bad, revision=2)) == [logging.WARNING]
    assert levels(good, replace(bad, revision=2)) == [logging.DEBUG]


def test_smartnews_feed_stays_within_its_size(
    site: SiteConfig, make_article: MakeArticle, caplog: pytest.LogCaptureFixture
) -> None:
    chosen = variant(site, "smartnews")
    big_body = LONG_BODY * 4  # about 80 kB an item: 16 of them pass 1 MB
    articles = [make_article(id=str(n), body=big_body) for n in range(16)]
    with caplog.at_level(logging.WARNING, logger="warta"):
        data = render_variant(chosen, view(chosen.path), articles, site)
    assert len(data) <= 1_000_000
    kept = len(etree.fromstring(data).findall("channel/item"))
    assert 0 < kept < 16
    assert {r.article_id for r in caplog.records if getattr(r, "rule", "") == "max_bytes"} == {
        str(n) for n in range(kept, 16)
    }
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")


def test_msn_narrow_image_is_kept_and_noted(
    site: SiteConfig, make_article: MakeArticle, caplog: pytest.LogCaptureFixture
) -> None:
    chosen = variant(site, "msn")
    narrow = make_article(
        title="Judul berita yang cukup panjang untuk MSN",
        image=HeroImage("https://www.andalpost.com/img/n.jpg", 640, 360),
    )
    with caplog.at_level(logging.INFO, logger="warta"):
        data = render_variant(chosen, view(chosen.path), [narrow], site)
    assert len(feedparser.parse(data).entries) == 1
    notes = [r for r in caplog.records if getattr(r, "rule", "") == "preferred_image_width"]
    assert notes and notes[0].levelno == logging.INFO
