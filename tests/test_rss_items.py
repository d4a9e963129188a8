"""RSS items written as strings are the bytes feedgen's items on an lxml tree serialised to.

`rss.render_rss_item` writes one <item> directly; the documents it makes must be the ones the
feedgen path made (support/rss_tree, the old renderer kept as the oracle), for articles of
hostile text in every option set, and its escaping must be libxml2's at the boundaries.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from test_html_out import hostile_text

from warta.app.outputs.feeds import feed_view
from warta.core.articles import Article, Author, HeroImage, Section
from warta.core.body.model import Figure, Image, Paragraph, Text
from warta.core.config import load_site
from warta.core.render.feed_fields import FeedOptions, forget_rendered_items
from warta.core.render.rss import _attribute, _text, render_rss, rfc822

from conftest import EXAMPLE_SITE
from support import rss_tree

SITE = load_site(EXAMPLE_SITE)
VIEW = feed_view(next(spec for spec in SITE.feeds if spec.select == "all"), None, SITE)
OPTIONS = [
    FeedOptions(),
    FeedOptions(carries_body=False),
    FeedOptions(enclosure=True, hubs=("https://hub.example/",), snf_logo="https://a.example/l.png"),
    FeedOptions(channel_pub_date=True, channel_description_chars=12),
]


@pytest.mark.parametrize(
    ("value", "as_text", "as_attribute"),
    [
        ("a&b<c>d", "a&amp;b&lt;c&gt;d", "a&amp;b&lt;c&gt;d"),
        ('"it\'s"', '"it\'s"', "&quot;it's&quot;"),
        ("]]>", "]]&gt;", "]]&gt;"),
        ("a\tb\nc\rd", "a\tb\nc&#13;d", "a&#9;b&#10;c&#13;d"),
        ("\xa0é😀\u2028", "\xa0é😀\u2028", "\xa0é😀\u2028"),
    ],
)
def test_escaping_is_libxml2s(value: str, as_text: str, as_attribute: str) -> None:
    node = etree.Element("x", a=value)
    node.text = value
    assert etree.tostring(node, encoding="UTF-8").decode() == f'<x a="{as_attribute}">{as_text}</x>'
    assert (_text(value), _attribute(value)) == (as_text, as_attribute)


@pytest.mark.parametrize("value", ["\x00", "\x0b", "a\x1fb", "\ufffe"])
def test_text_xml_cannot_hold_is_refused(value: str) -> None:
    with pytest.raises(ValueError):
        _text(value)
    with pytest.raises(ValueError):
        _attribute(value)


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2024, 1, 7, 3, 4, 5, tzinfo=timezone(timedelta(hours=7))),
        datetime(1999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
        datetime(2024, 2, 29, 0, 0, tzinfo=UTC),
    ],
)
def test_dates_are_feedgens(moment: datetime) -> None:
    from feedgen.util import formatRFC2822

    assert rfc822(moment) == formatRFC2822(moment)


_URLS = st.sampled_from(
    ["https://www.andalpost.com/a.jpg", "https://a.example/x.webp?a=1&b=2", "https://a.example/noext", ""]
) | hostile_text.map(lambda t: "https://a.example/" + t)
_body = st.lists(
    st.one_of(
        hostile_text.map(lambda t: Paragraph((Text(t),))),
        st.builds(Figure, st.builds(Image, _URLS, hostile_text), hostile_text, hostile_text),
    ),
    max_size=3,
).map(tuple)


@st.composite
def _articles(draw: st.DrawFn) -> list[Article]:
    count = draw(st.integers(0, 3))
    return [
        Article(
            site=SITE.id,
            id=str(8000 + n),
            revision=1,
            url=draw(st.sampled_from(["https://www.andalpost.com/n/a", ""]) | _URLS),
            title=draw(hostile_text),
            summary=draw(hostile_text),
            language="id",
            section=Section("nasional", draw(hostile_text)),
            tags=tuple(draw(st.lists(hostile_text, max_size=3))),
            authors=tuple(draw(st.lists(st.builds(Author, hostile_text, st.just("")), max_size=2))),
            published_at=datetime(2024, 1, 2, 3, 4, tzinfo=timezone(timedelta(hours=7))),
            updated_at=None,
            image=draw(
                st.none()
                | st.builds(
                    HeroImage,
                    _URLS,
                    st.none() | st.integers(1, 2000),
                    st.integers(1, 2000),
                    hostile_text,
                    hostile_text,
                    hostile_text,
                )
            ),
            access=draw(st.sampled_from(["free", "subscriber"])),
            body=draw(_body),
            page_count=1,
        )
        for n in range(count)
    ]


def _outcome(render: Any, articles: list[Article], options: FeedOptions) -> bytes | str:
    forget_rendered_items()
    try:
        document: bytes = render(VIEW, articles, SITE, options)
    except ValueError as exc:  # lxml and feedgen refuse what XML cannot hold, and so must the strings
        return f"refused: {type(exc).__name__}"
    return document


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(_articles(), st.sampled_from(OPTIONS))
def test_documents_of_hostile_articles_are_the_feedgen_paths_bytes(
    articles: list[Article], options: FeedOptions
) -> None:
    assert _outcome(render_rss, articles, options) == _outcome(rss_tree.render_rss, articles, options)


def test_the_oracle_is_the_feedgen_path() -> None:
    """Guards the property: an oracle that were the new renderer again would prove nothing."""
    assert hasattr(rss_tree, "_item") and not hasattr(rss_tree, "render_rss_item")
