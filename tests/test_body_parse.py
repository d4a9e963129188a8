"""CMS HTML → body model: mapping rules, hostile input, and the whole example corpus."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warta.core.body import build_body, parse_body
from warta.core.body.model import (
    Audio,
    Block,
    Body,
    Embed,
    Emphasis,
    Figure,
    Heading,
    Image,
    Inline,
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
    body_from_json,
    body_to_json,
    inline_text,
)
from warta.core.config import SiteConfig
from warta.core.text import clean_line

from conftest import EXAMPLE_EVENTS

URL = "https://www.andalpost.com/nasional/berita-uji"
_B = TypeVar("_B")


def _articles() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(EXAMPLE_EVENTS.glob("*.json")):
        article = json.loads(path.read_text(encoding="utf-8"))["article"]
        if article.get("pages"):
            found.append((path.name, article))
    return found


ARTICLES = _articles()
ARTICLE_IDS = [name for name, _ in ARTICLES]


def _article(prefix: str) -> dict[str, Any]:
    return next(article for name, article in ARTICLES if name.startswith(prefix))


def _parse(html: str) -> Body:
    return parse_body([html], URL)


# --- walking the model ----------------------------------------------------------------------


def _inlines(children: tuple[Inline, ...]) -> Iterator[Inline]:
    for node in children:
        yield node
        if isinstance(node, Strong | Emphasis | Link):
            yield from _inlines(node.children)


def _blocks(body: tuple[Block, ...]) -> Iterator[Block]:
    for block in body:
        yield block
        if isinstance(block, Quote):
            yield from _blocks(block.blocks)


def _inline_groups(body: Body) -> Iterator[tuple[Inline, ...]]:
    for block in _blocks(body):
        if isinstance(block, Paragraph | Heading):
            yield block.children
        elif isinstance(block, ListBlock):
            yield from block.items
        elif isinstance(block, Table):
            yield from (cell.children for row in block.rows for cell in row)
        elif isinstance(block, RelatedLinks):
            yield block.links


def _model_strings(body: Body) -> list[str]:
    """Every piece of text a reader can see, one string per block, item, cell or caption."""
    strings = [inline_text(group) for group in _inline_groups(body)]
    for block in _blocks(body):
        if isinstance(block, Figure | Embed | Video | Audio):
            strings += [block.caption, block.credit]
        elif isinstance(block, Table):
            strings.append(block.caption)
        elif isinstance(block, Quote):
            strings.append(block.cite)
    return strings


def _all_strings(value: object) -> Iterator[str]:
    """Every str anywhere in the model (text, URLs, captions, ids)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from _all_strings(item)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            yield from _all_strings(getattr(value, name))


def _hrefs(body: Body) -> list[str]:
    nodes = [node for group in _inline_groups(body) for node in _inlines(group)]
    links = [node.href for node in nodes if isinstance(node, Link)]
    media = []
    for block in _blocks(body):
        if isinstance(block, Figure):
            media.append(block.image.src)
        elif isinstance(block, Embed | Audio):
            media.append(block.url if isinstance(block, Embed) else block.src)
        elif isinstance(block, Video):
            media += [block.src, block.poster] if block.poster else [block.src]
    return links + media


def _text(body: Body) -> str:
    return "\n".join(clean_line(s) for s in _model_strings(body) if s)


def _of_type(body: Body, kind: type[_B]) -> list[_B]:
    return [block for block in _blocks(body) if isinstance(block, kind)]


# --- an independent extractor of the source's text ------------------------------------------

_SOURCE_INLINE = {"a", "b", "strong", "em", "i", "span", "font", "u", "small", "sup", "sub", "mark", "s"}
_SOURCE_HIDDEN = {
    "script", "style", "noscript", "template", "form", "object", "iframe", "video", "audio", "head",
}  # fmt: skip
_EMBED_CLASSES = frozenset(("twitter-tweet", "instagram-media"))


