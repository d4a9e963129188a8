"""The clean body as an HTML fragment for feed readers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from warta.core.body.model import (
    Audio,
    Body,
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
from warta.core.render.body_html import body_html_is_empty, render_body_html

HOSTILE = '<b>Drama</b> & "quotes" <script>alert(1)</script>'
ALLOWED_TAGS = {
    "p",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "blockquote",
    "cite",
    "table",
    "caption",
    "tr",
    "th",
    "td",
    "figure",
    "img",
    "figcaption",
    "strong",
    "em",
    "a",
    "br",
}
ALLOWED_ATTRIBUTES = {"href", "src", "alt", "width", "height"}


def parse(fragment: str) -> etree._Element:
    """The fragment inside a wrapper; raises if it is not well-formed."""
    return etree.fromstring(f"<div>{fragment}</div>")


def t(text: str) -> tuple[Text]:
    return (Text(text),)


EVERYTHING: Body = (
    Paragraph(
        (
            Text("Satu "),
            Strong((Text("dua"), Emphasis(t("tiga")))),
            LineBreak(),
            Link("https://example.com/a?b=1&c=2", t("tautan")),
        )
    ),
    Heading(2, t("Sub")),
    Heading(3, t("Subsub")),
    Heading(4, t("Subsubsub")),
    ListBlock(False, (t("a"), t("b"))),
    ListBlock(True, (t("satu"),)),
    Quote((Paragraph(t("Kutipan")),), cite="Presiden"),
    Table(((TableCell(True, t("H")), TableCell(False, t("D"))),), caption="Tabel"),
    Figure(Image("https://img.example.com/1.jpg", "Alt", 800, 600), "Keterangan", "CNN"),
    Embed("youtube", "https://www.youtube.com/watch?v=abc", "abc"),
    Embed("twitter", "https://twitter.com/x/status/1", "1", title="Cuitan Presiden"),
    Embed("iframe", "https://maps.example.org/embed?q=1"),
    Video("https://cdn.example.com/v.mp4", poster="https://cdn.example.com/p.jpg"),
    Audio("https://cdn.example.com/a.mp3"),
    RelatedLinks((Link("https://www.andalpost.com/x", t("Berita lain")),)),
    PageBreak(2),
)


def test_every_block_renders_to_well_formed_html_with_only_allowed_tags_and_attributes() -> None:
    root = parse(render_body_html(EVERYTHING))
    for element in root.iterdescendants():
        assert element.tag in ALLOWED_TAGS
        assert set(element.attrib) <= ALLOWED_ATTRIBUTES


@pytest.mark.parametrize(
    ("block", "html"),
    [
        (Paragraph(t("Halo")), "<p>Halo</p>"),
        (
            Paragraph((Strong(t("a")), Emphasis(t("b")), LineBreak())),
            "<p><strong>a</strong><em>b</em><br /></p>",
        ),
        (
            Paragraph((Link("https://e.com/?a=1&b=2", t("x")),)),
            '<p><a href="https://e.com/?a=1&amp;b=2">x</a></p>',
        ),
        (Heading(3, t("Judul")), "<h3>Judul</h3>"),
        (Heading(1, t("Terlalu besar")), "<h2>Terlalu besar</h2>"),
        (Heading(6, t("Terlalu kecil")), "<h4>Terlalu kecil</h4>"),
        (ListBlock(True, (t("a"), t("b"))), "<ol><li>a</li><li>b</li></ol>"),
        (ListBlock(False, (t("a"),)), "<ul><li>a</li></ul>"),
        (
            Quote((Paragraph(t("Q")),), cite="Menteri"),
            "<blockquote><p>Q</p><p><cite>Menteri</cite></p></blockquote>",
        ),
        (
            Quote((Paragraph(t("Q")),), cite="https://e.com/s"),
            '<blockquote><p>Q</p><p><cite><a href="https://e.com/s">https://e.com/s</a></cite></p>'
            "</blockquote>",
        ),
        (Quote((Paragraph(t("Q")),)), "<blockquote><p>Q</p></blockquote>"),
        (
            Table(((TableCell(True, t("H")),), (TableCell(False, t("D")),)), caption="C"),
            "<table><caption>C</caption><tr><th>H</th></tr><tr><td>D</td></tr></table>",
        ),
        (
            Figure(Image("https://e.com/i.jpg", "Alt", 800, 600), "Cap", "CNN"),
            '<figure><img src="https://e.com/i.jpg" alt="Alt" width="800" height="600" />'
            "<figcaption>Cap — CNN</figcaption></figure>",
        ),
        (
            Figure(Image("https://e.com/i.jpg"), credit="CNN"),
            '<figure><img src="https://e.com/i.jpg" alt="" /><figcaption>CNN</figcaption></figure>',
        ),
        (
            Figure(Image("https://e.com/i.jpg", "A", width=800)),
            '<figure><img src="https://e.com/i.jpg" alt="A" /></figure>',
        ),
        (
            Embed("youtube", "https://www.youtube.com/watch?v=abc", "abc"),
            '<p><a href="https://www.youtube.com/watch?v=abc">Video YouTube</a></p>',
        ),
        (
            Embed("vimeo", "https://vimeo.com/1", title="Film"),
            '<p><a href="https://vimeo.com/1">Film</a></p>',
        ),
        (
            Embed("iframe", "https://maps.example.org/embed"),
            '<p><a href="https://maps.example.org/embed">maps.example.org</a></p>',
        ),
        (Video("https://e.com/v.mp4"), '<p><a href="https://e.com/v.mp4">Video</a></p>'),
        (Audio("https://e.com/a.mp3"), '<p><a href="https://e.com/a.mp3">Audio</a></p>'),
        (
            RelatedLinks((Link("https://e.com/1", t("Satu")), Link("https://e.com/2", t("Dua")))),
            '<ul><li><a href="https://e.com/1">Satu</a></li><li><a href="https://e.com/2">Dua</a></li></ul>',
        ),
        (PageBreak(2), ""),
    ],
)
def test_block_markup(block: object, html: str) -> None:
    assert render_body_html((block,)) == html  # type: ignore[arg-type]


def test_empty_body_is_empty_fragment() -> None:
    assert render_body_html(()) == ""


def test_hostile_text_round_trips_as_text_everywhere() -> None:
    body: Body = (
        Paragraph(t(HOSTILE)),
        Heading(2, t(HOSTILE)),
        ListBlock(False, (t(HOSTILE),)),
        Quote((Paragraph(t(HOSTILE)),), cite=HOSTILE),
        Table(((TableCell(False, t(HOSTILE)),),), caption=HOSTILE),
        Figure(Image("https://e.com/i.jpg", alt=HOSTILE), caption=HOSTILE, credit=HOSTILE),
        Embed("twitter", "https://twitter.com/x/status/1", title=HOSTILE),
    )
    root = parse(render_body_html(body))
    assert root.find(".//script") is None and root.find(".//b") is None
    texts = [
        root.findtext("p"),
        root.findtext("h2"),
        root.findtext("ul/li"),
        root.findtext("blockquote/p"),
        root.findtext("blockquote/p/cite"),
        root.findtext("table/caption"),
        root.findtext("table/tr/td"),
        root.find("figure/img").get("alt"),
        root.findtext("p[2]/a"),
    ]
    assert texts == [HOSTILE] * len(texts)
    assert root.findtext("figure/figcaption") == f"{HOSTILE} — {HOSTILE}"


def test_hostile_urls_are_escaped_in_attributes() -> None:
    url = 'https://e.com/?q="><script>x</script>&a=1'
    root = parse(render_body_html((Paragraph((Link(url, t("x")),)),)))
    assert root.find("p/a").get("href") == url
    assert root.find(".//script") is None


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x"])
def test_unsafe_urls_never_become_links_or_sources(url: str) -> None:
    body: Body = (
        Paragraph((Link(url, t("teks tetap")),)),
        Figure(Image(url)),
        Embed("iframe", url),
        Video(url),
        Audio(url),
        RelatedLinks((Link(url, t("x")),)),
    )
    html = render_body_html(body)
    assert html == "<p>teks tetap</p>"


def test_mailto_links_are_kept() -> None:
    html = render_body_html((Paragraph((Link("mailto:redaksi@andalpost.com", t("surel")),)),))
    assert html == '<p><a href="mailto:redaksi@andalpost.com">surel</a></p>'


def test_link_without_text_shows_its_url() -> None:
    html = render_body_html((Paragraph((Link("https://e.com/x", ()),)),))
    assert html == '<p><a href="https://e.com/x">https://e.com/x</a></p>'


def test_nested_quotes_and_non_ascii_text() -> None:
    body: Body = (Quote((Quote((Paragraph(t("Selamat pagi — «ñ» 日本")),)),)),)
    root = parse(render_body_html(body))
    assert root.findtext("blockquote/blockquote/p") == "Selamat pagi — «ñ» 日本"


def test_deterministic() -> None:
    assert render_body_html(EVERYTHING) == render_body_html(EVERYTHING)


# Blocks that write nothing: unsafe sources and links are dropped, a page break is not shown.
SILENT: Body = (
    Figure(Image("javascript:alert(1)")),
    Embed("iframe", "data:text/html,x"),
    Video("javascript:x"),
    Audio("javascript:x"),
    RelatedLinks((Link("javascript:1", t("x")),)),
    PageBreak(3),
)


@given(st.lists(st.sampled_from([*EVERYTHING, *SILENT, *SILENT]), max_size=6).map(tuple))
def test_a_body_is_empty_html_exactly_when_its_rendering_is_empty(body: Body) -> None:
    assert body_html_is_empty(body) == (render_body_html(body) == "")
    assert body_html_is_empty(SILENT)
