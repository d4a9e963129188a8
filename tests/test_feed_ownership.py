"""Issue 14, class 8: an event cannot take over what belongs to others.

Rules: tag and author slugs keep the symbols that make a name another name (C++ is not C#,
nor c) as a hash, while case and word-separating punctuation do not split a feed
(`core.text.slugify`, `IDENTITY_SYMBOLS`); an author feed links to the author's profile only
when it is on the site's own domain (`app.outputs.feeds.feed_view`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from warta.core.text import IDENTITY_SYMBOLS, slugify

from conftest import EXAMPLE_EVENTS
from support.cli_runs import article_event, publish_events

BASE = json.loads((EXAMPLE_EVENTS / "002-festival-layang-layang.json").read_text())


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("C++", "C#", False),
        ("C++", "c", False),
        ("C#", "c", False),
        ("C++", "c++", True),  # tags match case-insensitively (contract)
        ("C", "c", True),
        ("F#", "F", False),
        ("AI & Robotik", "AI Robotik", True),  # & only separates words
        ('"Streaming" & TV', "Streaming TV", True),
        ("100%", "100", False),
        ("a+b", "a-b", False),
    ],
)
def test_slug_identity_table(a: str, b: str, same: bool) -> None:
    assert (slugify(a) == slugify(b)) is same


def _identity(name: str) -> tuple[Any, ...]:
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFC", name).casefold())
    return (re.findall(r"[a-z0-9]+", folded), IDENTITY_SYMBOLS.findall(folded))


NAMES = st.text(alphabet="cC+# &-x1", min_size=1, max_size=6).filter(
    lambda n: re.search("[cx1]", n.casefold())
)


@given(a=NAMES, b=NAMES)
def test_property_a_slug_is_shared_only_by_names_that_are_one_name(a: str, b: str) -> None:
    if slugify(a) == slugify(b):
        assert _identity(a) == _identity(b), (a, b)


def _publish(tmp: Path, articles: list[dict[str, Any]]) -> Path:
    events = [
        {**article_event(BASE, **article), "event_id": f"own-{n}"} for n, article in enumerate(articles)
    ]
    code, printed = publish_events(tmp, "2023-09-21T00:00:00+07:00", events)
    assert code == 0, printed
    return tmp / "public"


def test_distinct_tags_get_distinct_feeds(tmp_path: Path) -> None:
    site = "https://www.andalpost.com/teknologi/"
    out = _publish(
        tmp_path,
        [
            {"id": "t1", "url": site + "satu", "tags": ["C++"]},
            {"id": "t2", "url": site + "dua", "tags": ["C#"]},
            {"id": "t3", "url": site + "tiga", "tags": ["c"]},
        ],
    )
    for tag, url in (("C++", "satu"), ("C#", "dua"), ("c", "tiga")):
        feed = etree.parse(str(out / "feed" / "tag" / f"{slugify(tag)}.xml"))
        assert feed.xpath("//item/link/text()") == [site + url], tag


@pytest.mark.parametrize(
    ("profile", "link"),
    [
        ("https://evil.example/maya", "https://www.andalpost.com/author/maya-larasati"),
        ("https://www.andalpost.com.evil.example/maya", "https://www.andalpost.com/author/maya-larasati"),
        ("https://www.andalpost.com/penulis/maya", "https://www.andalpost.com/penulis/maya"),
    ],
)
def test_an_author_feed_links_only_to_a_profile_on_the_site(tmp_path: Path, profile: str, link: str) -> None:
    out = _publish(tmp_path, [{"authors": [{"name": "Maya Larasati", "url": profile}]}])
    feed = etree.parse(str(out / "feed" / "author" / "maya-larasati.xml"))
    assert feed.xpath("/rss/channel/link/text()") == [link]
