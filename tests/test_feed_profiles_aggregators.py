"""Issue 14, class 10: what aggregators reject is held back, with the reason.

Each rule is a key of a profile in the site config, checked against the aggregator's current
documentation (cited in examples/andalpost/site.toml): MSN ("an article must have a ... Body";
titles "No HTML tags allowed") and SmartNews SmartFormat (channel <description> "30 characters
or less" and <pubDate>, both required). An item held back is logged with its reason.
"""

from __future__ import annotations

import json
import logging
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from warta.core.render.feed_fields import shortened

from conftest import EXAMPLE_EVENTS
from support.cli_runs import article_event, publish_events

BASE = json.loads((EXAMPLE_EVENTS / "002-festival-layang-layang.json").read_text())
URL = BASE["article"]["url"]


def publish(tmp: Path, caplog: pytest.LogCaptureFixture, **article: Any) -> Path:
    with caplog.at_level(logging.WARNING):
        code, printed = publish_events(tmp, "2023-09-21T00:00:00+07:00", [article_event(BASE, **article)])
    assert code == 0, printed
    return tmp / "public"


def links(out: Path, feed: str) -> list[str]:
    return etree.parse(str(out / "feed" / feed / "index.xml")).xpath("//item/link/text()")


@pytest.mark.parametrize(
    ("article", "in_msn", "rule"),
    [
        ({}, True, None),
        ({"access": "subscriber"}, False, "require_body"),
        ({"title": "Ulasan <b>Drama</b> Keluarga yang Ditunggu"}, False, "plain_title"),
        ({"title": "Harga Naik &amp; Turun di Pasar Pagi Ini"}, False, "plain_title"),
        ({"title": "Harga Naik & Turun di Pasar Pagi Kota Ini"}, True, None),
        ({"title": "Skor 3 < 5 di Laga Final Liga Kota Pesisir"}, True, None),
        ({"pages": ["<script>alert(1)</script>"]}, False, "require_body"),
    ],
)
def test_msn_holds_back_what_it_rejects(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, article: dict[str, Any], in_msn: bool, rule: str | None
) -> None:
    out = publish(tmp_path, caplog, **article)
    assert (URL in links(out, "msn")) is in_msn
    assert URL in links(out, "google-news") or article.get("access") or article.get("pages")
    if rule is not None:
        assert any(getattr(r, "rule", None) == rule and r.url == URL for r in caplog.records), rule


def test_smartnews_channel_has_pub_date_and_a_short_description(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = publish(tmp_path, caplog)
    channel = etree.parse(str(out / "feed" / "smartnews" / "index.xml")).find("channel")
    description = channel.findtext("description")
    assert 0 < len(description) <= 30
    published = parsedate_to_datetime(channel.findtext("pubDate"))
    assert published.isoformat() == BASE["article"]["published_at"]
    home = etree.parse(str(out / "feed" / "index.xml")).find("channel")
    assert home.find("pubDate") is None  # only where a profile asks for it


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Berita terkini", None, "Berita terkini"),
        ("Berita terkini", 14, "Berita terkini"),
        ("Berita terkini nasional", 14, "Berita…"),
        ("Berita", 3, "Be…"),
        ("", 30, ""),
    ],
)
def test_shortened(text: str, limit: int | None, expected: str) -> None:
    assert shortened(text, limit) == expected
    assert limit is None or len(shortened(text, limit)) <= limit