def _source_runs(html: str) -> list[str]:
    """Runs of text the source shows, split at every element that is not plainly inline.

    Splitting more often than the parser does is safe for the comparison: each run must be
    found inside one string of the model.
    """
    runs: list[str] = []
    current: list[str] = []

    def cut() -> None:
        text = clean_line("".join(current))
        if text:
            runs.append(text)
        current.clear()

    def visit(element: Any) -> None:
        tag = element.tag if isinstance(element.tag, str) else None
        if tag is None or tag in _SOURCE_HIDDEN:
            return
        if tag == "blockquote" and _EMBED_CLASSES & set((element.get("class") or "").split()):
            return
        inline = tag in _SOURCE_INLINE
        if not inline:
            cut()
        current.append(element.text or "")
        for child in element:
            visit(child)
            current.append(child.tail or "")
        if not inline:
            cut()

    visit(lxml.html.document_fromstring(html))
    return runs


# --- the corpus -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ARTICLE_IDS)
def test_corpus_parse_loses_no_text(name: str) -> None:
    article = dict(ARTICLES)[name]
    body = parse_body(article["pages"], article["url"])
    haystack = _text(body)
    for page in article["pages"]:
        for run in _source_runs(page):
            assert run in haystack, f"{name}: lost {run!r}"


@pytest.mark.parametrize("name", ARTICLE_IDS)
def test_corpus_build_loses_only_boilerplate(name: str, site: SiteConfig) -> None:
    article = dict(ARTICLES)[name]
    body = build_body(article["pages"], article["url"], site)
    haystack = _text(body)
    assert site.caption_credit is not None
    for page in article["pages"]:
        for run in _source_runs(page):
            if any(rule.pattern.fullmatch(run) for rule in site.boilerplate):
                continue
            credit = site.caption_credit.search(run)
            if run not in haystack and credit is not None:
                assert run[: credit.start()].strip() in haystack, f"{name}: lost caption {run!r}"
                assert credit.group("credit") in haystack, f"{name}: lost credit {run!r}"
            else:
                assert run in haystack, f"{name}: lost {run!r}"


@pytest.mark.parametrize("name", ARTICLE_IDS)
def test_corpus_boilerplate_is_gone(name: str, site: SiteConfig) -> None:
    article = dict(ARTICLES)[name]
    text = _text(build_body(article["pages"], article["url"], site))
    assert "Join Telegram Channel" not in text
    assert "Terima Notifikasi Berita Terkini" not in text
    assert "Baca juga" not in text
    assert "Simak selengkapnya" not in text


@pytest.mark.parametrize("name", ARTICLE_IDS)
def test_corpus_round_trips_through_json(name: str, site: SiteConfig) -> None:
    article = dict(ARTICLES)[name]
    body = build_body(article["pages"], article["url"], site)
    assert body_from_json(json.loads(json.dumps(body_to_json(body)))) == body


@pytest.mark.parametrize("name", ARTICLE_IDS)
def test_corpus_strings_are_clean_and_urls_safe(name: str, site: SiteConfig) -> None:
    article = dict(ARTICLES)[name]
    body = build_body(article["pages"], article["url"], site)
    for value in _all_strings(body):
        assert not _XML_ILLEGAL.search(value)
    for href in _hrefs(body):
        assert re.match(r"(https?://[^/\s]+|mailto:)", href), href


def test_captions_become_caption_and_credit(site: SiteConfig) -> None:
    article = _article("001")
    figures = _of_type(build_body(article["pages"], article["url"], site), Figure)
    assert figures[0].caption == "Kim Jong Un beserta anaknya saat hari ulang tahun Korea Utara"
    assert figures[0].credit == "CNN"
    assert figures[0].image == Image(
        "https://www.andalpost.com/wp-content/uploads/2023/09/kim-jong-un-anak-hut-korut.jpg",
        "Kim Jong Un beserta anaknya",
        1200,
        675,
    )
    assert figures[1].caption == "Putin dan Kim Jong Un melakukan pertemuan bilateral"
    assert figures[1].credit == "BBC"


