"""Sizes stay bounded (issue 14, class 9): a feed's `content = "summary"` carries no body.

One long article lists in every tag and author feed it names; with the body in each, a 1.8 MB
article with 50 tags and 20 authors made 142 MB of output. The example site's tag and author
feeds carry summaries; the home and section feeds carry the body.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from warta.core.articles import Article
from warta.core.body.model import Paragraph, Text
from warta.core.config import ConfigError, SiteConfig, site_from_mapping
from warta.core.render import atom, jsonfeed, rss
from warta.core.render.feed_fields import FeedOptions
from warta.core.views import FeedView

from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE
from support.cli_runs import article_event, publish_events

NS = {
    "content": "http://purl.org/rss/1.0/modules/content/",
    "atom": "http://www.w3.org/2005/Atom",
}
MakeArticle = Callable[..., Article]
SUMMARY = FeedOptions(carries_body=False)
FULL = FeedOptions()


def _view(site: SiteConfig, path: str) -> FeedView:
    return FeedView(
        path=path, title="Andalpost — Tag", link=f"{site.base_url}/", description="", ttl_minutes=5
    )


def _bodies(document: bytes, fmt: str) -> list[str]:
    """The article bodies a feed document carries, by its format's own element."""
    if fmt == "json":
        return [item["content_html"] for item in json.loads(document)["items"] if "content_html" in item]
    root = etree.fromstring(document)
    if fmt == "rss":
        return [str(text) for text in root.xpath("//item/content:encoded/text()", namespaces=NS)]
    return [str(text) for text in root.xpath("//atom:entry/atom:content/text()", namespaces=NS)]


RENDER: dict[str, Callable[[FeedView, Sequence[Article], SiteConfig, FeedOptions | None], bytes]] = {
    "rss": rss.render_rss,
    "atom": atom.render_atom,
    "json": jsonfeed.render_json_feed,
}


@pytest.mark.parametrize("fmt", sorted(RENDER))
@pytest.mark.parametrize(
    ("options", "access", "bodies"),
    [
        (FULL, "free", 1),  # the body, as every feed carried it before
        (SUMMARY, "free", 0),
        (FULL, "subscriber", 0),  # the paywall, whatever the feed says
        (SUMMARY, "subscriber", 0),
    ],
)
def test_content_table(
    site: SiteConfig, make_article: MakeArticle, fmt: str, options: FeedOptions, access: str, bodies: int
) -> None:
    article = make_article(access=access)
    document = RENDER[fmt](_view(site, f"feed/tag/x.{fmt}"), [article], site, options)
    assert len(_bodies(document, fmt)) == bodies
    if fmt == "json":
        (item,) = json.loads(document)["items"]
        # JSON Feed 1.1: an item has content_html or content_text; a summary item has the text.
        assert ("content_html" in item) == bool(bodies)
        assert item.get("content_text", article.summary) == article.summary


# make_article is a pure factory: nothing to reset between examples.
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    words=st.lists(st.text(alphabet="abcdefghij <>&", min_size=1, max_size=40), min_size=1, max_size=60),
    repeat=st.integers(min_value=1, max_value=2_000),
    fmt=st.sampled_from(sorted(RENDER)),
)
def test_property_a_summary_feed_does_not_grow_with_the_body(
    site: SiteConfig, make_article: MakeArticle, words: list[str], repeat: int, fmt: str
) -> None:
    """Any body, of any length: a summary feed's bytes are those of the same feed with a
    one-word body, so no body can make it grow."""
    long_body = tuple(Paragraph((Text(" ".join(words) * repeat),)) for _ in range(3))
    short_body = (Paragraph((Text("x"),)),)
    view = _view(site, f"feed/tag/x.{fmt}")
    long_doc = RENDER[fmt](view, [make_article(body=long_body)], site, SUMMARY)
    short_doc = RENDER[fmt](view, [make_article(body=short_body, revision=2)], site, SUMMARY)
    assert long_doc == short_doc


def _tree_bytes(root: Path, pattern: str) -> int:
    return sum(path.stat().st_size for path in root.glob(pattern) if path.is_file())


def test_a_long_article_with_many_tags_and_authors_stays_bounded(tmp_path: Path) -> None:
    base = json.loads(sorted(EXAMPLE_EVENTS.glob("*.json"))[0].read_text())
    paragraph = "<p>" + "Kalimat panjang tentang berita hari ini. " * 45 + "</p>"
    body = paragraph * (1_800_000 // len(paragraph))
    event = article_event(
        base,
        pages=[body],
        tags=[f"Topik {n}" for n in range(50)],
        authors=[{"name": f"Penulis {n}"} for n in range(20)],
    )
    code, printed = publish_events(tmp_path, "2023-09-11T00:00:00+07:00", [event])
    assert code == 0, printed
    public = tmp_path / "public"
    tag_feeds = sorted((public / "feed/tag").glob("*.xml"))
    author_feeds = sorted((public / "feed/author").glob("*.xml"))
    assert len(tag_feeds) == 50 and len(author_feeds) == 20
    for feed in (*tag_feeds, *author_feeds):
        root = etree.parse(str(feed))
        assert root.xpath("count(//item)") == 1
        assert root.xpath("count(//content:encoded)", namespaces=NS) == 0, feed
        assert root.xpath("string(//item/description)") == base["article"]["summary"]
    # Each summary feed is a few kB; the body is carried by the home and section feeds only.
    assert _tree_bytes(public, "feed/tag/*.xml") + _tree_bytes(public, "feed/author/*.xml") < 70 * 8_000
    home = etree.parse(str(public / "feed/index.xml"))
    assert len(home.xpath("string(//item/content:encoded)", namespaces=NS)) > 1_000_000
    # Was 142 MB: the body in 70 feeds and their formats; now the home and section feeds in
    # three formats each, the profile copies and the AMP page.
    assert _tree_bytes(public, "**/*") < 20 * len(body)


def _config(**feed: Any) -> dict[str, Any]:
    import tomllib

    data = tomllib.loads(EXAMPLE_SITE.read_text(encoding="utf-8"))
    data["feeds"]["home"].update(feed)
    return data


@pytest.mark.parametrize(
    ("feed", "message"),
    [
        ({"content": "teaser"}, "feeds.home.content: expected one of full, summary, got 'teaser'"),
        ({"content": "summary"}, "feeds.home.content: a profile of this feed needs full_text"),
    ],
)
def test_content_config_is_checked(feed: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        site_from_mapping(_config(**feed))


def test_summary_is_accepted_where_no_profile_needs_the_body() -> None:
    data = _config(content="summary", profiles={})
    home = next(spec for spec in site_from_mapping(data).feeds if spec.name == "home")
    assert home.content == "summary"
