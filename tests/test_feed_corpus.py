"""Every feed made from the shared corpus, read back field by field, and served with conditional GETs.

The corpus is published once with `warta publish`; the expected values come from the events
themselves (their last accepted revision), cleaned as the contract says.
"""

from __future__ import annotations

import html
import http.client
import json
import threading
from collections.abc import Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
from lxml import etree

from warta.cli.main import main
from warta.cli.serve import make_server
from warta.core.config import SiteConfig
from warta.core.text import clean_line, clean_tags

from conftest import EXAMPLE_SITE, shared_path
from support.feed_checks import check_json_feed

NOW = "2023-09-21T00:00:00+07:00"
ATOM = {"a": "http://www.w3.org/2005/Atom"}
SITEMAP = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "n": "http://www.google.com/schemas/sitemap-news/0.9",
}


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("corpus-feeds")
    events = shared_path("corpus", "events")
    args = ["publish", "--config", str(EXAMPLE_SITE), "--out", str(tmp / "public")]
    assert main([*args, "--state", str(tmp / "state"), "--now", NOW, "--no-ping", str(events)]) == 0
    return tmp


@pytest.fixture(scope="module")
def live() -> list[dict[str, Any]]:
    """The corpus's live articles at their last revision, newest first (as the home feed lists)."""
    state: dict[str, tuple[int, dict[str, Any] | None]] = {}
    for path in sorted(shared_path("corpus", "events").glob("*.json")):
        event = json.loads(path.read_text())
        article = event["article"]
        if article["id"] in state and state[article["id"]][0] >= article["revision"]:
            continue
        kept = None if event["type"] == "article.unpublished" else article
        state[article["id"]] = (article["revision"], kept)
    now = datetime.fromisoformat(NOW)
    articles = [a for _, a in state.values() if a and datetime.fromisoformat(a["published_at"]) <= now]
    return sorted(articles, key=lambda a: (datetime.fromisoformat(a["published_at"]), a["id"]), reverse=True)


def public(published: Path, path: str) -> bytes:
    return (published / "public" / path).read_bytes()


def rss_entries(published: Path) -> list[Any]:
    return feedparser.parse(public(published, "feed/index.xml")).entries


def atom_entries(published: Path) -> list[etree._Element]:
    return etree.fromstring(public(published, "feed/atom/index.xml")).findall("a:entry", ATOM)


def json_items(published: Path) -> list[dict[str, Any]]:
    return json.loads(public(published, "feed/json/index.json"))["items"]


def test_every_feed_parses_cleanly(published: Path) -> None:
    feeds = sorted((published / "public" / "feed").rglob("*"))
    xml_feeds = [p for p in feeds if p.suffix == ".xml"]
    json_feeds = [p for p in feeds if p.suffix == ".json"]
    assert len(xml_feeds) >= 10 and len(json_feeds) >= 5
    for path in xml_feeds:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.version in ("rss20", "atom10"), path
        assert parsed.entries, path
    for path in json_feeds:
        check_json_feed(json.loads(path.read_bytes()))


def test_expected_items_in_expected_order(published: Path, live: list[dict[str, Any]]) -> None:
    expected = [f"andalpost:{a['id']}" for a in live]
    assert [e.id for e in rss_entries(published)] == expected
    assert [e.findtext("a:id", namespaces=ATOM) for e in atom_entries(published)] == expected
    assert [i["id"] for i in json_items(published)] == expected
    # A section feed: the section's articles only, same order.
    ekonomi = [f"andalpost:{a['id']}" for a in live if a["section"]["id"] == "ekonomi"]
    assert [e.id for e in feedparser.parse(public(published, "feed/ekonomi.xml")).entries] == ekonomi


def test_titles(published: Path, live: list[dict[str, Any]]) -> None:
    titles = [clean_line(a["title"]) for a in live]
    # feedparser reports an escaped RSS title as text/html: a reader shows its text.
    assert [html.unescape(e.title) for e in rss_entries(published)] == titles
    assert [e.findtext("a:title", namespaces=ATOM) for e in atom_entries(published)] == titles
    assert [i["title"] for i in json_items(published)] == titles