def test_015_youtube_tweet_and_image_without_size() -> None:
    article = _article("015")
    body = parse_body(article["pages"], article["url"])
    embeds = _of_type(body, Embed)
    youtube = next(e for e in embeds if e.provider == "youtube")
    assert youtube.media_id == "Xk3pT9aLm2Q"
    assert youtube.url == "https://www.youtube.com/watch?v=Xk3pT9aLm2Q"
    assert (youtube.width, youtube.height) == (500, 281)
    tweet = next(e for e in embeds if e.provider == "twitter")
    assert tweet.media_id == "1700934567812345678"
    assert tweet.url == "https://twitter.com/persitama_fc/status/1700934567812345678"
    supporters = next(f for f in _of_type(body, Figure) if "suporter" in f.image.src)
    assert supporters.image.width is None and supporters.image.height is None
    assert "platform.twitter.com" not in repr(body)  # the widgets.js script is gone


def test_016_instagram_and_audio() -> None:
    article = _article("016")
    body = parse_body(article["pages"], article["url"])
    instagram = next(e for e in _of_type(body, Embed) if e.provider == "instagram")
    assert instagram.media_id == "CwK7fQ2hR9s"
    assert instagram.url == "https://www.instagram.com/p/CwK7fQ2hR9s/"
    assert "View this post on Instagram" not in _text(body)
    assert _of_type(body, Audio) == [
        Audio(
            "https://www.andalpost.com/wp-content/uploads/2023/09/senandung-kabut-kidung-senja-cuplikan.mp3",
            caption="Cuplikan lagu “Kidung Senja” Sumber: Senandung Kabut",
        )
    ]
    youtube = next(e for e in _of_type(body, Embed) if e.provider == "youtube")
    assert youtube.caption == ""  # the embed figure has no figcaption


def test_016_017_media_captions_get_their_credit(site: SiteConfig) -> None:
    audio = _article("016")
    (track,) = _of_type(build_body(audio["pages"], audio["url"], site), Audio)
    assert (track.caption, track.credit) == ("Cuplikan lagu “Kidung Senja”", "Senandung Kabut")
    video = _article("017")
    (clip,) = _of_type(build_body(video["pages"], video["url"], site), Video)
    assert (clip.caption, clip.credit) == (
        "Cuplikan gladi bersih Karnaval Budaya Tepian Raya",
        "Humas Pemkot Tepian Raya",
    )


def test_017_map_iframe_video_and_table_caption() -> None:
    article = _article("017")
    body = parse_body(article["pages"], article["url"])
    (osm,) = [e for e in _of_type(body, Embed) if e.provider == "iframe"]
    assert osm.url == (
        "https://www.openstreetmap.org/export/embed.html?bbox=112.7301%2C-7.2652%2C112.7523%2C-7.2498"
        "&layer=mapnik&marker=-7.2575%2C112.7412"
    )
    assert (osm.width, osm.height) == (600, 400)
    assert _of_type(body, Video) == [
        Video(
            "https://www.andalpost.com/wp-content/uploads/2023/09/gladi-karnaval-tepian-raya.mp4",
            poster="https://www.andalpost.com/wp-content/uploads/2023/09/gladi-karnaval-poster.jpg",
            caption="Cuplikan gladi bersih Karnaval Budaya Tepian Raya Sumber: Humas Pemkot Tepian Raya",
        )
    ]
    (table,) = _of_type(body, Table)
    assert table.caption == "Kantong parkir resmi Karnaval Budaya Tepian Raya 2023"
    assert [cell.header for cell in table.rows[0]] == [True, True, True]
    assert inline_text(table.rows[3][1].children) == "600 mobil, 1.500 motor"
    tweet = next(e for e in _of_type(body, Embed) if e.provider == "twitter")
    assert tweet.media_id == "1700501122334455667"


