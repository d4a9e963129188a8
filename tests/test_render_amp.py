"""The AMP renderer: structure checked with XPath, validity checked by the official validator."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from warta.core.articles import Article, Author, HeroImage, Section
from warta.core.body.model import (
    Audio,
    Block,
    Embed,
    Emphasis,
    Figure,
    Heading,
    Image,
    LineBreak,
    Link,
    ListBlock,
    PageBreak,
    Paragraph,
    Quote,
    RelatedLinks,
    Strong,
    Table,
    TableCell,
    Text,
    Video,
)
from warta.core.config import SiteConfig
from warta.core.events import parse_event, state_from_event
from warta.core.render.amp import render_amp_page

from amp_validator import ValidatorUnavailable, validate_amp, validator_problem

REPO = Path(__file__).resolve().parent.parent
EVENTS = REPO / "examples" / "andalpost" / "events"
WIB = timezone(timedelta(hours=7))
BASE = "https://www.andalpost.com"


def _t(text: str) -> tuple[Text]:
    return (Text(text),)


def _p(text: str) -> Paragraph:
    return Paragraph(_t(text))


# Every block type, every embed provider, and each fallback path the renderer has.
ALL_BLOCKS: tuple[Block, ...] = (
    Paragraph(
        (
            Text("Awal "),
            Strong(_t("tebal")),
            Text(" dan "),
            Emphasis(_t("miring")),
            Text(" dengan "),
            Link(f"{BASE}/nasional/lain?a=1&b=2", (Strong(_t("tautan")),)),
            LineBreak(),
            Text("baris baru"),
        )
    ),
    Heading(2, _t("Subjudul dua")),
    Heading(3, _t("Subjudul tiga")),
    Heading(4, _t("Subjudul empat")),
    ListBlock(False, (_t("satu"), _t("dua"))),
    ListBlock(True, (_t("pertama"), (Link("mailto:redaksi@andalpost.com", _t("surel")),))),
    Quote((_p("Kutipan panjang."), Figure(Image(f"{BASE}/img/q.jpg", "q", 400, 300))), "Narasumber"),
    Table(
        (
            (TableCell(True, _t("Kota")), TableCell(True, _t("Suhu"))),
            (TableCell(False, _t("Jakarta")), TableCell(False, _t("33 °C"))),
        ),
        "Prakiraan",
    ),
    Figure(Image(f"{BASE}/img/a.jpg", "Gambar A", 1200, 800), "Keterangan A", "Reuters"),
    Figure(Image(f"{BASE}/img/b.jpg", "Gambar tanpa ukuran"), "Keterangan B"),
    Figure(Image(f"{BASE}/img/c.jpg", "Hanya lebar", 640, None)),
    Embed("youtube", "https://www.youtube.com/watch?v=Xk3pT9aLm2Q", "Xk3pT9aLm2Q", "Gol", 500, 281),
    Embed("vimeo", "https://vimeo.com/76979871", "76979871"),
    Embed("twitter", "https://twitter.com/andalpost/status/1700000000000000000", "1700000000000000000"),
    Embed("instagram", "https://www.instagram.com/p/CwXyZ12abc/", "CwXyZ12abc"),
    Embed("facebook", "https://www.facebook.com/andalpost/posts/123456789"),
    Embed("facebook", "https://www.facebook.com/andalpost/videos/987654321"),
    Embed(
        "tiktok",
        "https://www.tiktok.com/@andalpost/video/7280000000000000000",
        "7280000000000000000",
    ),
    Embed("iframe", "https://maps.example.org/embed?rute=karnaval", "", "Peta rute", 600, 400),
    Embed("iframe", "https://widget.example.org/poll"),
    Embed("iframe", "http://old.example.org/widget", "", "Widget lama"),
    Embed("vimeo", "https://vimeo.com/channels/staffpicks", ""),
    Embed("twitter", "https://twitter.com/andalpost", ""),
    Video(f"{BASE}/media/v.mp4", f"{BASE}/media/v.jpg", 1280, 720),
    Video(f"{BASE}/media/tanpa-ukuran.mp4"),
    Video("http://cdn.example.org/v.mp4"),
    Audio(f"{BASE}/media/podcast.mp3"),
    Audio("http://cdn.example.org/a.mp3"),
    RelatedLinks((Link(f"{BASE}/ekonomi/harga", _t("Harga cabai turun")),)),
    PageBreak(2),
    _p("Halaman kedua dimulai di sini."),
)

ADVERSARIAL = "<b>Drama</b> </script><script>alert(1)</script> <!-- x --> ]]> &amp; \"q\" 's' 🚀 محفظة"


def _article(site: SiteConfig, **overrides: Any) -> Article:
    values: dict[str, Any] = {
        "site": site.id,
        "id": "7001",
        "revision": 1,
        "url": f"{BASE}/nasional/berita-amp",
        "title": "Judul berita AMP",
        "summary": "Ringkasan berita AMP.",
        "language": site.language,
        "section": Section("nasional", "Nasional"),
        "tags": ("Jakarta", "AMP"),
        "authors": (Author("Redaksi Andalpost", f"{BASE}/author/redaksi"), Author("Sari")),
        "published_at": datetime(2023, 9, 10, 19, 40, tzinfo=WIB),
        "updated_at": None,
        "image": HeroImage(f"{BASE}/img/hero.jpg", 1200, 675, "Alt hero", "Keterangan", "CNN"),
        "access": "free",
        "body": ALL_BLOCKS,
        "page_count": 2,
    }
    values.update(overrides)
    return Article(**values)


def _parse(page: bytes) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(page.decode("utf-8"))


def _json_ld(doc: lxml.html.HtmlElement) -> dict[str, Any]:
    (script,) = doc.xpath('//script[@type="application/ld+json"]')
    return json.loads(script.text)


def _component_scripts(doc: lxml.html.HtmlElement) -> list[str]:
    return doc.xpath("//head/script/@custom-element")


# --- structure --------------------------------------------------------------------------------


def test_required_amp_markup(site: SiteConfig) -> None:
    page = render_amp_page(_article(site), site)
    assert page.startswith(b"<!doctype html>\n<html amp")
    doc = _parse(page)
    assert doc.get("lang") == "id"
    assert doc.xpath("/html/head/*[1]/self::meta/@charset") == ["utf-8"]
    assert doc.xpath('//head/link[@rel="canonical"]/@href') == [f"{BASE}/nasional/berita-amp"]
    assert len(doc.xpath('//head/meta[@name="viewport"]')) == 1
    assert doc.xpath("//head/script[not(@custom-element)][@src]/@src") == ["https://cdn.ampproject.org/v0.js"]
    assert len(doc.xpath("//head/style[@amp-boilerplate]")) == 1
    assert len(doc.xpath("//head/noscript/style[@amp-boilerplate]")) == 1
    (css,) = doc.xpath("//head/style[@amp-custom]/text()")
    assert len(css.encode()) < 75_000
    assert "!important" not in css


def test_header_title_byline_and_hero(site: SiteConfig) -> None:
    article = _article(site, updated_at=datetime(2023, 9, 11, 2, 5, tzinfo=UTC))
    doc = _parse(render_amp_page(article, site))
    (logo,) = doc.xpath("//header//amp-img")
    assert (logo.get("src"), logo.get("width"), logo.get("height")) == (
        site.logo.url,
        str(site.logo.width),
        str(site.logo.height),
    )
    assert doc.xpath("//header//text()[contains(., 'Nasional')]")
    assert doc.xpath("//h1/text()") == ["Judul berita AMP"]
    assert len(doc.xpath("//h1")) == 1
    assert doc.xpath("//title/text()")[0].startswith("Judul berita AMP")
    byline = doc.xpath('//p[@class="byline"]')[0].text_content()
    assert "Redaksi Andalpost" in byline and "Sari" in byline
    assert "Minggu, 10 September 2023, 19:40 WIB" in byline
    assert "Senin, 11 September 2023, 09:05 WIB" in byline  # updated, shown in WIB
    (hero,) = doc.xpath('//figure[@class="hero"]/amp-img')
    assert (hero.get("layout"), hero.get("width"), hero.get("height")) == (
        "responsive",
        "1200",
        "675",
    )
    caption = doc.xpath('//figure[@class="hero"]/figcaption')[0].text_content()
    assert "Keterangan" in caption and "CNN" in caption


def test_json_ld(site: SiteConfig) -> None:
    article = _article(site, updated_at=datetime(2023, 9, 11, 9, 5, tzinfo=WIB))
    data = _json_ld(_parse(render_amp_page(article, site)))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == article.title
    assert data["mainEntityOfPage"]["@id"] == article.url
    assert data["datePublished"] == "2023-09-10T19:40:00+07:00"
    assert data["dateModified"] == "2023-09-11T09:05:00+07:00"
    assert data["image"][0] == f"{BASE}/img/hero.jpg"
    assert f"{BASE}/img/a.jpg" in data["image"]
    assert len(data["image"]) == len(set(data["image"]))
    assert [a["name"] for a in data["author"]] == ["Redaksi Andalpost", "Sari"]
    assert data["author"][0]["url"] == f"{BASE}/author/redaksi"
    assert data["publisher"]["@type"] == "Organization"
    assert data["publisher"]["logo"] == {
        "@type": "ImageObject",
        "url": site.logo.url,
        "width": site.logo.width,
        "height": site.logo.height,
    }
    assert data["isAccessibleForFree"] is True
    assert "hasPart" not in data


def test_body_blocks(site: SiteConfig) -> None:
    doc = _parse(render_amp_page(_article(site), site))
    content = doc.xpath('//div[@class="content"]')[0]
    assert content.xpath("./p[1]/strong/text()") == ["tebal"]
    assert content.xpath("./p[1]/em/text()") == ["miring"]
    assert content.xpath("./p[1]/a/@href") == [f"{BASE}/nasional/lain?a=1&b=2"]
    assert content.xpath("./p[1]/br")
    assert [h.tag for h in content.xpath("./h2|./h3|./h4")] == ["h2", "h3", "h4"]
    assert content.xpath("./ul/li/text()") == ["satu", "dua"]
    assert content.xpath("./ol/li/a/@href") == ["mailto:redaksi@andalpost.com"]
    assert content.xpath("./blockquote/cite/text()") == ["Narasumber"]
    assert content.xpath("./blockquote/figure/amp-img/@src") == [f"{BASE}/img/q.jpg"]
    assert content.xpath(".//table/caption/text()") == ["Prakiraan"]
    assert content.xpath(".//table//th/text()") == ["Kota", "Suhu"]
    assert "Reuters" in content.xpath("./figure[1]/figcaption")[0].text_content()
    # Images without both dimensions get the declared 16:9 fallback, never a bare size-less tag.
    for src in (f"{BASE}/img/b.jpg", f"{BASE}/img/c.jpg"):
        (img,) = content.xpath(f'.//amp-img[@src="{src}"]')
        assert (img.get("layout"), img.get("width"), img.get("height")) == ("responsive", "16", "9")
    assert content.xpath(".//aside/ul/li/a/@href") == [f"{BASE}/ekonomi/harga"]
    assert "Halaman kedua" in content.text_content()
    assert not content.xpath(".//hr")


def test_embeds_and_media(site: SiteConfig) -> None:
    doc = _parse(render_amp_page(_article(site), site))
    assert doc.xpath("//amp-youtube/@data-videoid") == ["Xk3pT9aLm2Q"]
    assert doc.xpath("//amp-vimeo/@data-videoid") == ["76979871"]
    assert doc.xpath("//amp-twitter/@data-tweetid") == ["1700000000000000000"]
    assert doc.xpath("//amp-instagram/@data-shortcode") == ["CwXyZ12abc"]
    assert doc.xpath("//amp-facebook/@data-href") == [
        "https://www.facebook.com/andalpost/posts/123456789",
        "https://www.facebook.com/andalpost/videos/987654321",
    ]
    assert doc.xpath("//amp-facebook/@data-embed-as") == ["video"]
    assert doc.xpath("//amp-tiktok/@data-src") == ["7280000000000000000"]
    iframes = doc.xpath("//amp-iframe")
    assert [f.get("src") for f in iframes] == [
        "https://maps.example.org/embed?rute=karnaval",
        "https://widget.example.org/poll",
    ]
    for frame in iframes:
        assert frame.get("sandbox") == "allow-scripts allow-same-origin"
        assert frame.get("layout") == "responsive"
        assert frame.xpath("./*[@placeholder]")
    assert (iframes[0].get("width"), iframes[0].get("height")) == ("600", "400")
    # What AMP cannot embed becomes a plain link.
    links = doc.xpath('//p[contains(@class, "embed-link")]/a/@href')
    assert links == [
        "http://old.example.org/widget",
        "https://vimeo.com/channels/staffpicks",
        "https://twitter.com/andalpost",
        "http://cdn.example.org/v.mp4",
        "http://cdn.example.org/a.mp3",
    ]
    assert doc.xpath("//amp-video/@src") == [
        f"{BASE}/media/v.mp4",
        f"{BASE}/media/tanpa-ukuran.mp4",
    ]
    assert doc.xpath("//amp-video[1]/@poster") == [f"{BASE}/media/v.jpg"]
    assert doc.xpath("//amp-audio/@src") == [f"{BASE}/media/podcast.mp3"]


def test_same_origin_iframe_becomes_a_link(site: SiteConfig) -> None:
    # AMP forbids allow-same-origin for an iframe on the page's own origin.
    article = _article(site, body=(Embed("iframe", f"{BASE}/widget/peta", "", "Peta"),))
    doc = _parse(render_amp_page(article, site))
    assert not doc.xpath("//amp-iframe")
    assert doc.xpath('//p[contains(@class, "embed-link")]/a/@href') == [f"{BASE}/widget/peta"]
    assert _component_scripts(doc) == []


def test_component_scripts_only_for_used_components(site: SiteConfig) -> None:
    doc = _parse(render_amp_page(_article(site), site))
    scripts = _component_scripts(doc)
    assert scripts == sorted(set(scripts))  # each exactly once, in a stable order
    assert set(scripts) == {
        "amp-audio",
        "amp-facebook",
        "amp-iframe",
        "amp-instagram",
        "amp-tiktok",
        "amp-twitter",
        "amp-video",
        "amp-vimeo",
        "amp-youtube",
    }
    for name in scripts:
        assert doc.xpath(f'//script[@custom-element="{name}"]/@src') == [
            f"https://cdn.ampproject.org/v0/{name}-0.1.js"
        ]

    plain = _parse(render_amp_page(_article(site, body=(_p("Teks saja."),)), site))
    assert _component_scripts(plain) == []

    only_youtube = _article(site, body=(Embed("youtube", "https://youtu.be/abc", "abc"),) * 2)
    assert _component_scripts(_parse(render_amp_page(only_youtube, site))) == ["amp-youtube"]

    http_iframe = _article(site, body=(Embed("iframe", "http://old.example.org/w"),))
    assert _component_scripts(_parse(render_amp_page(http_iframe, site))) == []


def test_subscriber_teaser(site: SiteConfig) -> None:
    body = (
        Embed("youtube", "https://youtu.be/early", "early"),
        *(_p(f"Paragraf nomor {i}.") for i in range(1, 8)),
        Embed("twitter", "https://twitter.com/x/status/1", "1"),
    )
    article = _article(site, access="subscriber", body=body)
    page = render_amp_page(article, site)
    doc = _parse(page)
    shown = doc.xpath('//div[@class="content"]/p/text()')
    n = site.amp.subscriber_teaser_paragraphs
    assert shown == [f"Paragraf nomor {i}." for i in range(1, n + 1)]
    assert f"Paragraf nomor {n + 1}".encode() not in page
    assert _component_scripts(doc) == []
    assert not doc.xpath("//amp-youtube|//amp-twitter")
    data = _json_ld(doc)
    assert data["isAccessibleForFree"] is False
    part = data["hasPart"]
    assert part["@type"] == "WebPageElement"
    assert part["isAccessibleForFree"] is False
    (wall,) = doc.xpath(f'//*[@class="{part["cssSelector"].lstrip(".")}"]')
    assert wall.xpath(".//a/@href") == [article.url]


def test_text_is_escaped(site: SiteConfig) -> None:
    article = _article(
        site,
        title=ADVERSARIAL,
        summary=ADVERSARIAL,
        authors=(Author(ADVERSARIAL),),
        body=(
            _p(ADVERSARIAL),
            Figure(Image(f"{BASE}/i.jpg", ADVERSARIAL), ADVERSARIAL, ADVERSARIAL),
        ),
    )
    page = render_amp_page(article, site)
    assert b"<b>" not in page
    assert b"<script>alert" not in page
    assert b"<!-- x" not in page
    doc = _parse(page)
    assert doc.xpath("//h1")[0].text_content() == ADVERSARIAL
    assert doc.xpath('//div[@class="content"]/p')[0].text_content() == ADVERSARIAL
    assert doc.xpath('//div[@class="content"]//amp-img/@alt') == [ADVERSARIAL]
    (script,) = doc.xpath('//script[@type="application/ld+json"]')
    assert "</" not in script.text and "<!--" not in script.text
    data = json.loads(script.text)
    assert data["headline"] == ADVERSARIAL
    assert data["author"][0]["name"] == ADVERSARIAL


def test_unsafe_hrefs_are_dropped(site: SiteConfig) -> None:
    body = (
        Paragraph((Link("javascript:alert(1)", _t("klik")), Link("data:text/html,x", _t("data")))),
        RelatedLinks((Link("JaVaScRiPt:alert(2)", _t("bahaya")),)),
    )
    page = render_amp_page(_article(site, body=body), site)
    assert b"javascript" not in page.lower()
    assert b"data:text" not in page
    doc = _parse(page)
    assert doc.xpath('//div[@class="content"]/p')[0].text_content() == "klikdata"
    assert not doc.xpath("//aside")


CAPTIONED: tuple[Block, ...] = (
    Figure(Image(f"{BASE}/img/kecil.jpg", "Kecil", 400, 300), "Foto", "CNN", f"{BASE}/img/besar.jpg"),
    Figure(Image(f"{BASE}/img/x.jpg"), link="javascript:alert(1)"),
    Embed("youtube", "https://youtu.be/Xk3pT9aLm2Q", "Xk3pT9aLm2Q", caption="Cuplikan gol", credit="Liga"),
    Embed("twitter", "https://twitter.com/a/status/17", "17", "Isi cuitan — Akun (@a)", caption="Cuitan"),
    Embed("iframe", "http://old.example.org/w", caption="Widget lama", credit="Arsip"),
    Video(f"{BASE}/media/v.mp4", caption="Gladi bersih", credit="Humas"),
    Audio(f"{BASE}/media/a.mp3", caption="Cuplikan lagu"),
)


def test_media_captions_links_and_tweet_text(site: SiteConfig) -> None:
    doc = _parse(render_amp_page(_article(site, body=CAPTIONED), site))
    content = doc.xpath('//div[@class="content"]')[0]
    (linked,) = content.xpath("./figure/a/amp-img")
    assert linked.getparent().get("href") == f"{BASE}/img/besar.jpg"
    assert linked.get("src") == f"{BASE}/img/kecil.jpg"
    assert content.xpath("./figure[2]/amp-img")  # an unsafe link is dropped, the image stays
    captions = {
        fig.xpath("string(./figcaption)") for fig in content.xpath("./figure[.//amp-youtube or .//amp-video]")
    }
    assert captions == {"Cuplikan golSumber: Liga", "Gladi bersihSumber: Humas"}
    assert content.xpath("string(.//figure[amp-audio]/figcaption)") == "Cuplikan lagu"
    (tweet,) = content.xpath(".//amp-twitter/blockquote[@placeholder]")
    assert tweet.text == "Isi cuitan — Akun (@a)"
    (link_figure,) = content.xpath('.//figure[p[contains(@class, "embed-link")]]')
    assert link_figure.xpath("string(./figcaption)") == "Widget lamaSumber: Arsip"


def test_lead_image_same_as_hero_is_shown_once(site: SiteConfig) -> None:
    hero = HeroImage(f"{BASE}/img/hero.jpg", 1200, 675, "Alt", "Keterangan", "CNN")
    lead = Figure(Image(f"{BASE}/img/hero.jpg", "Alt", 1200, 675), "Keterangan lebih lengkap", "CNN")
    doc = _parse(render_amp_page(_article(site, image=hero, body=(lead, _p("Teks."))), site))
    assert doc.xpath(f'//amp-img[@src="{hero.url}"]/ancestor::figure/figcaption/text()') == [
        "Keterangan lebih lengkap"
    ]
    # Further down the body, the same image does not replace the hero.
    later = _parse(render_amp_page(_article(site, image=hero, body=(_p("Teks."), lead)), site))
    assert len(later.xpath(f'//amp-img[@src="{hero.url}"]')) == 2
    # A subscriber teaser shows no figure, so the hero stays.
    paywalled = _parse(render_amp_page(_article(site, image=hero, access="subscriber", body=(lead,)), site))
    assert paywalled.xpath('//figure[@class="hero"]')


def test_deterministic(site: SiteConfig) -> None:
    article = _article(site)
    assert render_amp_page(article, site) == render_amp_page(replace(article), site)


# --- the official validator -------------------------------------------------------------------


def _require_validator() -> None:
    problem = validator_problem()
    if problem is not None:
        pytest.skip(f"AMP validator not installed: {problem}")


CASES: dict[str, Callable[[SiteConfig], Article]] = {
    "all-blocks": lambda s: _article(s),
    "all-blocks-updated": lambda s: _article(s, updated_at=datetime(2023, 9, 12, 1, 0, tzinfo=UTC)),
    "subscriber": lambda s: _article(s, access="subscriber"),
    "subscriber-empty-body": lambda s: _article(s, access="subscriber", body=()),
    "empty-body": lambda s: _article(s, body=(), page_count=1),
    "no-hero-no-authors-no-summary": lambda s: _article(s, image=None, authors=(), summary=""),
    "no-images-at-all": lambda s: _article(s, image=None, body=(_p("Hanya teks."),)),
    "hero-without-size": lambda s: _article(s, image=HeroImage(f"{BASE}/img/h.jpg")),
    "iframe-first": lambda s: _article(
        s, image=None, body=(Embed("iframe", "https://maps.example.org/e"), _p("x"))
    ),
    "adversarial": lambda s: _article(
        s,
        title=ADVERSARIAL,
        summary=ADVERSARIAL,
        tags=(ADVERSARIAL,),
        authors=(Author(ADVERSARIAL, f'{BASE}/a?x=<y>&z="1"'),),
        section=Section("nasional", ADVERSARIAL),
        image=HeroImage(f"{BASE}/img/h.jpg?a=1&b=<2>", 10, 10, ADVERSARIAL, ADVERSARIAL, ADVERSARIAL),
        body=(
            _p(ADVERSARIAL),
            Heading(2, _t(ADVERSARIAL)),
            Quote((_p(ADVERSARIAL),), ADVERSARIAL),
            Table(((TableCell(True, _t(ADVERSARIAL)),),), ADVERSARIAL),
            Embed("iframe", "https://e.example.org/?q=</script>", "", ADVERSARIAL),
            Embed("youtube", "https://youtu.be/x", 'x"><script>', ADVERSARIAL),
            Paragraph((Link("javascript:alert(1)", _t("klik")),)),
        ),
    ),
    "long-and-unicode": lambda s: _article(
        s,
        title="Judul " * 200,
        body=tuple(_p("Teks panjang \u200b\u202e عربى 中文 😀 " * 50) for _ in range(40)),
    ),
    "english-site-labels": lambda s: _article(s, language="en"),
    "captioned-media": lambda s: _article(s, body=CAPTIONED),
    "captioned-media-english": lambda s: _article(s, body=CAPTIONED, language="en"),
}


@pytest.fixture(scope="module")
def validated(site: SiteConfig) -> dict[str, list[str]]:
    _require_validator()
    pages = {name: render_amp_page(build(site), site) for name, build in CASES.items()}
    try:
        return validate_amp(pages)
    except ValidatorUnavailable as exc:
        pytest.skip(str(exc))


@pytest.mark.parametrize("case", sorted(CASES))
def test_official_validator_passes(case: str, validated: dict[str, list[str]]) -> None:
    assert validated[case] == []


def test_validator_reports_failures() -> None:
    """Guards the harness itself: a broken page must not come back as a PASS."""
    _require_validator()
    result = validate_amp({"bad": b"<!doctype html><html><body><img src=x></body></html>"})
    assert result["bad"]
    assert any("canonical" in error for error in result["bad"])


# --- the example corpus through build_body ----------------------------------------------------


def _example_events() -> list[Path]:
    found = []
    for path in sorted(EVENTS.glob("*.json")):
        event = json.loads(path.read_text(encoding="utf-8"))
        if event.get("article", {}).get("pages"):
            found.append(path)
    return found


def _article_from_event(path: Path, site: SiteConfig, build_body: Any) -> Article:
    """The Article that ingest makes of an event file: same schema check, site rules, hygiene."""
    state = state_from_event(parse_event(path.read_bytes()), site, build_body)
    assert isinstance(state, Article)
    return state


def _build_body() -> Any:
    try:
        from warta.core.body import build_body
    except ImportError:
        pytest.skip("warta.core.body.build_body is not available yet (body/parse.py)")
    return build_body


@pytest.fixture(scope="module")
def example_results(site: SiteConfig) -> dict[str, list[str]]:
    build_body = _build_body()
    _require_validator()
    pages = {}
    for path in _example_events():
        pages[path.name] = render_amp_page(_article_from_event(path, site, build_body), site)
    return validate_amp(pages)


@pytest.mark.parametrize("event_file", [p.name for p in _example_events()])
def test_example_corpus_is_valid_amp(event_file: str, example_results: dict[str, list[str]]) -> None:
    assert example_results[event_file] == []