def test_links(published: Path, live: list[dict[str, Any]]) -> None:
    urls = [a["url"] for a in live]
    assert [e.link for e in rss_entries(published)] == urls
    assert [e.find("a:link", ATOM).get("href") for e in atom_entries(published)] == urls
    assert [i["url"] for i in json_items(published)] == urls


def test_dates_keep_their_offsets(published: Path, live: list[dict[str, Any]]) -> None:
    published_at = [datetime.fromisoformat(a["published_at"]) for a in live]
    rss = etree.fromstring(public(published, "feed/index.xml")).xpath("//item/pubDate/text()")
    assert [parsedate_to_datetime(d) for d in rss] == published_at
    assert all(d.endswith("+0700") for d in rss)
    atom = [e.findtext("a:published", namespaces=ATOM) for e in atom_entries(published)]
    assert atom == [d.isoformat(timespec="seconds") for d in published_at]
    assert [i["date_published"] for i in json_items(published)] == atom
    modified = [a.get("updated_at", a["published_at"]) for a in live]
    assert [e.findtext("a:updated", namespaces=ATOM) for e in atom_entries(published)] == modified


def test_authors(published: Path, live: list[dict[str, Any]]) -> None:
    names = [[clean_line(p["name"]) for p in a.get("authors", [])] for a in live]
    assert [[p["name"] for p in e.get("authors", [])] for e in rss_entries(published)] == names
    atom = [e.xpath("a:author/a:name/text()", namespaces=ATOM) for e in atom_entries(published)]
    assert atom == names
    assert [[p["name"] for p in i.get("authors", [])] for i in json_items(published)] == names


def test_categories(published: Path, live: list[dict[str, Any]]) -> None:
    def expected(article: dict[str, Any]) -> list[str]:
        section = clean_line(article["section"]["name"])
        tags = [t for t in clean_tags(article.get("tags", [])) if t.casefold() != section.casefold()]
        return [section, *tags]

    categories = [expected(a) for a in live]
    assert [[t.term for t in e.tags] for e in rss_entries(published)] == categories
    atom = [e.xpath("a:category/@term", namespaces=ATOM) for e in atom_entries(published)]
    assert atom == categories
    assert [i["tags"] for i in json_items(published)] == categories


def test_images(published: Path, live: list[dict[str, Any]]) -> None:
    images = [a.get("image", {}).get("url") for a in live]
    rss = [e.media_content[0]["url"] if "media_content" in e else None for e in rss_entries(published)]
    assert rss == images
    widths = [str(a["image"]["width"]) for a in live if a.get("image", {}).get("width")]
    assert [e.media_content[0]["width"] for e in rss_entries(published) if "media_content" in e] == widths
    assert [i.get("image") for i in json_items(published)] == images


def test_full_content_for_free_articles_only(published: Path, live: list[dict[str, Any]]) -> None:
    root = etree.fromstring(public(published, "feed/index.xml"))
    encoded = root.xpath("//item/*[local-name()='encoded']")
    rss = {item.findtext("guid"): None for item in root.iter("item")}
    for element in encoded:
        rss[element.getparent().findtext("guid")] = element.text
    atom = {
        e.findtext("a:id", namespaces=ATOM): e.findtext("a:content", namespaces=ATOM)
        for e in atom_entries(published)
    }
    items = {i["id"]: i.get("content_html") for i in json_items(published)}
    assert rss == atom == items
    for article in live:
        body = rss[f"andalpost:{article['id']}"]
        if article.get("access", "free") == "free":
            assert body and "<script" not in body and "<iframe" not in body, article["id"]
        else:
            assert body is None, article["id"]