@pytest.mark.parametrize("prefix", ["018", "019"])
def test_hostile_articles(prefix: str, site: SiteConfig) -> None:
    article = _article(prefix)
    body = build_body(article["pages"], article["url"], site)
    text = _text(body)
    flat = repr(body)
    for needle in ("alert", "document.write", "display:none", "@import", "evil.example", "tracker", "steal"):
        assert needle not in flat
    for needle in ("Masukkan PIN", "abc123", "Aktifkan", "Ikut undian", "Email kamu", "x.swf"):
        assert needle not in flat  # forms and objects are gone with their text
    assert all(not href.lower().startswith("javascript") for href in _hrefs(body))
    assert "javascript" not in flat.lower()
    if prefix == "018":
        assert "Catatan redaksi: artikel ini disusun dari siaran pers perusahaan & wawancara" in text
        assert "Dompet<Pintar>" in text
        assert "Unduh versi terbaru di sini" in text  # the javascript: link degrades to its text
        assert "PROMO CASHBACK 50% untuk 1.000 pengguna pertama!" in text
        assert "nilai transaksi < Rp50.000 & hanya" in text
    else:
        assert "Catatan: ulasan ini bebas bocoran (spoiler-free) untuk episode 1–3." in text
        assert "Trailer resminya bisa ditonton di sini, sementara jadwal episode ada di halaman ini" in text
        assert "Rating redaksi: 4/5" in text
        assert "Teks setelah tag body liar." in text
        assert "“Rumah <Kaca>”" in text


def test_012_has_three_page_breaks() -> None:
    article = _article("012")
    body = parse_body(article["pages"], article["url"])
    assert [block.number for block in body if isinstance(block, PageBreak)] == [2, 3, 4]
    assert not isinstance(body[0], PageBreak)


# --- mapping rules --------------------------------------------------------------------------


def test_paragraph_inline_mapping() -> None:
    body = _parse(
        '<p>Satu <strong>tebal</strong> <b>juga</b>, <em>miring</em> <i>lagi</i>, <a href="/x">tautan</a>'
        "<br>baris <span>span</span> <u>garis</u><sup>2</sup></p>"
    )
    assert body == (
        Paragraph(
            (
                Text("Satu "),
                Strong((Text("tebal"),)),
                Text(" "),
                Strong((Text("juga"),)),
                Text(", "),
                Emphasis((Text("miring"),)),
                Text(" "),
                Emphasis((Text("lagi"),)),
                Text(", "),
                Link("https://www.andalpost.com/x", (Text("tautan"),)),
                LineBreak(),
                Text("baris span garis2"),
            )
        ),
    )


def test_whitespace_collapses_across_elements_and_nbsp() -> None:
    body = _parse("<p>  a \n\t<b> b </b>\xa0&nbsp; c&nbsp;</p><p>&nbsp;</p><p> </p><p></p><p><i> </i></p>")
    assert body == (Paragraph((Text("a "), Strong((Text("b "),)), Text("c"))),)


def test_blank_wrappers_keep_their_space() -> None:
    body = _parse('<p>a<b> </b>b<a href="/x"> </a>c<i></i>d</p>')
    assert body == (Paragraph((Text("a b cd"),)),)


def test_line_breaks_are_trimmed_at_block_edges() -> None:
    body = _parse("<p><br>a<br><br>b<br></p><p><br><br></p>")
    assert body == (Paragraph((Text("a"), LineBreak(), LineBreak(), Text("b"))),)


def test_headings_are_clamped() -> None:
    body = _parse("<h1>A</h1><h2>B</h2><h3>C</h3><h4>D</h4><h5>E</h5><h6>F</h6><h3> </h3>")
    assert [(h.level, inline_text(h.children)) for h in _of_type(body, Heading)] == [
        (2, "A"), (2, "B"), (3, "C"), (4, "D"), (4, "E"), (4, "F"),
    ]  # fmt: skip


def test_nested_lists_are_flattened() -> None:
    body = _parse(
        "<ol><li>satu<ul><li>dua <b>tebal</b></li><li>tiga<ol><li>empat</li></ol></li></ul>lima</li>"
        "<li><p>enam</p><p>tujuh</p></li><li> </li></ol>"
    )
    (block,) = body
    assert isinstance(block, ListBlock) and block.ordered
    assert [inline_text(item) for item in block.items] == [
        "satu", "dua tebal", "tiga", "empat", "lima", "enam\ntujuh",
    ]  # fmt: skip
    assert block.items[1] == (Text("dua "), Strong((Text("tebal"),)))


