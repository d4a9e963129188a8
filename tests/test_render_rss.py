"""RSS 2.0 feeds: checked with XPath on the document and with feedparser as a reader sees it."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import feedparser
import pytest
from lxml import etree

from warta.core.articles import Article, Author, HeroImage
from warta.core.body.model import Figure, Image, Paragraph, Strong, Text
from warta.core.config import SiteConfig
from warta.core.render.body_html import render_body_html
from warta.core.render.rss import render_rss
from warta.core.views import FeedView

WIB = timezone(timedelta(hours=7))
HOSTILE = '<b>Drama</b> & "quotes"'
NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "media": "http://search.yahoo.com/mrss/",
}
MakeArticle = Callable[..., Article]


@pytest.fixture
def feed(site: SiteConfig) -> FeedView:
    return FeedView(
        path="feed/index.xml",
        title="Andalpost",
        link=site.base_url,
        description="Berita terkini",
        ttl_minutes=5,
    )


@pytest.fixture
def articles(make_article: MakeArticle) -> list[Article]:
    """Three articles, newest first: free with image, subscriber without, free and edited."""
    base = datetime(2023, 9, 10, 19, 40, tzinfo=WIB)
    return [
        make_article(
            id="3",
            published_at=base,
            authors=(Author("Ani"), Author("Budi")),
            tags=("Jakarta", "Pemilu"),
            body=(
                Paragraph((Text("Isi "), Strong((Text("penting"),)))),
                Figure(Image("https://www.andalpost.com/img/x.jpg", "Alt"), "Cap", "CNN"),
            ),
        ),
        make_article(id="2", published_at=base - timedelta(hours=1), access="subscriber", image=None),
        make_article(
            id="1",
            published_at=datetime(2023, 9, 9, 8, 0, tzinfo=UTC),
            updated_at=base + timedelta(minutes=30),
        ),
    ]


def xml(data: bytes) -> etree._Element:
    return etree.fromstring(data)


def canonical(fragment: str) -> bytes:
    return etree.tostring(etree.fromstring(f"<div>{fragment}</div>"), method="c14n")


def test_feedparser_reads_it_without_complaint(
    feed: FeedView, articles: list[Article], site: SiteConfig
) -> None:
    parsed = feedparser.parse(render_rss(feed, articles, site))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"


def test_items_keep_the_callers_order(feed: FeedView, articles: list[Article], site: SiteConfig) -> None:
    parsed = feedparser.parse(render_rss(feed, articles, site))
    assert [e.link for e in parsed.entries] == [a.url for a in articles]
    assert [e.title for e in parsed.entries] == [a.title for a in articles]


def test_channel(feed: FeedView, articles: list[Article], site: SiteConfig) -> None:
    channel = xml(render_rss(feed, articles, site)).find("channel")
    assert channel.findtext("title") == "Andalpost"
    assert channel.findtext("link") == site.base_url
    assert channel.findtext("description") == "Berita terkini"
    assert channel.findtext("language") == "id"
    assert channel.findtext("ttl") == "5"
    assert channel.findtext("docs") == "https://www.rssboard.org/rss-specification"
    assert channel.findtext("generator") == "warta"
    self_link = channel.find("atom:link", NS)
    assert self_link.get("rel") == "self"
    assert self_link.get("href") == "https://www.andalpost.com/feed/index.xml"
    assert self_link.get("type") == "application/rss+xml"
    image = channel.find("image")
    assert image.findtext("url") == site.logo.url
    assert image.findtext("title") == "Andalpost"
    assert image.findtext("link") == site.base_url
    # The 600 × 60 logo passes RSS's 144 × 400 limit, so its size is left out.
    assert image.find("width") is None and image.find("height") is None


def test_last_build_date_is_the_newest_modification_not_the_clock(
    feed: FeedView, articles: list[Article], site: SiteConfig
) -> None:
    channel = xml(render_rss(feed, articles, site)).find("channel")
    # The oldest article was edited last, at 20:10 WIB.
    assert channel.findtext("lastBuildDate") == "Sun, 10 Sep 2023 20:10:00 +0700"


def test_empty_feed_is_valid_and_undated(feed: FeedView, site: SiteConfig) -> None:
    data = render_rss(feed, [], site)
    root = xml(data)
    assert root.find("channel/lastBuildDate") is None
    assert root.findall("channel/item") == []
    assert set(root.nsmap) == {"atom"}
    assert not feedparser.parse(data).bozo


def test_output_is_deterministic(feed: FeedView, articles: list[Article], site: SiteConfig) -> None:
    assert render_rss(feed, articles, site) == render_rss(feed, articles, site)
    assert render_rss(feed, [], site) == render_rss(feed, [], site)


def test_item_identity_and_dates(feed: FeedView, articles: list[Article], site: SiteConfig) -> None:
    items = xml(render_rss(feed, articles, site)).findall("channel/item")
    guids = [item.find("guid") for item in items]
    assert [g.text for g in guids] == ["andalpost:3", "andalpost:2", "andalpost:1"]
    assert {g.get("isPermaLink") for g in guids} == {"false"}
    # RFC 822 dates in the article's own offset, not converted to UTC.
    assert [item.findtext("pubDate") for item in items] == [
        "Sun, 10 Sep 2023 19:40:00 +0700",
        "Sun, 10 Sep 2023 18:40:00 +0700",
        "Sat, 09 Sep 2023 08:00:00 +0000",
    ]
    parsed = feedparser.parse(etree.tostring(items[0].getroottree()))
    assert parsed.entries[0].id == "andalpost:3"
    assert not parsed.entries[0].guidislink
    assert parsed.entries[0].published_parsed[:5] == (2023, 9, 10, 12, 40)


def test_guid_survives_a_url_change(feed: FeedView, make_article: MakeArticle, site: SiteConfig) -> None:
    before = xml(render_rss(feed, [make_article(id="7")], site))
    after = xml(render_rss(feed, [make_article(id="7", url="https://www.andalpost.com/x")], site))
    assert before.findtext("channel/item/guid") == after.findtext("channel/item/guid")


def test_authors_and_categories(feed: FeedView, articles: list[Article], site: SiteConfig) -> None:
    parsed = feedparser.parse(render_rss(feed, articles, site))
    first = parsed.entries[0]
    assert [a["name"] for a in first.authors] == ["Ani", "Budi"]
    assert [t.term for t in first.tags] == ["Nasional", "Jakarta", "Pemilu"]


def test_tag_equal_to_the_section_is_not_repeated(
    feed: FeedView, make_article: MakeArticle, site: SiteConfig
) -> None:
    article = make_article(tags=("nasional", "Jakarta"))
    item = xml(render_rss(feed, [article], site)).find("channel/item")
    assert [c.text for c in item.findall("category")] == ["Nasional", "Jakarta"]


def test_free_items_carry_the_clean_body(feed: FeedView, articles: list[Article], site: SiteConfig) -> None:
    parsed = feedparser.parse(render_rss(feed, articles, site))
    first = parsed.entries[0]
    assert first.summary == articles[0].summary
    # feedparser's sanitiser reorders attributes; compare canonical forms.
    assert canonical(first.content[0].value) == canonical(render_body_html(articles[0].body))
    item = xml(render_rss(feed, articles, site)).find("channel/item")
    assert item.findtext("content:encoded", namespaces=NS) == render_body_html(articles[0].body)


def test_subscriber_items_carry_title_and_summary_only(
    feed: FeedView, articles: list[Article], site: SiteConfig
) -> None:
    item = xml(render_rss(feed, articles, site)).findall("channel/item")[1]
    assert item.find("content:encoded", NS) is None
    assert item.findtext("title") == articles[1].title
    assert item.findtext("description") == articles[1].summary
    assert "content" not in feedparser.parse(render_rss(feed, articles, site)).entries[1]


def test_hero_image_as_media_rss(feed: FeedView, articles: list[Article], site: SiteConfig) -> None:
    data = render_rss(feed, articles, site)
    item = xml(data).find("channel/item")
    content = item.find("media:content", NS)
    assert dict(content.attrib) == {
        "url": "https://www.andalpost.com/img/3.jpg",
        "medium": "image",
        "width": "1200",
        "height": "675",
    }
    assert content.findtext("media:description", namespaces=NS) == "Keterangan"
    assert content.find("media:description", NS).get("type") == "plain"
    assert content.findtext("media:credit", namespaces=NS) == "CNN"
    thumbnail = item.find("media:thumbnail", NS)
    assert thumbnail.get("url") == "https://www.andalpost.com/img/3.jpg"
    entry = feedparser.parse(data).entries[0]
    assert entry.media_content[0]["url"] == "https://www.andalpost.com/img/3.jpg"
    assert entry.media_thumbnail[0]["width"] == "1200"


def test_hero_image_without_size_caption_or_credit(
    feed: FeedView, make_article: MakeArticle, site: SiteConfig
) -> None:
    article = make_article(image=HeroImage("https://www.andalpost.com/img/a.jpg"))
    item = xml(render_rss(feed, [article], site)).find("channel/item")
    content = item.find("media:content", NS)
    assert dict(content.attrib) == {"url": "https://www.andalpost.com/img/a.jpg", "medium": "image"}
    assert len(content) == 0
    assert dict(item.find("media:thumbnail", NS).attrib) == {"url": "https://www.andalpost.com/img/a.jpg"}


def test_only_namespaces_in_use_are_declared(
    feed: FeedView, make_article: MakeArticle, site: SiteConfig
) -> None:
    subscriber = make_article(access="subscriber", image=None, authors=())
    root = xml(render_rss(feed, [subscriber], site))
    assert set(root.nsmap) == {"atom"}
    root = xml(render_rss(feed, [make_article()], site))
    assert set(root.nsmap) == {"atom", "content", "dc", "media"}


def test_hostile_text_round_trips_as_text(
    feed: FeedView, make_article: MakeArticle, site: SiteConfig
) -> None:
    article = make_article(
        title=HOSTILE,
        summary=HOSTILE,
        tags=(HOSTILE,),
        authors=(Author(HOSTILE),),
        image=HeroImage("https://www.andalpost.com/img/h.jpg", caption=HOSTILE, credit=HOSTILE),
        body=(Paragraph((Text(HOSTILE),)),),
    )
    data = render_rss(feed, [article], site)
    item = xml(data).find("channel/item")
    # Title and description are HTML to readers: plain text escaped for HTML, then for XML.
    assert html.unescape(item.findtext("title")) == HOSTILE
    assert html.unescape(item.findtext("description")) == HOSTILE
    assert "<" not in item.findtext("title") and "<" not in item.findtext("description")
    assert item.findall("category")[1].text == HOSTILE
    assert item.findtext("dc:creator", namespaces=NS) == HOSTILE
    assert item.findtext("media:content/media:credit", namespaces=NS) == HOSTILE
    body = etree.fromstring(f"<div>{item.findtext('content:encoded', namespaces=NS)}</div>")
    assert body.findtext("p") == HOSTILE and body.find(".//b") is None
    entry = feedparser.parse(data).entries[0]
    assert html.unescape(entry.title) == HOSTILE and entry.title_detail.type == "text/html"


def test_missing_feed_description_falls_back_to_the_site(
    feed: FeedView, articles: list[Article], site: SiteConfig
) -> None:
    bare = FeedView(feed.path, feed.title, feed.link, "", feed.ttl_minutes)
    channel = xml(render_rss(bare, articles, site)).find("channel")
    assert channel.findtext("description") == site.description
