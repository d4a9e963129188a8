"""Atom 1.0 and JSON Feed 1.1 variants: RFC 4287 rules, JSON Feed 1.1 fields, and agreement with RSS."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import feedparser
import pytest
from lxml import etree

from warta.core.articles import Article, Author, HeroImage
from warta.core.body.model import Figure, Image, Paragraph, Strong, Text
from warta.core.config import SiteConfig
from warta.core.render.atom import ATOM_NS, EMPTY_FEED_UPDATED, render_atom
from warta.core.render.body_html import render_body_html
from warta.core.render.feed_fields import FeedOptions
from warta.core.render.jsonfeed import render_json_feed
from warta.core.render.rss import render_rss
from warta.core.views import FeedView

from support.feed_checks import RFC3339, check_json_feed

WIB = timezone(timedelta(hours=7))
NS = {"a": ATOM_NS, "media": "http://search.yahoo.com/mrss/", "atom": ATOM_NS}
HUB = "http://127.0.0.1:9/hub"
# RFC 3987 IRI: a scheme, then anything; RFC 4287 4.2.6 wants atom:id to be one.
IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
MakeArticle = Callable[..., Article]


def view(site: SiteConfig, path: str) -> FeedView:
    return FeedView(path=path, title="Andalpost", link=f"{site.base_url}/", description="", ttl_minutes=5)


@pytest.fixture
def articles(make_article: MakeArticle) -> list[Article]:
    """Newest first: free with body figure and two authors; subscriber; free, edited, in UTC."""
    base = datetime(2023, 9, 10, 19, 40, tzinfo=WIB)
    return [
        make_article(
            id="3",
            published_at=base,
            authors=(Author("Ani", "https://www.andalpost.com/author/ani"), Author("Budi")),
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
            authors=(),
        ),
    ]


def atom(site: SiteConfig, articles: list[Article], hubs: tuple[str, ...] = ()) -> bytes:
    return render_atom(view(site, "feed/atom/index.xml"), articles, site, FeedOptions(hubs=hubs))


def jsonfeed(site: SiteConfig, articles: list[Article], hubs: tuple[str, ...] = ()) -> dict[str, Any]:
    body = render_json_feed(view(site, "feed/json/index.json"), articles, site, FeedOptions(hubs=hubs))
    return json.loads(body.decode("utf-8"))


# --- Atom: RFC 4287 ----------------------------------------------------------------------------


def test_atom_parses_without_complaint(site: SiteConfig, articles: list[Article]) -> None:
    parsed = feedparser.parse(atom(site, articles))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert len(parsed.entries) == 3


def _one(parent: etree._Element, path: str) -> etree._Element:
    found = parent.findall(path, NS)
    assert len(found) == 1, f"{path}: {len(found)} elements"
    return found[0]


@pytest.mark.parametrize("with_articles", [True, False])
def test_atom_follows_rfc_4287(site: SiteConfig, articles: list[Article], with_articles: bool) -> None:
    root = etree.fromstring(atom(site, articles if with_articles else []))
    assert root.tag == f"{{{ATOM_NS}}}feed"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "id"
    # 4.1.1: exactly one id, title, updated; an author (every entry inherits it).
    assert IRI.match(_one(root, "a:id").text)
    assert _one(root, "a:title").text == "Andalpost"
    assert RFC3339.match(_one(root, "a:updated").text)
    assert _one(root, "a:author/a:name").text == site.name
    # 4.1.1: at most one alternate link per type and hreflang; a self link is recommended.
    alternate = root.findall("a:link[@rel='alternate']", NS)
    assert len(alternate) == 1 and alternate[0].get("href") == f"{site.base_url}/"
    self_link = _one(root, "a:link[@rel='self']")
    assert self_link.get("href") == "https://www.andalpost.com/feed/atom/index.xml"
    assert self_link.get("type") == "application/atom+xml"
    entries = root.findall("a:entry", NS)
    assert len(entries) == (3 if with_articles else 0)
    ids = [_one(e, "a:id").text for e in entries]
    assert len(set(ids)) == len(ids) and all(IRI.match(i) for i in ids)
    for entry in entries:
        _one(entry, "a:title")
        assert RFC3339.match(_one(entry, "a:updated").text)
        assert RFC3339.match(_one(entry, "a:published").text)
        # 4.1.2: an entry without content has an alternate link; ours always do.
        assert _one(entry, "a:link[@rel='alternate']").get("href").startswith("https://")
        assert len(entry.findall("a:content", NS)) <= 1
        for content in entry.findall("a:content", NS):
            assert content.get("type") == "html"
        assert len(entry.findall("a:summary", NS)) <= 1
        for person in entry.findall("a:author", NS):
            _one(person, "a:name")  # 3.2.1: a person construct has exactly one name


def test_empty_atom_feed_carries_a_constant_updated(site: SiteConfig) -> None:
    root = etree.fromstring(atom(site, []))
    assert root.findtext("a:updated", namespaces=NS) == EMPTY_FEED_UPDATED.isoformat(timespec="seconds")
    assert "media" not in root.nsmap
    assert atom(site, []) == atom(site, [])


def test_atom_updated_is_the_newest_modification(site: SiteConfig, articles: list[Article]) -> None:
    root = etree.fromstring(atom(site, articles))
    assert root.findtext("a:updated", namespaces=NS) == "2023-09-10T20:10:00+07:00"


def test_atom_entries_round_trip(site: SiteConfig, articles: list[Article]) -> None:
    data = atom(site, articles)
    entries = feedparser.parse(data).entries
    assert [e.link for e in entries] == [a.url for a in articles]
    assert [e.title for e in entries] == [a.title for a in articles]
    assert [e.id for e in entries] == ["andalpost:3", "andalpost:2", "andalpost:1"]
    root = etree.fromstring(data)
    # The offset each article was given, not converted to UTC.
    assert root.xpath("a:entry/a:published/text()", namespaces=NS) == [
        "2023-09-10T19:40:00+07:00",
        "2023-09-10T18:40:00+07:00",
        "2023-09-09T08:00:00+00:00",
    ]
    assert root.xpath("a:entry/a:updated/text()", namespaces=NS)[2] == "2023-09-10T20:10:00+07:00"
    first = entries[0]
    assert [a.name for a in first.authors] == ["Ani", "Budi"]
    assert first.authors[0].href == "https://www.andalpost.com/author/ani"
    assert [t.term for t in first.tags] == ["Nasional", "Jakarta", "Pemilu"]
    assert first.media_content[0]["url"] == "https://www.andalpost.com/img/3.jpg"
    assert first.summary == articles[0].summary
    content = root.find("a:entry/a:content", NS).text
    assert content == render_body_html(articles[0].body)


def test_atom_subscriber_entry_has_no_content(site: SiteConfig, articles: list[Article]) -> None:
    entry = etree.fromstring(atom(site, articles)).findall("a:entry", NS)[1]
    assert entry.find("a:content", NS) is None
    assert entry.findtext("a:summary", namespaces=NS) == articles[1].summary


def test_atom_hub_link_only_when_configured(site: SiteConfig, articles: list[Article]) -> None:
    assert etree.fromstring(atom(site, articles)).find("a:link[@rel='hub']", NS) is None
    hub = etree.fromstring(atom(site, articles, (HUB,))).find("a:link[@rel='hub']", NS)
    assert hub.get("href") == HUB


# --- JSON Feed 1.1 -----------------------------------------------------------------------------


@pytest.mark.parametrize("with_articles", [True, False])
def test_json_feed_has_every_required_field(
    site: SiteConfig, articles: list[Article], with_articles: bool
) -> None:
    check_json_feed(jsonfeed(site, articles if with_articles else [], (HUB,)))


def test_json_feed_items_round_trip(site: SiteConfig, articles: list[Article]) -> None:
    document = jsonfeed(site, articles)
    assert document["feed_url"] == "https://www.andalpost.com/feed/json/index.json"
    assert "hubs" not in document
    items = document["items"]
    assert [i["id"] for i in items] == ["andalpost:3", "andalpost:2", "andalpost:1"]
    assert [i["url"] for i in items] == [a.url for a in articles]
    assert [i["date_published"] for i in items] == [
        "2023-09-10T19:40:00+07:00",
        "2023-09-10T18:40:00+07:00",
        "2023-09-09T08:00:00+00:00",
    ]
    assert items[2]["date_modified"] == "2023-09-10T20:10:00+07:00"
    assert items[0]["authors"] == [
        {"name": "Ani", "url": "https://www.andalpost.com/author/ani"},
        {"name": "Budi"},
    ]
    assert "authors" not in items[2]
    assert items[0]["tags"] == ["Nasional", "Jakarta", "Pemilu"]
    assert items[0]["image"] == "https://www.andalpost.com/img/3.jpg"
    assert items[0]["content_html"] == render_body_html(articles[0].body)
    # Subscriber: the summary as text, never the body.
    assert "content_html" not in items[1] and items[1]["content_text"] == articles[1].summary


def test_json_feed_hubs(site: SiteConfig, articles: list[Article]) -> None:
    assert jsonfeed(site, articles, (HUB,))["hubs"] == [{"type": "WebSub", "url": HUB}]


def test_json_feed_is_utf8_not_escaped(site: SiteConfig, make_article: MakeArticle) -> None:
    body = render_json_feed(view(site, "f.json"), [make_article(title="智能钱包 — 🚀")], site)
    assert "智能钱包 — 🚀".encode() in body


# --- the same article in every format ----------------------------------------------------------


def test_formats_agree_on_titles_links_ids_and_dates(
    site: SiteConfig, articles: list[Article], make_article: MakeArticle
) -> None:
    hostile = make_article(
        id="9", title='<b>Drama</b> & "quotes" 智能', image=HeroImage("https://x.test/a.jpg")
    )
    items = [hostile, *articles]
    rss = etree.fromstring(render_rss(view(site, "feed/index.xml"), items, site))
    atom_root = etree.fromstring(atom(site, items))
    document = jsonfeed(site, items)
    rss_items = rss.findall("channel/item")
    entries = atom_root.findall("a:entry", NS)
    for article, item, entry, json_item in zip(items, rss_items, entries, document["items"], strict=True):
        # RSS titles are HTML to readers: the plain text arrives escaped for HTML (class 4).
        rss_title = html.unescape(item.findtext("title"))
        assert rss_title == entry.findtext("a:title", namespaces=NS) == json_item["title"]
        assert article.title == json_item["title"]
        assert item.findtext("link") == entry.find("a:link", NS).get("href") == json_item["url"]
        assert item.findtext("guid") == entry.findtext("a:id", namespaces=NS) == json_item["id"]
        # The same instant in the same offset.
        rss_date = parsedate_to_datetime(item.findtext("pubDate"))
        atom_date = datetime.fromisoformat(entry.findtext("a:published", namespaces=NS))
        json_date = datetime.fromisoformat(json_item["date_published"])
        assert rss_date == atom_date == json_date == article.published_at
        assert rss_date.utcoffset() == atom_date.utcoffset() == json_date.utcoffset()
        assert item.findtext("description") == entry.findtext("a:summary", namespaces=NS)


@pytest.mark.parametrize(
    "page",
    ["<script>alert(1)</script>", "<p>Simak selengkapnya di halaman berikutnya.</p>", "<style>p{}</style>"],
)
def test_a_body_that_cleans_to_nothing_gives_text_content_in_every_format(tmp_path, page: str) -> None:
    """Issue 14, class 9: an empty body after cleaning never gives an empty content field."""
    import contextlib
    import io

    from warta.cli.main import main

    from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE

    data = json.loads((EXAMPLE_EVENTS / "002-festival-layang-layang.json").read_text())
    data["article"]["pages"] = [page]
    (tmp_path / "e.json").write_text(json.dumps(data))
    with contextlib.redirect_stdout(io.StringIO()):
        args = ["--config", str(EXAMPLE_SITE), "--out", str(tmp_path / "p"), "--state", str(tmp_path / "s")]
        assert main(["publish", *args, "--now", "2023-09-21T00:00:00+07:00", str(tmp_path / "e.json")]) == 0
    (item,) = json.loads((tmp_path / "p" / "feed" / "json" / "index.json").read_text())["items"]
    assert "content_html" not in item and item["content_text"] == item["summary"]
    rss = etree.parse(str(tmp_path / "p" / "feed" / "index.xml"))
    assert not rss.xpath(
        "//item/content:encoded", namespaces={"content": "http://purl.org/rss/1.0/modules/content/"}
    )
    atom = etree.parse(str(tmp_path / "p" / "feed" / "atom" / "index.xml"))
    assert not atom.xpath("//a:entry/a:content", namespaces={"a": "http://www.w3.org/2005/Atom"})