def test_paragraph_with_only_an_image_is_a_figure() -> None:
    body = _parse('<p> <img src="/a.jpg" alt=" Foto  A " width="640" height="480px"> </p><img src="b.png">')
    assert body == (
        Figure(Image("https://www.andalpost.com/a.jpg", "Foto A", 640, 480)),
        Figure(Image("https://www.andalpost.com/nasional/b.png")),
    )


def test_image_inside_text_splits_the_paragraph() -> None:
    body = _parse('<p>sebelum <img src="/a.jpg"> sesudah</p>')
    assert body == (
        Paragraph((Text("sebelum"),)),
        Figure(Image("https://www.andalpost.com/a.jpg")),
        Paragraph((Text("sesudah"),)),
    )


def test_lazy_loaded_image_uses_its_data_src() -> None:
    body = _parse('<img src="data:image/gif;base64,R0lGOD" data-src="https://cdn.example/real.jpg">')
    assert body == (Figure(Image("https://cdn.example/real.jpg")),)


def test_figure_with_caption_and_credit_left_for_boilerplate() -> None:
    body = _parse(
        '<figure><a href="/big.jpg"><img src="/a.jpg" alt="A"></a>'
        "<figcaption>Foto <em>indah</em> Sumber: CNN</figcaption></figure>"
    )
    assert body == (
        Figure(
            Image("https://www.andalpost.com/a.jpg", "A"),
            caption="Foto indah Sumber: CNN",
            link="https://www.andalpost.com/big.jpg",
        ),
    )


def test_gallery_caption_stays_as_text() -> None:
    body = _parse('<figure><img src="/a.jpg"><img src="/b.jpg"><figcaption>Dua foto</figcaption></figure>')
    assert body == (
        Figure(Image("https://www.andalpost.com/a.jpg")),
        Figure(Image("https://www.andalpost.com/b.jpg")),
        Paragraph((Text("Dua foto"),)),
    )


def test_table_with_headers_and_caption() -> None:
    body = _parse(
        "<table><caption>Judul <b>tabel</b></caption><thead><tr><th>A</th><th>B</th></tr></thead>"
        "<tbody><tr><td>1</td><td><p>dua</p><p>baris</p></td></tr><tr></tr></tbody></table>"
    )
    assert body == (
        Table(
            rows=(
                (TableCell(True, (Text("A"),)), TableCell(True, (Text("B"),))),
                (TableCell(False, (Text("1"),)), TableCell(False, (Text("dua"), LineBreak(), Text("baris")))),
            ),
            caption="Judul tabel",
        ),
    )


def test_table_caption_from_wrapping_figure_and_stray_text_kept() -> None:
    body = _parse("<figure><table>nyasar<tr><td>x</td></tr></table><figcaption>Judul</figcaption></figure>")
    assert body == (
        Paragraph((Text("nyasar"),)),
        Table(rows=((TableCell(False, (Text("x"),)),),), caption="Judul"),
    )


def test_blockquote_with_cite_and_nested_quote() -> None:
    body = _parse(
        "<blockquote><p>Kata <em>dia</em>.</p><blockquote><p>Dalam</p><cite>B</cite></blockquote>"
        "<p>— <cite>Tokoh A</cite></p></blockquote><blockquote>   </blockquote>"
    )
    assert body == (
        Quote(
            (
                Paragraph((Text("Kata "), Emphasis((Text("dia"),)), Text("."))),
                Quote((Paragraph((Text("Dalam"),)),), cite="B"),
                Paragraph((Text("—"),)),
            ),
            cite="Tokoh A",
        ),
    )


