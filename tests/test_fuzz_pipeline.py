"""Hostile input, end to end through the pure core: parser, body model and every renderer.

`make test` runs a few hundred examples; `make fuzz` (WARTA_FUZZ_EXAMPLES=20000) the full run.
"""

from __future__ import annotations

import json
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warta.core.articles import Article
from warta.core.body import build_body
from warta.core.config import SiteConfig
from warta.core.events import EventRejected, parse_event, state_from_event
from warta.core.render.amp import render_amp_page
from warta.core.render.rss import render_rss
from warta.core.render.sitemaps import render_news_sitemap
from warta.core.views import FeedView

from support.output_safety import HOSTILE_FRAGMENTS, assert_clean_html, assert_clean_xml

EXAMPLES = int(os.environ.get("WARTA_FUZZ_EXAMPLES", "150"))
HOSTILE_TEXT = st.lists(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(
            ["<", ">", "&", '"', "'", "\x00", "\x01", "\x0b", "\ufffe", "\ud800", "\u0301", "]]>", "<!--"]
        ),
    ),
    max_size=30,
).map("".join)
FRAGMENTS = st.sampled_from(HOSTILE_FRAGMENTS)


@st.composite
def hostile_pages(draw: st.DrawFn) -> list[str]:
    pages = []
    for _ in range(draw(st.integers(1, 3))):
        parts = draw(st.lists(st.one_of(FRAGMENTS, HOSTILE_TEXT), min_size=1, max_size=12))
        page = "".join(parts)
        pages.append(page if page.strip() else "<p>x</p>")
    return pages


@st.composite
def hostile_events(draw: st.DrawFn) -> dict[str, Any]:
    title = draw(HOSTILE_TEXT.filter(lambda t: t != ""))
    article: dict[str, Any] = {
        "id": "fuzz-1",
        "revision": draw(st.integers(1, 10**6)),
        "url": "https://www.andalpost.com/nasional/"
        + draw(st.from_regex(r"[a-z0-9-]{1,40}", fullmatch=True)),
        "title": title,
        "summary": draw(HOSTILE_TEXT),
        "section": {"id": "nasional", "name": draw(HOSTILE_TEXT.filter(bool))},
        "tags": draw(st.lists(HOSTILE_TEXT.filter(bool), max_size=5)),
        "authors": [{"name": draw(HOSTILE_TEXT.filter(bool))}],
        "published_at": "2023-09-10T19:40:00+07:00",
        "image": {
            "url": "https://www.andalpost.com/a.jpg?x=1&y=%3C2%3E",
            "alt": draw(HOSTILE_TEXT),
            "caption": draw(HOSTILE_TEXT),
            "credit": draw(HOSTILE_TEXT),
        },
        "pages": draw(hostile_pages()),
        "access": draw(st.sampled_from(["free", "subscriber"])),
    }
    return {
        "spec_version": "1",
        "event_id": "fuzz",
        "type": "article.published",
        "occurred_at": "2023-09-10T19:40:00+07:00",
        "article": article,
    }


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event=hostile_events())
def test_hostile_events_give_clean_outputs_or_a_clean_rejection(
    event: dict[str, Any], site: SiteConfig
) -> None:
    try:
        state = state_from_event(parse_event(json.dumps(event)), site, build_body)
    except EventRejected as exc:
        # Every generated event is valid but for a title that may clean down to nothing.
        assert exc.field == "article/title", exc
        return
    assert isinstance(state, Article)
    assert_clean_html(render_amp_page(state, site))
    view = FeedView("feed/index.xml", site.name, f"{site.base_url}/", site.description, 5)
    assert_clean_xml(render_rss(view, [state], site))
    assert_clean_xml(render_news_sitemap([state], site))


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    raw=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda inner: (
                st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
            ),
            max_leaves=20,
        ).map(json.dumps),
    )
)
def test_the_event_parser_never_crashes(raw: bytes | str) -> None:
    try:
        parse_event(raw)
    except EventRejected as exc:
        assert exc.field and exc.reason
