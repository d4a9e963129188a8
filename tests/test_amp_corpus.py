"""The corpus through ingest's path to AMP: no text lost, every embed the matching component.

The source side is read with lxml straight from the event's HTML pages, independently of the
body parser, so a text or an embed the parser or the AMP renderer drops shows up here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest

from warta.core.articles import Article
from warta.core.body import build_body
from warta.core.config import SiteConfig
from warta.core.events import parse_event, state_from_event
from warta.core.render.amp import render_amp_page

from conftest import EXAMPLE_EVENTS

_WHITESPACE = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def _events() -> list[Path]:
    return [
        path
        for path in sorted(EXAMPLE_EVENTS.glob("*.json"))
        if json.loads(path.read_text(encoding="utf-8")).get("article", {}).get("pages")
    ]


EVENTS = _events()
EVENT_IDS = [path.name for path in EVENTS]


def _article(path: Path, site: SiteConfig) -> Article:
    state = state_from_event(parse_event(path.read_bytes()), site, build_body)
    assert isinstance(state, Article)
    return state


def _pages(path: Path) -> list[str]:
    return json.loads(path.read_text(encoding="utf-8"))["article"]["pages"]


def _amp(article: Article, site: SiteConfig) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(render_amp_page(article, site).decode("utf-8"))


# --- text, as runs ---------------------------------------------------------------------------

_INLINE = {"a", "b", "strong", "em", "i", "span", "font", "u", "small", "sup", "sub", "mark", "s"}
# Never shown by a browser, or an embed's own chrome ("View this post on Instagram").
_HIDDEN = {"script", "style", "noscript", "template", "form", "object", "iframe", "video", "audio", "head"}
_CHROME_CLASSES = {"instagram-media", "tiktok-embed"}
# A table's caption must come first in HTML, so the AMP page may show it before the table.
_FLOATING = {"figcaption", "caption"}
# Characters XML cannot hold; the model drops them (the text around them stays).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffe\uffff]")


@dataclass(frozen=True)
class _Run:
    text: str
    floating: bool = False


def _runs(root: lxml.html.HtmlElement) -> list[_Run]:
    """The text under root in reading order, cut at every element that is not plainly inline.

    Each run is the text of (part of) one paragraph, heading, list item, table cell, caption,
    quote or tweet. Source runs must each appear inside one run of the AMP page.
    """
    runs: list[_Run] = []
    current: list[str] = []

    def cut(tag: str) -> None:
        text = _norm(_ILLEGAL.sub("", "".join(current)))
        if text:
            runs.append(_Run(text, tag in _FLOATING))
        current.clear()

    def visit(element: lxml.html.HtmlElement) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if not tag or tag in _HIDDEN or _CHROME_CLASSES & set((element.get("class") or "").split()):
            return
        inline = tag in _INLINE
        if not inline:
            cut("")
        current.append(element.text or "")
        for child in element:
            visit(child)
            current.append(child.tail or "")
        if not inline:
            cut(tag)

    visit(root)
    return runs


def _source_runs(html: str) -> list[_Run]:
    # Text hygiene: a control character that stood between two words reads as a space (lxml
    # would drop it and join the words).
    return _runs(lxml.html.document_fromstring(re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", " ", html)))


def _amp_text(doc: lxml.html.HtmlElement) -> str:
    """The AMP page's article text, one line per run (so no source run can span two)."""
    (content,) = doc.xpath('//div[@class="content"]')
    return "\n".join(run.text for run in _runs(content))


@dataclass
class _Reader:
    """Finds runs in the AMP text front to back, so the order of the source is checked too."""

    text: str
    position: int = 0

    def expect(self, run: _Run, where: str) -> None:
        if run.floating:
            assert run.text in self.text, f"{where}: {run.text!r} is missing from the AMP page"
            return
        found = self.text.find(run.text, self.position)
        assert found >= 0, f"{where}: {run.text!r} is missing from the AMP page, or out of order"
        self.position = found + len(run.text)