@pytest.mark.parametrize(
    ("src", "provider", "url", "media_id"),
    [
        ("https://www.youtube.com/embed/Xk3pT9aLm2Q?feature=oembed", "youtube",
         "https://www.youtube.com/watch?v=Xk3pT9aLm2Q", "Xk3pT9aLm2Q"),
        ("https://www.youtube-nocookie.com/embed/r8Vq2LmNc4E", "youtube",
         "https://www.youtube.com/watch?v=r8Vq2LmNc4E", "r8Vq2LmNc4E"),
        ("//youtu.be/r8Vq2LmNc4E", "youtube", "https://www.youtube.com/watch?v=r8Vq2LmNc4E", "r8Vq2LmNc4E"),
        ("https://player.vimeo.com/video/76979871?h=8272", "vimeo", "https://vimeo.com/76979871", "76979871"),
        ("https://www.facebook.com/plugins/post.php?href=https%3A%2F%2Fwww.facebook.com%2Fandalpost%2Fposts%2F1"
         "&amp;width=500", "facebook", "https://www.facebook.com/andalpost/posts/1", "1"),
        ("https://www.tiktok.com/embed/v2/7123456789012345678", "tiktok",
         "https://www.tiktok.com/embed/v2/7123456789012345678", "7123456789012345678"),
        ("https://maps.example/embed?a=1&amp;b=2", "iframe", "https://maps.example/embed?a=1&b=2", ""),
        ("http://old.example/widget", "iframe", "http://old.example/widget", ""),
    ],
)  # fmt: skip
def test_iframe_providers(src: str, provider: str, url: str, media_id: str) -> None:
    body = _parse(f'<iframe src="{src}" width="560" height="315" title="Judul">isi <b>iframe</b></iframe>')
    assert body == (Embed(provider, url, media_id, "Judul", 560, 315),)  # type: ignore[arg-type]


@pytest.mark.parametrize("src", ["javascript:alert(1)", "data:text/html,<b>x</b>", "about:blank", ""])
def test_unsafe_iframes_are_dropped(src: str) -> None:
    assert _parse(f'<p>a</p><iframe src="{src}"></iframe><p>b</p>') == (
        Paragraph((Text("a"),)),
        Paragraph((Text("b"),)),
    )


def test_wrapped_iframe_in_figure_is_an_embed() -> None:
    body = _parse(
        '<figure class="wp-block-embed"><div class="wp-block-embed__wrapper">'
        '<iframe src="https://www.youtube.com/embed/Xk3pT9aLm2Q"></iframe></div></figure>'
    )
    assert body == (Embed("youtube", "https://www.youtube.com/watch?v=Xk3pT9aLm2Q", "Xk3pT9aLm2Q"),)


def test_video_from_source_and_audio() -> None:
    body = _parse(
        '<video width="640" height="360" poster="/p.jpg"><source src="javascript:x">'
        '<source src="/v.mp4" type="video/mp4">Browser tidak mendukung</video>'
        '<audio><source src="/a.mp3"></audio><video></video>'
    )
    assert body == (
        Video("https://www.andalpost.com/v.mp4", "https://www.andalpost.com/p.jpg", 640, 360),
        Audio("https://www.andalpost.com/a.mp3"),
    )


def test_tweet_without_status_link_stays_a_quote() -> None:
    body = _parse('<blockquote class="twitter-tweet"><p>Cuitan</p></blockquote>')
    assert body == (Quote((Paragraph((Text("Cuitan"),)),)),)


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(2)",
        " javascript:alert(3)",
        "&#106;avascript:alert(4)",
        "&#x6A;avascript:alert(5)",
        "java\tscript:alert(6)",
        "java&#10;script:alert(7)",
        "\x01javascript:alert(8)",
        "vbscript:msgbox(1)",
        "VBScript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "DATA:text/html,x",
        "file:///etc/passwd",
        "",
    ],
)
def test_unsafe_links_degrade_to_text(href: str) -> None:
    body = _parse(f'<p>Klik <a href="{href}">di <b>sini</b></a>.</p><img src="{href}">')
    assert body == (Paragraph((Text("Klik di "), Strong((Text("sini"),)), Text("."))),)


