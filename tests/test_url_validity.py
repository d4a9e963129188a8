"""Issue 14, class 7: links and media that cannot be valid are dropped or made text.

One rule (`warta.core.urls.is_valid_link`) decides; the body parser (links, images, media,
iframes, embeds), the AMP renderer, the feed body HTML and ingest (hero image, author links)
all use it. The AMP page of every hostile case stays valid for the official validator.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import lxml.html
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from warta.core.articles import Article, HeroImage, Section
from warta.core.body import build_body
from warta.core.config import SiteConfig
from warta.core.events import parse_event, state_from_event
from warta.core.render.amp import render_amp_page
from warta.core.render.body_html import render_body_html
from warta.core.urls import InvalidUrl, http_parts, is_valid_link

from amp_validator import ValidatorUnavailable, validate_amp, validator_problem
from conftest import EXAMPLE_EVENTS

URL = "https://www.andalpost.com/nasional/berita-tautan"
WIB = timezone(timedelta(hours=7))

# Hostile hrefs/srcs: each can never be a valid http(s) link.
HOSTILE = [
    "//javascript:alert(1)",  # resolves to https://javascript:alert(1): the "port" is alert(1)
    "https://javascript:alert(1)",
    "https://javascript:alert(1)/x",
    "http://example.com:99999/",  # port past 65535
    "http://example.com:65536/",
    "http://example.com:-1/",
    "http://example.com:8o/",  # not numeric
    "http://example.com:+80/",
    "http://example.com: 80/",
    "https:///no-host",
    "https://:443/",
    "https://exa mple.com/",  # a space in the host
    "https://a_b.example/",  # "_" is no host character
    "https://-bad.example/",
    "https://bad-.example/",
    "https://ex..com/",
    "https://.example/",
    "https://" + "a" * 64 + ".example/",  # label past 63 octets
    "https://" + "ü" * 60 + ".example/",  # IDN whose A-label is past 63 octets
    "https://" + ".".join(["abcdefghij"] * 24) + "/",  # host past 253 octets
    "https://user:pw@example.com/",  # userinfo
    "https://user@example.com/",
    "https://example.com@evil.example/",
    "https://[::1/",  # unbalanced IP literal
    "https://[::1]/",  # IP literals are not allowed
    "https://ex<a>.com/",
    "https://ex%41mple.com/",  # escapes in a host
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
]
VALID = [
    "https://example.com/",
    "https://EXAMPLE.com/a?b=c#d",
    "http://example.com:8080/x",
    "https://example.com:443/",
    "https://bücher.example/ü",
    "https://xn--bcher-kva.example/",
    "http://192.0.2.1/x",
    "https://a-b.c-d.example/",
    "https://example.com./",  # a fully qualified name
]


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_url_is_no_link(url: str) -> None:
    assert not is_valid_link(url, mailto=True)


@pytest.mark.parametrize("url", VALID)
def test_real_url_is_a_link(url: str) -> None:
    assert is_valid_link(url)


def test_mailto_only_where_asked() -> None:
    assert is_valid_link("mailto:redaksi@andalpost.com", mailto=True)
    assert not is_valid_link("mailto:redaksi@andalpost.com")
    assert not is_valid_link("http://example.com/", https_only=True)


def _html(url: str) -> str:
    return (
        f'<p>Awal <a href="{url}">teks tautan</a> akhir.</p>'
        f'<figure><img src="{url}" width="640" height="360" alt="gambar"></figure>'
        f'<iframe src="{url}" width="640" height="360"></iframe>'
        f'<video src="{url}" poster="{url}"></video>'
        f'<blockquote class="twitter-tweet"><a href="{url}">tweet</a></blockquote>'
    )


def _article(site: SiteConfig, html: str, **overrides: Any) -> Article:
    values: dict[str, Any] = {
        "site": site.id,
        "id": "7007",
        "revision": 1,
        "url": URL,
        "title": "Tautan yang tidak mungkin sah",
        "summary": "",
        "language": "id",
        "section": Section("nasional", "Nasional"),
        "tags": (),
        "authors": (),
        "published_at": datetime(2023, 9, 10, 19, 40, tzinfo=WIB),
        "updated_at": None,
        "image": None,
        "access": "free",
        "body": build_body([html], URL, site),
        "page_count": 1,
    }
    values.update(overrides)
    return Article(**values)


def _links_and_media(page: bytes) -> list[str]:
    doc = lxml.html.document_fromstring(page.decode("utf-8"))
    return doc.xpath("//body//a/@href | //body//*[self::amp-img or self::amp-iframe or self::amp-video]/@src")


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_link_is_text_and_hostile_media_is_dropped(url: str, site: SiteConfig) -> None:
    article = _article(site, _html(url))
    page = render_amp_page(article, site)
    assert all(is_valid_link(found, mailto=True) for found in _links_and_media(page)), _links_and_media(page)
    assert "teks tautan" in lxml.html.document_fromstring(page.decode("utf-8")).text_content()
    feed_html = render_body_html(article.body)
    assert 'href="' + url not in feed_html and 'src="' + url not in feed_html


def _event(**article: Any) -> dict[str, Any]:
    import json

    event = json.loads((EXAMPLE_EVENTS / "004-laba-koperasi-tani-makmur.json").read_bytes())
    event["article"].update(article)
    return event


# Hostile URLs the contract's "uri" format lets through (https://javascript:alert(1) it rejects).
CONTRACT_PASSES = [
    "http://example.com:99999/x.jpg",
    "https://a_b.example/x.jpg",
    "https://user@example.com/x.jpg",
    "https:///x.jpg",
    "https://ex..com/x.jpg",
    "https://[::1]/x.jpg",
]


@pytest.mark.parametrize("url", CONTRACT_PASSES)
def test_ingest_drops_a_hero_image_and_an_author_link_that_cannot_be_valid(
    url: str, site: SiteConfig
) -> None:
    event = parse_event(_event(image={"url": url}, authors=[{"name": "Penulis", "url": url}]))
    state = state_from_event(event, site, build_body)
    assert isinstance(state, Article)
    assert state.image is None
    assert [(a.name, a.url) for a in state.authors] == [("Penulis", "")]


@pytest.fixture(scope="module")
def validated(site: SiteConfig) -> dict[str, list[str]]:
    problem = validator_problem()
    if problem is not None:
        pytest.skip(f"AMP validator not installed: {problem}")
    hero = HeroImage("https://javascript:alert(1)", 1200, 675, "", "", "")
    pages = {
        "all-hostile": render_amp_page(_article(site, "".join(_html(u) for u in HOSTILE), image=hero), site)
    }
    try:
        return validate_amp(pages)
    except ValidatorUnavailable as exc:
        pytest.skip(str(exc))


def test_page_of_every_hostile_link_is_valid_amp(validated: dict[str, list[str]]) -> None:
    assert validated["all-hostile"] == []


_HOST_CHARS = st.sampled_from([*"abcxyz019-._~:@[]% \\/?#ü_", "javascript", "alert(1)", "xn--", "65536"])


@settings(max_examples=150, deadline=None)
@given(
    netloc=st.lists(_HOST_CHARS, min_size=0, max_size=12).map("".join),
    scheme=st.sampled_from(["", "https:", "http:"]),
)
def test_every_link_the_parser_keeps_passes_the_rule(netloc: str, scheme: str, site: SiteConfig) -> None:
    """Plant arbitrary authorities: what reaches a page is always a valid link or nothing."""
    body = build_body([_html(f"{scheme}//{netloc}/p")], URL, site)
    page = render_amp_page(_article(site, "", body=body), site)
    for found in _links_and_media(page):
        assert is_valid_link(found, mailto=True), found


def _urllib_host_and_port(url: str) -> tuple[str, int | None] | None:
    """The host and port urllib's SplitResult gives (the oracle http_parts follows), None
    where urllib or the rule refuses the authority."""
    parts = urlsplit(url)
    if "@" in parts.netloc or "[" in parts.netloc:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    return parts.hostname or "", port


_PORT_CHARS = st.sampled_from([*"0123456789:", "²", "٣", "65535", "65536", "0" * 5000])


@settings(max_examples=400, deadline=None)
@given(
    host=st.lists(_HOST_CHARS, min_size=0, max_size=6).map("".join),
    port=st.lists(_PORT_CHARS, min_size=0, max_size=4).map("".join),
)
@example(host="abc", port="65535")
@example(host="abc", port="65536")
@example(host="abc", port="0" * 5000)
@example(host="abc", port="²")
@example(host="abc", port="80:80")
@example(host="ABC.", port="443")
def test_http_parts_reads_host_and_port_as_urllib_does(host: str, port: str) -> None:
    url = f"https://{host}:{port}/p" if port else f"https://{host}/p"
    try:
        expected = _urllib_host_and_port(url)
    except ValueError:  # urlsplit itself refuses it
        expected = None
    try:
        got = http_parts(url)
    except InvalidUrl:
        assert expected is None or not _is_host(expected[0]), url
        return
    assert expected is not None, url
    assert got.host == _ascii_host_of(expected[0]), url
    assert got.port == (None if expected[1] == 443 else expected[1]), url


def _is_host(name: str) -> bool:
    try:
        _ascii_host_of(name)
    except InvalidUrl:
        return False
    return True


def _ascii_host_of(name: str) -> str:
    return http_parts(f"https://{name}/").host