def _expected_runs(pages: list[str], site: SiteConfig) -> Iterator[tuple[int, list[_Run]]]:
    """Per CMS page, the runs the reader must see: boilerplate out, credits split off."""
    assert site.caption_credit is not None
    for number, page in enumerate(pages, start=1):
        expected: list[_Run] = []
        for run in _source_runs(page):
            if any(rule.pattern.fullmatch(run.text) for rule in site.boilerplate):
                continue
            credit = site.caption_credit.search(run.text)
            if credit is not None and credit.group("credit"):
                caption = run.text[: credit.start()].strip()
                parts = [caption, credit.group("credit")] if caption else [credit.group("credit")]
                expected += [_Run(part, run.floating) for part in parts]
            else:
                expected.append(run)
        yield number, expected


@pytest.mark.parametrize("path", EVENTS, ids=EVENT_IDS)
def test_no_text_is_lost_page_by_page(path: Path, site: SiteConfig) -> None:
    article = _article(path, site)
    if article.access == "subscriber":
        pytest.skip("a subscriber article shows only its teaser (test_subscriber_pages_show_the_teaser)")
    reader = _Reader(_amp_text(_amp(article, site)))
    checked = 0
    for number, runs in _expected_runs(_pages(path), site):
        for run in runs:
            reader.expect(run, f"{path.name} page {number}")
            checked += 1
    assert checked > 3  # the extractor really read the article


@pytest.mark.parametrize("path", EVENTS, ids=EVENT_IDS)
def test_boilerplate_is_not_on_the_page(path: Path, site: SiteConfig) -> None:
    text = _amp_text(_amp(_article(path, site), site))
    for needle in (
        "Join Telegram Channel",
        "Terima Notifikasi Berita Terkini",
        "Baca juga",
        "Simak selengkapnya",
    ):
        assert needle not in text


def test_subscriber_pages_show_the_teaser(site: SiteConfig) -> None:
    subscriber = [p for p in EVENTS if _article(p, site).access == "subscriber"]
    assert subscriber, "the corpus has a subscriber article"
    for path in subscriber:
        article = _article(path, site)
        doc = _amp(article, site)
        runs = [run for _, page in _expected_runs(_pages(path), site) for run in page]
        shown = _amp_text(doc)
        n = site.amp.subscriber_teaser_paragraphs
        assert len(doc.xpath('//div[@class="content"]/p')) == n
        first = next(run for run in runs if not run.floating)
        assert first.text in shown
        assert runs[-1].text not in shown  # the rest is behind the paywall


def test_multipage_articles_become_one_page(site: SiteConfig) -> None:
    multipage = [p for p in EVENTS if len(_pages(p)) > 1]
    assert len(multipage) >= 3
    for path in multipage:
        doc = _amp(_article(path, site), site)
        assert len(doc.xpath("//h1")) == 1
        last_page_runs = list(_expected_runs(_pages(path), site))[-1][1]
        assert last_page_runs[-1].text in _amp_text(doc)


# --- embeds -----------------------------------------------------------------------------------


def _source_embeds(html: str) -> list[tuple[str, str]]:
    """(AMP component, its key attribute's value) the source's embeds must become, in order."""
    found: list[tuple[str, str]] = []
    doc = lxml.html.document_fromstring(html)
    for element in doc.iter("iframe", "blockquote", "video", "audio"):
        classes = set((element.get("class") or "").split())
        if element.tag == "iframe":
            src = element.get("src") or ""
            host = urlsplit(src).hostname or ""
            if host.endswith("youtube.com") or host.endswith("youtube-nocookie.com"):
                found.append(("amp-youtube", urlsplit(src).path.rsplit("/", 1)[-1]))
            else:
                found.append(("amp-iframe", src))
        elif element.tag == "blockquote" and "twitter-tweet" in classes:
            status = element.xpath(".//a/@href")[-1]
            found.append(("amp-twitter", urlsplit(status).path.rsplit("/", 1)[-1]))
        elif element.tag == "blockquote" and "instagram-media" in classes:
            found.append(
                ("amp-instagram", urlsplit(element.get("data-instgrm-permalink")).path.split("/")[2])
            )
        elif element.tag in ("video", "audio"):
            found.append((f"amp-{element.tag}", element.get("src") or ""))
    return found