def test_safe_links_are_absolute() -> None:
    body = _parse(
        '<p><a href="mailto:redaksi@andalpost.com">surat</a> <a href="//cdn.example/x">cdn</a> '
        '<a href="#bagian">loncat</a> <a href="HTTPS://Example.com/a b">spasi</a> <a>jangkar</a></p>'
    )
    (paragraph,) = body
    assert isinstance(paragraph, Paragraph)
    assert [node.href for node in paragraph.children if isinstance(node, Link)] == [
        "mailto:redaksi@andalpost.com",
        "https://cdn.example/x",
        "https://www.andalpost.com/nasional/berita-uji#bagian",
        "https://example.com/a%20b",  # the host in its ASCII lower-case form
    ]
    assert inline_text(paragraph.children) == "surat cdn loncat spasi jangkar"


def test_dropped_elements_leave_no_text() -> None:
    body = _parse(
        "<script>var a = 1;</script><style>p{}</style><noscript>aktifkan JS</noscript>"
        "<template><p>templat</p></template><form><p>isian</p><input value='v'><select><option>opsi</option>"
        "</select><textarea>teks area</textarea><button>tombol</button></form><object data='x'>objek</object>"
        "<embed src='x'><!-- komentar --><p>isi <input value='liar'><button>tombol liar</button>"
        "<!-- komentar --> artikel</p><svg><text>grafik</text></svg>"
    )
    assert body == (Paragraph((Text("isi artikel"),)),)


def test_containers_are_transparent_and_loose_text_is_a_paragraph() -> None:
    body = _parse(
        "<div>teks lepas <b>tebal</b><section><p>dalam</p>ekor</section><center><marquee>jalan</marquee>"
        "</center><font color=red>merah</font></div>akhir"
    )
    assert [inline_text(block.children) for block in body if isinstance(block, Paragraph)] == [
        "teks lepas tebal",
        "dalam",
        "ekor",
        "jalan",
        "merah",
        "akhir",
    ]


def test_bold_and_links_around_blocks_continue_in_each() -> None:
    body = _parse('<strong><div>satu</div><p>dua</p></strong><a href="/k"><div>kartu</div></a>')
    assert body == (
        Paragraph((Strong((Text("satu"),)),)),
        Paragraph((Strong((Text("dua"),)),)),
        Paragraph((Link("https://www.andalpost.com/k", (Text("kartu"),)),)),
    )


def test_markup_written_as_text_stays_text() -> None:
    body = _parse("<p>&lt;b&gt;tebal&lt;/b&gt; a < b && c &copy 2023 &amp;amp;</p>")
    assert body == (Paragraph((Text("<b>tebal</b> a < b && c © 2023 &amp;"),)),)


def test_illegal_characters_dropped_and_text_nfc() -> None:
    body = _parse("<p>a\x00b\x01c\x0bd\ud800e &#1;f cafe\u0301</p>")
    (paragraph,) = body
    assert isinstance(paragraph, Paragraph)
    text = inline_text(paragraph.children)
    assert not _XML_ILLEGAL.search(text)
    # Controls stood between letters: each reads as a space; a lone surrogate is no character.
    assert text.startswith("a b c de")
    assert text.endswith("café")


def test_malformed_html_does_not_crash() -> None:
    body = _parse(
        "<p>unclosed <b>bold <i>both<p>next</div></span><table><td>cell<tr>x</table><li>loose item"
        '<body onload="alert(1)"><p>after body</p></body></html><p>end'
    )
    text = _text(body)
    for needle in ("unclosed", "bold", "both", "next", "cell", "loose item", "after body", "end"):
        assert needle in text
    assert "alert" not in repr(body)


def test_pages_and_page_breaks() -> None:
    body = parse_body(["<p>satu</p>", "", "<p>tiga</p>"], URL)
    assert body == (Paragraph((Text("satu"),)), PageBreak(2), PageBreak(3), Paragraph((Text("tiga"),)))
    assert parse_body([], URL) == ()
    assert parse_body(["   ", "<!-- x -->"], URL) == (PageBreak(2),)


# --- depth -----------------------------------------------------------------------------------

DEPTH = 5000