def test_amp_and_sitemaps_agree_with_the_feeds(published: Path, live: list[dict[str, Any]]) -> None:
    atom = {e.find("a:link", ATOM).get("href"): e for e in atom_entries(published)}
    for article in live:
        entry = atom[article["url"]]
        page = etree.HTML(public(published, "amp/" + article["url"].split("/", 3)[3] + ".html"))
        data = json.loads(page.xpath("//script[@type='application/ld+json']/text()")[0])
        graph = data if isinstance(data, dict) else data[0]
        assert page.xpath("//link[@rel='canonical']/@href") == [article["url"]]
        assert graph["headline"] == entry.findtext("a:title", namespaces=ATOM)
        assert graph["datePublished"] == entry.findtext("a:published", namespaces=ATOM)
        assert graph["dateModified"] == entry.findtext("a:updated", namespaces=ATOM)
    shard = etree.fromstring(public(published, "sitemaps/2023-09.xml"))
    lastmods = dict(
        zip(
            shard.xpath("//s:loc/text()", namespaces=SITEMAP),
            shard.xpath("//s:lastmod/text()", namespaces=SITEMAP),
            strict=True,
        )
    )
    assert set(lastmods) == set(atom)
    for url, lastmod in lastmods.items():
        assert lastmod == atom[url].findtext("a:updated", namespaces=ATOM)
    news = etree.fromstring(public(published, "sitemap-news.xml"))
    for url in news.xpath("//s:url", namespaces=SITEMAP):
        entry = atom[url.findtext("s:loc", namespaces=SITEMAP)]
        assert url.findtext(".//n:title", namespaces=SITEMAP) == entry.findtext("a:title", namespaces=ATOM)
        date = url.findtext(".//n:publication_date", namespaces=SITEMAP)
        assert date == entry.findtext("a:published", namespaces=ATOM)


# --- conditional GET through `warta serve` --------------------------------------------------------


@pytest.fixture(scope="module")
def served(published: Path) -> Iterator[tuple[str, int]]:
    server = make_server(published / "public", published / "state" / "objects", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.server_address[:2]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def get(served: tuple[str, int], path: str, **headers: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection(*served, timeout=10)
    conn.request("GET", path, headers={k.replace("_", "-"): v for k, v in headers.items()})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


@pytest.mark.parametrize(
    ("path", "content_type", "policy"),
    [
        ("/feed/index.xml", "application/rss+xml; charset=utf-8", "feed"),
        ("/feed/atom/index.xml", "application/atom+xml; charset=utf-8", "feed"),
        ("/feed/json/index.json", "application/feed+json; charset=utf-8", "feed"),
        ("/feed/smartnews/index.xml", "application/rss+xml; charset=utf-8", "feed"),
        ("/feed/nasional.xml", "application/rss+xml; charset=utf-8", "feed_section"),
        ("/feed/json/nasional.json", "application/feed+json; charset=utf-8", "feed_section"),
    ],
)
def test_conditional_get_of_a_published_feed(
    served: tuple[str, int], site: SiteConfig, path: str, content_type: str, policy: str
) -> None:
    first = get(served, path)
    assert first.status == 200
    assert first.getheader("Content-Type") == content_type
    assert first.getheader("Cache-Control") == site.cache_control[policy]
    etag, modified = first.getheader("ETag"), first.getheader("Last-Modified")
    assert etag and modified
    again = get(served, path, If_None_Match=etag)
    assert again.status == 304
    assert again.getheader("ETag") == etag
    assert get(served, path, If_Modified_Since=modified).status == 304
    assert get(served, path, If_None_Match='"something-else"').status == 200


def test_the_indexnow_key_file_is_served(served: tuple[str, int], site: SiteConfig) -> None:
    key = site.notify.indexnow_key
    response = get(served, f"/{key}.txt")
    assert response.status == 200
    assert response.getheader("Content-Type") == "text/plain; charset=utf-8"
    assert response.getheader("Cache-Control") == site.cache_control["indexnow_key"]
