"""Site-configured boilerplate rules and caption credits over the body model."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from warta.core.body import apply_boilerplate, build_body, parse_body
from warta.core.body.model import (
    Body,
    Emphasis,
    Figure,
    Heading,
    Image,
    Link,
    PageBreak,
    Paragraph,
    Quote,
    RelatedLinks,
    Strong,
    Text,
    inline_text,
)
from warta.core.config import BoilerplateRule, SiteConfig

from conftest import EXAMPLE_EVENTS

URL = "https://www.andalpost.com/nasional/berita-uji"
FLAGS = re.IGNORECASE | re.DOTALL
DROP_BACA_JUGA = BoilerplateRule("baca-juga", re.compile(r"^Baca juga\s*:.*$", FLAGS), "drop")
RELATED_BACA_JUGA = BoilerplateRule("baca-juga", re.compile(r"^Baca juga\s*:.*$", FLAGS), "related")
DROP_CONTINUED = BoilerplateRule(
    "lanjut", re.compile(r"Simak selengkapnya di halaman berikutnya\.?", FLAGS), "drop"
)
CREDIT = re.compile(r"\s*Sumber:\s*(?P<credit>[^:]+?)\s*$", FLAGS)


def _paragraph(text: str) -> Paragraph:
    return Paragraph((Text(text),))


def _baca_juga(href: str, title: str) -> Paragraph:
    return Paragraph((Strong((Text("Baca juga:"),)), Text(" "), Link(href, (Text(title),))))


def _image(caption: str, credit: str = "") -> Figure:
    return Figure(Image("https://www.andalpost.com/a.jpg", "alt", 10, 10), caption, credit)


def test_drop_rule_removes_matching_paragraphs_only() -> None:
    body: Body = (
        _paragraph("Isi berita."),
        _baca_juga("https://www.andalpost.com/a", "Judul A"),
        _paragraph("Ia berkata: Baca juga: koran pagi."),  # the rule is anchored at the start
        Paragraph((Emphasis((Text("Simak selengkapnya di halaman berikutnya."),)),)),
        PageBreak(2),
        _paragraph("Halaman dua."),
    )
    assert apply_boilerplate(body, [DROP_BACA_JUGA, DROP_CONTINUED], None) == (
        _paragraph("Isi berita."),
        _paragraph("Ia berkata: Baca juga: koran pagi."),
        PageBreak(2),
        _paragraph("Halaman dua."),
    )


def test_patterns_must_match_the_whole_paragraph() -> None:
    """A pattern without anchors still has to cover the whole text, not just its start."""
    body = (_paragraph("Simak selengkapnya di halaman berikutnya. Lalu kalimat berita yang penting."),)
    assert apply_boilerplate(body, [DROP_CONTINUED], None) == body


def test_matching_sees_folded_white_space() -> None:
    body = (Paragraph((Text("Baca"), Text("  juga :\n"), Link("https://x.example/", (Text("X"),)))),)
    assert apply_boilerplate(body, [DROP_BACA_JUGA], None) == ()


def test_related_rule_gathers_links_at_the_end() -> None:
    body: Body = (
        _baca_juga("https://www.andalpost.com/a", "Judul A"),
        _paragraph("Isi berita."),
        _baca_juga("https://www.andalpost.com/b", "Judul B"),
        _baca_juga("https://www.andalpost.com/a", "Judul A lagi"),  # the same story once
        _paragraph("Baca juga: tanpa tautan"),
        _paragraph("Penutup."),
    )
    assert apply_boilerplate(body, [RELATED_BACA_JUGA], None) == (
        _paragraph("Isi berita."),
        _paragraph("Penutup."),
        RelatedLinks(
            (
                Link("https://www.andalpost.com/a", (Text("Judul A"),)),
                Link("https://www.andalpost.com/b", (Text("Judul B"),)),
            )
        ),
    )


def test_paragraphs_inside_quotes_are_left_alone() -> None:
    quote = Quote((_paragraph("Baca juga: kata narasumber"),), cite="Narasumber")
    body: Body = (quote, Heading(2, (Text("Baca juga: judul"),)))
    assert apply_boilerplate(body, [DROP_BACA_JUGA, RELATED_BACA_JUGA], None) == body


def test_caption_credit_is_split() -> None:
    body: Body = (
        _image("Kim Jong Un beserta anaknya Sumber: CNN"),
        _image("Pekerja menata karung. Sumber:  Andalpost/Bagus Hariyanto "),
        _image("Tanpa sumber"),
        _image("Sudah punya kredit Sumber: CNN", credit="Reuters"),
        _image(""),
        _image("Sumber: Dok. Pribadi"),
    )
    assert apply_boilerplate(body, [], CREDIT) == (
        _image("Kim Jong Un beserta anaknya", "CNN"),
        _image("Pekerja menata karung.", "Andalpost/Bagus Hariyanto"),
        _image("Tanpa sumber"),
        _image("Sudah punya kredit Sumber: CNN", credit="Reuters"),
        _image(""),
        _image("", "Dok. Pribadi"),
    )


def test_no_credit_pattern_leaves_captions() -> None:
    body = (_image("Foto Sumber: CNN"),)
    assert apply_boilerplate(body, [], None) == body


def test_credit_pattern_without_named_group_is_ignored() -> None:
    body = (_image("Foto Sumber: CNN"),)
    assert apply_boilerplate(body, [], re.compile(r"Sumber: (\w+)$")) == body


def test_applying_twice_changes_nothing() -> None:
    body: Body = (
        _image("Foto Sumber: CNN"),
        _baca_juga("https://www.andalpost.com/a", "Judul A"),
        _paragraph("Isi."),
    )
    once = apply_boilerplate(body, [RELATED_BACA_JUGA], CREDIT)
    assert apply_boilerplate(once, [RELATED_BACA_JUGA], CREDIT) == once
    assert body[0] == _image("Foto Sumber: CNN")  # the input is not touched


def test_build_body_uses_the_site_rules(site: SiteConfig) -> None:
    pages = [
        '<p><strong>Terima Notifikasi Berita Terkini.</strong> 👉 <a href="https://t.me/andalpost">'
        "Join Telegram Channel</a>.</p>"
        '<figure><img src="/a.jpg"><figcaption>Foto Sumber: CNN</figcaption></figure>'
        "<p>Isi.</p><p>Baca juga: <a href='/lain'>Lain</a></p>"
        "<p>Simak selengkapnya di halaman berikutnya.</p>",
        "<p>Halaman dua.</p>",
    ]
    assert build_body(pages, URL, site) == (
        Figure(Image("https://www.andalpost.com/a.jpg"), "Foto", "CNN"),
        _paragraph("Isi."),
        PageBreak(2),
        _paragraph("Halaman dua."),
    )


def test_related_action_from_site_config(site: SiteConfig) -> None:
    rules = [
        BoilerplateRule(rule.name, rule.pattern, "related") if rule.name == "baca-juga" else rule
        for rule in site.boilerplate
    ]
    body = parse_body(["<p>Isi.</p><p><strong>Baca juga:</strong> <a href='/lain'>Lain</a></p>"], URL)
    assert apply_boilerplate(body, rules, site.caption_credit) == (
        _paragraph("Isi."),
        RelatedLinks((Link("https://www.andalpost.com/lain", (Text("Lain"),)),)),
    )


@pytest.mark.parametrize("path", sorted(EXAMPLE_EVENTS.glob("*.json")), ids=lambda p: p.name)
def test_corpus_baca_juga_links_become_related(path: Path, site: SiteConfig) -> None:
    article = json.loads(path.read_text(encoding="utf-8"))["article"]
    if not article.get("pages"):
        pytest.skip("no body (takedown)")
    rules = [BoilerplateRule(r.name, r.pattern, "related") for r in site.boilerplate if r.name == "baca-juga"]
    parsed = parse_body(article["pages"], article["url"])
    body = apply_boilerplate(parsed, rules, site.caption_credit)
    source_links = sum(
        1
        for block in parsed
        if isinstance(block, Paragraph) and inline_text(block.children).lstrip().startswith("Baca juga")
    )
    related = [block for block in body if isinstance(block, RelatedLinks)]
    if source_links:
        assert len(related) == 1 and body[-1] is related[0]
        assert all(link.href.startswith("https://www.andalpost.com/") for link in related[0].links)
    else:
        assert related == []
