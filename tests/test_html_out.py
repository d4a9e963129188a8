"""The AMP page's string serializer writes what lxml's HTML serializer wrote, byte for byte.

The AMP page was an lxml tree serialised with `method="html"`; it is now written as strings
(core.render.html_out). Three checks keep it the same page:
  * a table of the escaping rules at their boundaries, each row also checked against lxml;
  * a property: any element tree of hostile text and attribute values serialises alike;
  * a property: whole pages of generated body models with hostile text are the same bytes as
    the tree-building renderer's (support/amp_tree, the old renderer kept as the oracle).
"""

from __future__ import annotations

import dataclasses
import os
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

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
from warta.core.config import AmpAds, AmpAnalytics, SiteConfig, load_site
from warta.core.render.amp import render_amp_page
from warta.core.render.html_out import VOID_ELEMENTS, attr, element, raw_attr, start_tag, text
from warta.core.text import clean_text

from conftest import EXAMPLE_SITE
from support.amp_tree.amp import render_amp_page as tree_amp_page

SITE = load_site(EXAMPLE_SITE)
# `make test` runs a modest number of pages; set WARTA_HTML_OUT_EXAMPLES (e.g. 5000) for more.
EXAMPLES = int(os.environ.get("WARTA_HTML_OUT_EXAMPLES", "300"))
WIB = timezone(timedelta(hours=7))

# What an attacker or a broken editor puts in text: markup, entities, CDATA ends, both quotes,
# controls (XML refuses most), CR, line and paragraph separators, no-break space, astral chars.
HOSTILE_PIECES = ["<", ">", "&", "&amp;", "]]>", '"', "'", "\r", "\n", "\t", " ", "\x00", "\x0b", "\x7f"]
HOSTILE_PIECES += ["\x85", "\u2028", "\u2029", "\xa0", "\ufeff", "😀", "\U0001d11e", "é", "e\u0301", "عربى"]
hostile_text = st.lists(st.sampled_from(HOSTILE_PIECES) | st.text(max_size=4), max_size=8).map("".join)


def _lxml(build: Any) -> str:
    """What lxml writes for the children `build` puts under a <div>, without the <div>."""
    root = etree.Element("div")
    build(root)
    whole = etree.tostring(root, method="html", encoding="unicode")
    return whole[len("<div>") : -len("</div>")]


def _lxml_element(tag: str, content: str, attributes: list[tuple[str, str]]) -> str:
    def build(root: etree._Element) -> None:
        node = etree.SubElement(root, tag)
        for name, value in attributes:
            node.set(name, value)
        if content:
            node.text = content

    return _lxml(build)


# --- the rules at their boundaries ---------------------------------------------------------------

ATTRIBUTE_TABLE = [
    # name, value, as written
    ("alt", "plain", ' alt="plain"'),
    ("alt", "", ' alt=""'),
    ("alt", "a&b<c>d", ' alt="a&amp;b&lt;c&gt;d"'),
    ("alt", 'say "hi"', " alt='say \"hi\"'"),  # a " and no ': quoted with '
    ("alt", "it's", ' alt="it\'s"'),
    ("alt", '"it\'s"', ' alt="&quot;it\'s&quot;"'),  # both quotes: " quoted, &quot;
    ("alt", "\t\n x", ' alt="\t\n x"'),  # blanks stay in plain attributes
    ("alt", "\xa0é😀", ' alt="\xa0é😀"'),
    ("alt", "&amp;", ' alt="&amp;amp;"'),
    ("href", "https://a.example/p?x=1&y=<2>", ' href="https://a.example/p?x=1&amp;y=&lt;2&gt;"'),
    ("href", " \t\nhttps://a.example/", ' href="https://a.example/"'),  # leading blanks go
    ("href", "https://a.example/a b ", ' href="https://a.example/a%20b%20"'),  # inner ones escaped
    ("href", "https://a.example/é😀", ' href="https://a.example/%C3%A9%F0%9F%98%80"'),
    ("href", "https://a.example/\x7f\xa0", ' href="https://a.example/%7F%C2%A0"'),
    ("href", "https://a.example/%41%zz~", ' href="https://a.example/%41%zz~"'),
    ("src", 'https://a.example/"', " src='https://a.example/\"'"),
    ("name", "é", ' name="é"'),  # a URI on <a> only, where the page never writes it
    ("action", "a\tb\nc", ' action="a%09b%0Ac"'),
    ("data-href", "https://a.example/é b", ' data-href="https://a.example/é b"'),  # not a URI attribute
]


@pytest.mark.parametrize(("name", "value", "written"), ATTRIBUTE_TABLE)
def test_attribute_rules(name: str, value: str, written: str) -> None:
    assert raw_attr(name, value) == written
    assert _lxml_element("x", "", [(name, value)]) == f"<x{written}></x>"


