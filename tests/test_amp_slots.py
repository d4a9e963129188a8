"""Optional amp-analytics and amp-ad slots from the site config: placement, escaping, validity."""

from __future__ import annotations

import copy
import json
import tomllib
from dataclasses import replace
from datetime import datetime
from typing import Any

import lxml.html
import pytest

from warta.core.articles import Article, Author, Section
from warta.core.body.model import Paragraph, Text
from warta.core.config import ConfigError, SiteConfig, site_from_mapping
from warta.core.render.amp import render_amp_page

from amp_validator import ValidatorUnavailable, validate_amp, validator_problem
from conftest import EXAMPLE_SITE, WIB

ANALYTICS = {"type": "gtag", "vars": {"gtag_id": "G-TEST123", "note": "</script><b>&"}}
ADS = {
    "type": "doubleclick",
    "width": 300,
    "height": 250,
    "after_paragraphs": [2, 5, 99],
    "data": {"slot": "/1234567/andalpost/artikel"},
}


# make_article is function-scoped; the module-scoped validation builds its article by hand.
ARTICLE = Article(
    site="andalpost",
    id="7100",
    revision=1,
    url="https://www.andalpost.com/nasional/berita-iklan",
    title="Berita dengan iklan",
    summary="Ringkasan.",
    language="id",
    section=Section("nasional", "Nasional"),
    tags=(),
    authors=(Author("Redaksi"),),
    published_at=datetime(2024, 6, 1, 8, 0, tzinfo=WIB),
    updated_at=None,
    image=None,
    access="free",
    body=(),
    page_count=1,
)


def _site(**amp: Any) -> SiteConfig:
    data = tomllib.loads(EXAMPLE_SITE.read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["amp"].update(amp)
    return site_from_mapping(data)


def _article(make_article: Any, paragraphs: int = 6, **overrides: Any) -> Article:
    body = tuple(Paragraph((Text(f"Paragraf {i}."),)) for i in range(1, paragraphs + 1))
    return make_article(body=body, **overrides)


def _doc(page: bytes) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(page.decode("utf-8"))


def test_example_site_has_no_slots(site: SiteConfig, make_article: Any) -> None:
    assert site.amp.analytics is None and site.amp.ads is None
    doc = _doc(render_amp_page(_article(make_article), site))
    assert not doc.xpath("//amp-ad | //amp-analytics")


def test_config_is_parsed() -> None:
    site = _site(analytics=ANALYTICS, ads=ADS)
    assert site.amp.analytics is not None and site.amp.analytics.type == "gtag"
    assert site.amp.ads is not None and site.amp.ads.after_paragraphs == (2, 5, 99)
    assert dict(site.amp.ads.data or {}) == {"slot": "/1234567/andalpost/artikel"}


@pytest.mark.parametrize(
    ("amp", "message"),
    [
        ({"analytics": {"vars": {"a": "b"}}}, "amp.analytics: needs type or config_url"),
        ({"analytics": {"config_url": "http://x.example.org/c.json"}}, "https"),
        ({"analytics": {"type": "gtag onload=x"}}, "amp.analytics.type"),
        ({"ads": {"type": "doubleclick", "width": 300}}, "amp.ads.height"),
        ({"ads": {**ADS, "data": {"slot onclick": "x"}}}, "amp.ads.data"),
        ({"ads": {**ADS, "after_paragraphs": [0]}}, "amp.ads.after_paragraphs"),
    ],
)
def test_bad_config_is_rejected(amp: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _site(**amp)


def test_analytics_and_ads_are_placed(make_article: Any) -> None:
    site = _site(analytics=ANALYTICS, ads=ADS)
    doc = _doc(render_amp_page(_article(make_article), site))
    (analytics,) = doc.xpath("//body/amp-analytics")
    assert analytics.get("type") == "gtag"
    (config,) = analytics.xpath('./script[@type="application/json"]')
    assert "</" not in config.text
    assert json.loads(config.text) == {"vars": ANALYTICS["vars"]}
    # After paragraphs 2 and 5; a 99th paragraph does not exist, so no third slot.
    content = doc.xpath('//div[@class="content"]')[0]
    order = [el.get("class") or el.xpath("string(.)") for el in content]
    assert order == [
        "Paragraf 1.",
        "Paragraf 2.",
        "ad",
        "Paragraf 3.",
        "Paragraf 4.",
        "Paragraf 5.",
        "ad",
        "Paragraf 6.",
    ]
    for ad in content.xpath(".//amp-ad"):
        assert (ad.get("type"), ad.get("width"), ad.get("height")) == ("doubleclick", "300", "250")
        assert ad.get("data-slot") == "/1234567/andalpost/artikel"
        assert ad.xpath("./*[@placeholder]") and ad.xpath("./*[@fallback]")
    assert doc.xpath("//head/script/@custom-element") == ["amp-ad", "amp-analytics"]


@pytest.fixture(scope="module")
def validated() -> dict[str, list[str]]:
    problem = validator_problem()
    if problem is not None:
        pytest.skip(f"AMP validator not installed: {problem}")
    base = _site(analytics=ANALYTICS, ads=ADS)
    only_config_url = _site(analytics={"config_url": "https://analytics.example.org/amp.json"})
    pages: dict[str, bytes] = {}
    body = tuple(Paragraph((Text(f"Paragraf {i}."),)) for i in range(1, 7))
    article = ARTICLE.with_body(body)
    pages["ads-and-analytics"] = render_amp_page(article, base)
    pages["subscriber"] = render_amp_page(replace(article, access="subscriber"), base)
    pages["config-url-only"] = render_amp_page(article, only_config_url)
    try:
        return validate_amp(pages)
    except ValidatorUnavailable as exc:
        pytest.skip(str(exc))


@pytest.mark.parametrize("case", ["ads-and-analytics", "subscriber", "config-url-only"])
def test_slots_are_valid_amp(case: str, validated: dict[str, list[str]]) -> None:
    assert validated[case] == []