_KEY_ATTRIBUTE = {
    "amp-youtube": "data-videoid",
    "amp-twitter": "data-tweetid",
    "amp-instagram": "data-shortcode",
    "amp-iframe": "src",
    "amp-video": "src",
    "amp-audio": "src",
}


def _amp_embeds(doc: lxml.html.HtmlElement) -> list[tuple[str, str]]:
    (content,) = doc.xpath('//div[@class="content"]')
    query = "|".join(f".//{tag}" for tag in _KEY_ATTRIBUTE)
    return [(node.tag, node.get(_KEY_ATTRIBUTE[node.tag])) for node in content.xpath(query)]


@pytest.mark.parametrize("path", EVENTS, ids=EVENT_IDS)
def test_every_corpus_embed_becomes_its_component(path: Path, site: SiteConfig) -> None:
    article = _article(path, site)
    if article.access == "subscriber":
        pytest.skip("embeds of a subscriber article are behind the paywall")
    doc = _amp(article, site)
    expected = [embed for page in _pages(path) for embed in _source_embeds(page)]
    assert _amp_embeds(doc) == expected
    components = set(doc.xpath("//head/script/@custom-element"))
    assert components == {tag for tag, _ in expected}


def _corpus_page(prefix: str, site: SiteConfig) -> lxml.html.HtmlElement:
    (path,) = [p for p in EVENTS if p.name.startswith(prefix)]
    return _amp(_article(path, site), site)


def test_youtube_015_016(site: SiteConfig) -> None:
    assert _corpus_page("015", site).xpath("//amp-youtube/@data-videoid") == ["Xk3pT9aLm2Q"]
    (player,) = _corpus_page("016", site).xpath("//amp-youtube")
    assert (player.get("data-videoid"), player.get("layout")) == ("r8Vq2LmNc4E", "responsive")
    assert (player.get("width"), player.get("height")) == ("560", "315")


def test_twitter_015_017(site: SiteConfig) -> None:
    (tweet,) = _corpus_page("015", site).xpath("//amp-twitter")
    assert tweet.get("data-tweetid") == "1700934567812345678"
    # The tweet's text is its placeholder: readable before (and without) the widget.
    (placeholder,) = tweet.xpath("./blockquote[@placeholder]")
    assert "SALTOOO!" in placeholder.text_content()
    assert _corpus_page("017", site).xpath("//amp-twitter/@data-tweetid") == ["1700501122334455667"]


def test_instagram_016(site: SiteConfig) -> None:
    (post,) = _corpus_page("016", site).xpath("//amp-instagram")
    assert post.get("data-shortcode") == "CwK7fQ2hR9s"
    assert "View this post" not in _amp_text(_corpus_page("016", site))


def test_map_iframe_017(site: SiteConfig) -> None:
    (frame,) = _corpus_page("017", site).xpath("//amp-iframe")
    assert frame.get("src").startswith("https://www.openstreetmap.org/export/embed.html?bbox=")
    assert frame.get("sandbox") == "allow-scripts allow-same-origin"
    assert (frame.get("width"), frame.get("height")) == ("600", "400")
    assert frame.xpath("./*[@placeholder]")


def test_video_017(site: SiteConfig) -> None:
    (video,) = _corpus_page("017", site).xpath("//amp-video")
    assert video.get("src").endswith("/gladi-karnaval-tepian-raya.mp4")
    assert video.get("poster").endswith("/gladi-karnaval-poster.jpg")
    caption = video.getparent().xpath("./figcaption")[0].text_content()
    assert "Cuplikan gladi bersih" in caption and "Humas Pemkot Tepian Raya" in caption


def test_audio_016(site: SiteConfig) -> None:
    (audio,) = _corpus_page("016", site).xpath("//amp-audio")
    assert audio.get("src").endswith("/senandung-kabut-kidung-senja-cuplikan.mp3")
    caption = audio.getparent().xpath("./figcaption")[0]
    assert caption.text.strip() == "Cuplikan lagu “Kidung Senja”"
    assert caption.xpath('./span[@class="credit"]/text()') == ["Sumber: Senandung Kabut"]