@pytest.mark.parametrize(("value", "written"), [("a\rb", "a&#13;b"), ("\r", "&#13;")])
def test_a_carriage_return_is_a_character_reference_where_it_is_not_cleaned(value: str, written: str) -> None:
    for name in ("alt", "href"):
        assert raw_attr(name, value) == f' {name}="{written}"'
        assert _lxml_element("x", "", [(name, value)]) == f'<x {name}="{written}"></x>'
    assert attr("alt", value) == f' alt="{clean_text(value)}"'  # cleaned: CR is a newline


TEXT_TABLE = [
    ("p", "a<b>&c", "<p>a&lt;b&gt;&amp;c</p>"),
    ("p", '"quotes\' stay"', '<p>"quotes\' stay"</p>'),
    ("p", "]]>", "<p>]]&gt;</p>"),
    ("p", "\xa0é😀\u2028", "<p>\xa0é😀\n</p>"),  # cleaned: LINE SEPARATOR is a newline
    ("p", "", "<p></p>"),
    ("title", "a<b", "<title>a&lt;b</title>"),
    ("script", '{"a":"<b>&"}', '<script>{"a":"<b>&"}</script>'),  # raw text elements: as they are
    ("style", "a>b{c:d}", "<style>a>b{c:d}</style>"),
    ("br", "", "<br>"),  # void: no end tag
    ("meta", "", "<meta>"),
    ("amp-img", "", "<amp-img></amp-img>"),  # unknown to HTML 4: an end tag
    ("li", "", "<li>"),  # no child node: no end tag
    ("li", "\ufeff", "<li></li>"),  # text that cleans to nothing is an (empty) child node
]


@pytest.mark.parametrize(("tag", "content", "written"), TEXT_TABLE)
def test_text_rules(tag: str, content: str, written: str) -> None:
    assert element(tag, content) == written

    def build(root: etree._Element) -> None:
        node = etree.SubElement(root, tag)
        if content:  # as the tree renderer set text
            node.text = clean_text(content)

    assert _lxml(build) == written


@pytest.mark.parametrize("value", ["\x00", "a\x08b", "\x0b", "\x1f", "\ufffe", "\uffff"])
def test_values_xml_cannot_hold_are_refused_as_lxml_refuses_them(value: str) -> None:
    with pytest.raises(ValueError):
        raw_attr("alt", value)
    with pytest.raises(ValueError):
        _lxml_element("x", "", [("alt", value)])
    assert "\x00" not in attr("alt", value)  # cleaned values never hold them


# --- any tree of hostile text --------------------------------------------------------------------

_TAGS = [
    "p",
    "li",
    "a",
    "span",
    "br",
    "meta",
    "link",
    "script",
    "style",
    "title",
    "amp-img",
    "figure",
    "cite",
]
_NAMES = ["href", "src", "action", "alt", "class", "content", "data-href", "title", "lang"]
_attributes = st.lists(st.tuples(st.sampled_from(_NAMES), hostile_text), max_size=4).map(
    lambda pairs: list(dict(pairs).items())  # a name once, as an element has it
)
_trees = st.recursive(
    st.tuples(st.sampled_from(_TAGS), _attributes, hostile_text, st.just([])),
    lambda children: st.tuples(
        st.sampled_from(["p", "li", "div", "figure", "a", "blockquote"]),
        _attributes,
        hostile_text,
        st.lists(children, max_size=3),
    ),
    max_leaves=8,
)


def _strings(tree: Any) -> str:
    tag, attributes, content, children = tree
    attrs = [attr(name, value) for name, value in attributes]
    if tag in VOID_ELEMENTS or not children:
        return element(tag, content, *attrs)
    inner = "".join(_strings(child) for child in children)
    return f"{start_tag(tag, *attrs)}{text(content)}{inner}</{tag}>"


def _tree(parent: etree._Element, tree: Any) -> None:
    tag, attributes, content, children = tree
    node = etree.SubElement(parent, tag)
    for name, value in attributes:
        node.set(name, clean_text(value))
    if content and tag not in VOID_ELEMENTS:
        node.text = clean_text(content)
    for child in children:
        _tree(node, child)