@pytest.mark.parametrize(
    ("open_tag", "close_tag"),
    [
        ("<div>", "</div>"),
        ("<div>", ""),  # never closed
        ("<span>", "</span>"),
        ("<b>", "</b>"),
        ("<blockquote>", "</blockquote>"),
        ("<ul><li>", "</li></ul>"),
        ("<table><tr><td>", "</td></tr></table>"),
        ("<figure>", "</figure>"),
        ('<div><span><font><a href="/a"><em>', "</em></a></font></span></div>"),
    ],
)
def test_deep_nesting_keeps_text(open_tag: str, close_tag: str) -> None:
    html = open_tag * DEPTH + "teks terdalam" + close_tag * DEPTH + "<p>sesudahnya</p>"
    body = _parse(html)
    text = _text(body)
    assert "teks terdalam" in text
    assert "sesudahnya" in text
    assert body_from_json(json.loads(json.dumps(body_to_json(body)))) == body


def test_deep_wrappers_stay_shallow_in_the_model() -> None:
    body = _parse("<b><i>" * DEPTH + "x" + "</i></b>" * DEPTH)
    assert body == (Paragraph((Strong((Emphasis((Text("x"),)),)),)),)


def test_many_unclosed_paragraphs_stay_apart() -> None:
    body = _parse("<p>x" * 3000)
    assert body == (Paragraph((Text("x"),)),) * 3000


def test_deep_nesting_around_scripts_and_comments() -> None:
    html = (
        "<div>" * DEPTH + "<script>document.write('<div><div>')</script><!-- <div> -->"
        "<style>div{}</style>dalam" + "</div>" * DEPTH + "<p>luar</p>"
    )
    assert _parse(html) == (Paragraph((Text("dalam"),)), Paragraph((Text("luar"),)))


@pytest.mark.parametrize("junk", ["<a href='x'" * 50_000, '<div title="' * 50_000, "<!--<p>" * 50_000])
def test_junk_without_closing_brackets_is_quick(junk: str) -> None:
    started = time.monotonic()
    _parse(junk + "<p>akhir</p>")
    assert time.monotonic() - started < 10  # a quadratic scan takes minutes here


# --- fuzzing ----------------------------------------------------------------------------------

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_SNIPPETS = [
    "<p>", "</p>", "<div>", "</div>", "<b>", "</b>", "<i>", "<a href='javascript:x'>", "<a href='/ok'>",
    "</a>", "<ul>", "<li>", "</ul>", "<table>", "<tr>", "<td>", "<th>", "</table>", "<blockquote>",
    "</blockquote>", "<figure>", "<figcaption>", "</figure>", "<img src='/x.jpg'>", "<img src=javascript:x>",
    "<iframe src='https://www.youtube.com/embed/abcdefghijk'>", "</iframe>", "<video src=/v.mp4>",
    "<audio>", "<source src=/a.mp3>", "<script>", "</script>", "<style>", "<!--", "-->", "<br>", "&nbsp;",
    "&#0;", "&#1;", "&#xD800;", "&copy", "&", "<", ">", "<h1>", "<h6>", "<cite>", "<form>", "<input>",
    "<body onload=x>", "<html>", "<![CDATA[", "]]>", "<?php ?>", "<!DOCTYPE html>", "<blockquote class="
    "'twitter-tweet'>", "<a href='https://twitter.com/a/status/1'>", "<caption>", "<select><option>",
    "\x00", "\x0b", "\ud800", "\ufffe", "e\u0301",
]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(st.one_of(st.sampled_from(_SNIPPETS), st.text(max_size=20)), max_size=40), max_size=3)
)
def test_random_junk_never_crashes(pages_parts: list[list[str]]) -> None:
    pages = ["".join(parts) for parts in pages_parts]
    body = parse_body(pages, URL)
    assert sum(isinstance(block, PageBreak) for block in body) == max(len(pages) - 1, 0)
    for value in _all_strings(body):
        assert not _XML_ILLEGAL.search(value), value
    for href in _hrefs(body):
        assert re.match(r"(https?://[^/\s]+|mailto:)", href), href
    assert body_from_json(json.loads(json.dumps(body_to_json(body)))) == body


def test_corpus_file_layout_is_as_expected() -> None:
    # Guards the parametrised tests above from silently running over nothing.
    assert len(ARTICLES) >= 20
    assert Path(EXAMPLE_EVENTS).is_dir()