@settings(max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(_trees)
def test_any_tree_of_hostile_text_is_written_as_lxml_writes_it(tree: Any) -> None:
    assert _strings(tree) == _lxml(lambda root: _tree(root, tree))


# --- whole pages against the tree-building renderer ---------------------------------------------

_URLS = st.sampled_from(
    [
        "https://www.andalpost.com/foto/a.jpg",
        "https://cdn.example.org/v.mp4",
        "http://old.example.org/x",
        "https://www.youtube.com/watch?v=abc",
        "https://www.facebook.com/x/videos/9",
        "https://www.andalpost.com/widget",
        "javascript:alert(1)",
        "mailto:redaksi@andalpost.com",
        " https://a.example/sp ace",
        "https://a.example/é?q=1&r=<2>",
        'https://a.example/"quoted"',
        "",
    ]
) | hostile_text.map(lambda t: "https://a.example/" + t)
_sizes = st.none() | st.integers(-5, 4000)
_inline = st.recursive(
    hostile_text.map(Text) | st.just(LineBreak()),
    lambda children: st.lists(children, max_size=3).flatmap(
        lambda kids: (
            st.sampled_from([Strong(tuple(kids)), Emphasis(tuple(kids))])
            | _URLS.map(lambda url: Link(url, tuple(kids)))
        )
    ),
    max_leaves=6,
)
_inlines = st.lists(_inline, max_size=4).map(tuple)
_image = st.builds(Image, _URLS, hostile_text, _sizes, _sizes)
_leaf_block: st.SearchStrategy[Block] = st.one_of(
    _inlines.map(Paragraph),
    st.builds(Heading, st.integers(1, 6), _inlines),
    st.builds(ListBlock, st.booleans(), st.lists(_inlines, max_size=3).map(tuple)),
    st.builds(
        Table,
        st.lists(
            st.lists(st.builds(TableCell, st.booleans(), _inlines), max_size=3).map(tuple), max_size=3
        ).map(tuple),
        hostile_text,
    ),
    st.builds(Figure, _image, hostile_text, hostile_text, _URLS),
    st.builds(
        Embed,
        st.sampled_from(["youtube", "vimeo", "twitter", "instagram", "facebook", "tiktok", "iframe"]),
        _URLS,
        st.sampled_from(["", "123", "abc_1", " 42 ", "١٢٣"]) | hostile_text,
        hostile_text,
        _sizes,
        _sizes,
        hostile_text,
        hostile_text,
    ),
    st.builds(Video, _URLS, _URLS, _sizes, _sizes, hostile_text, hostile_text),
    st.builds(Audio, _URLS, hostile_text, hostile_text),
    st.lists(st.builds(Link, _URLS, _inlines), max_size=3).map(lambda links: RelatedLinks(tuple(links))),
    st.integers(2, 5).map(PageBreak),
)
_blocks = st.recursive(
    _leaf_block,
    lambda children: st.builds(Quote, st.lists(children, max_size=3).map(tuple), hostile_text),
    max_leaves=10,
)
_ADS = AmpAds("doubleclick", 300, 250, (1, 2), {"slot": '/1/a&b"<x>', "json": "{'k': 1}"})
_ANALYTICS = AmpAnalytics("gtag", "https://x.example/c.json?a=1&b=2", {"id": "G-1</script>&"})


@st.composite
def _pages(draw: st.DrawFn) -> tuple[Article, SiteConfig]:
    amp = dataclasses.replace(
        SITE.amp,
        ads=draw(st.sampled_from([None, _ADS])),
        analytics=draw(st.sampled_from([None, _ANALYTICS])),
        max_page_bytes=draw(st.sampled_from([SITE.amp.max_page_bytes, 9_000, 11_000])),
    )
    article = Article(
        site=SITE.id,
        id="7001",
        revision=1,
        url=draw(
            st.sampled_from(["https://www.andalpost.com/nasional/a", "https://www.andalpost.com/é?x=1&y=2"])
        ),
        title=draw(hostile_text) or "Judul",
        summary=draw(hostile_text),
        language=draw(st.sampled_from(["id", "en", "id-ID", "x<y"])),
        section=Section("nasional", draw(hostile_text) or "Nasional"),
        tags=tuple(draw(st.lists(hostile_text, max_size=2))),
        authors=tuple(draw(st.lists(st.builds(Author, hostile_text, _URLS), max_size=3))),
        published_at=datetime(2024, 1, 2, 3, 4, tzinfo=WIB),
        updated_at=draw(st.sampled_from([None, datetime(2024, 1, 3, 5, 6, tzinfo=WIB)])),
        image=draw(
            st.none()
            | st.builds(
                HeroImage, _URLS, st.just(1200), st.just(675), hostile_text, hostile_text, hostile_text
            )
        ),
        access=draw(st.sampled_from(["free", "free", "subscriber"])),
        body=tuple(draw(st.lists(_blocks, max_size=8))),
        page_count=1,
    )
    return article, dataclasses.replace(SITE, amp=amp)


def _outcome(render: Any, article: Article, site: SiteConfig) -> bytes | str:
    try:
        page: bytes = render(article, site)
    except ValueError as exc:  # lxml refuses what XML cannot hold, and so must the strings
        return f"refused: {type(exc).__name__}"
    return page


@settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(_pages())
def test_pages_of_hostile_bodies_are_the_tree_renderers_bytes(case: tuple[Article, SiteConfig]) -> None:
    article, site = case
    assert _outcome(render_amp_page, article, site) == _outcome(tree_amp_page, article, site)


def test_the_oracle_is_the_tree_renderer() -> None:
    """Guards the property: an oracle that were the new renderer again would prove nothing."""
    import support.amp_tree.amp_nodes as nodes

    assert hasattr(nodes, "el") and "lxml" in nodes.__dict__["etree"].__name__
