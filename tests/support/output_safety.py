"""What no output may carry, whatever the input: shared by the hypothesis and atheris fuzzers."""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

# HTML that has broken sanitisers: scripts, handlers, unsafe URLs, forms, styles, bad entities.
HOSTILE_FRAGMENTS = [
    "<p>teks biasa</p>",
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//x.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">klik</a>',
    '<a href=" &#106;avascript:alert(1)">klik</a>',
    '<a href="data:text/html,<script>x</script>">d</a>',
    '<a href="vbscript:msgbox">v</a>',
    "<style>body{display:none}</style>",
    '<form action="/x"><input type="password" name="p"></form>',
    '<iframe src="https://www.youtube.com/embed/abcdefghijk"></iframe>',
    '<iframe src="http://insecure.example/embed"></iframe>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<div style="position:fixed" onclick="x()">overlay</div>',
    "<table><tr><td>sel</td></tr></table>",
    "<ul><li>satu<li>dua</ul>",
    "<blockquote class='twitter-tweet'><a href='https://twitter.com/a/status/123'>t</a></blockquote>",
    "<object data='x.swf'></object>",
    "<svg onload=alert(1)><circle/></svg>",
    "<math><mi xlink:href='javascript:x'>m</mi></math>",
    "<video src='https://v.example/a.mp4' poster='javascript:x'></video>",
    "&copy &#0; &#xD800; &#1114112; &bogus;",
    "<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;form&gt; &lt;a onclick=x&gt;</p>",
    "<div>" * 300,
    "<b><i><u>tak ditutup",
    "</p></div></body></html>setelah",
]


URL_ATTRIBUTES = {
    "href",
    "src",
    "srcset",
    "poster",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "background",
}
UNSAFE_SCHEMES = ("javascript:", "data:", "vbscript:")
# What a browser ignores inside a URL before its scheme: whitespace and control characters.
URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")


def assert_inert_markup(html: str) -> None:
    """No event handler, form or unsafe URL, as an HTML parser sees the markup.

    A parser, not a pattern: `&lt;a onclick=…&gt;` shown as text and a `content` attribute that
    quotes `src="javascript:…"` are inert, and a pattern over the source cannot tell them apart.
    """
    whole = html.lstrip()[:9].lower() in ("<!doctype", "<html")
    root = lxml_html.document_fromstring(html) if whole else lxml_html.fragment_fromstring(html, "div")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # a comment or processing instruction
        assert element.tag.lower() not in ("form", "input", "object", "embed", "base"), element.tag
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), f"<{element.tag} {name}={value!r}>"
            if name.lower() in URL_ATTRIBUTES:
                url = URL_NOISE.sub("", value).lower()
                assert not url.startswith(UNSAFE_SCHEMES), f"<{element.tag} {name}={value!r}>"


def assert_clean_html(page: bytes) -> None:
    text = page.decode("utf-8")
    assert not XML_ILLEGAL.search(text)
    assert_inert_markup(text)
    scripts = re.findall(r"<script\b[^>]*>", text, re.IGNORECASE)
    for tag in scripts:
        assert 'type="application/ld+json"' in tag or 'src="https://cdn.ampproject.org/' in tag, tag
    for tag in re.findall(r"<style\b[^>]*>", text, re.IGNORECASE):
        assert "amp-custom" in tag or "amp-boilerplate" in tag, tag


def assert_clean_xml(document: bytes) -> None:
    tree = etree.fromstring(document)  # raises on anything not well-formed, illegal characters included
    for encoded in tree.xpath("//*[local-name()='encoded']/text()"):
        html = encoded.lower()
        assert "<script" not in html and "<form" not in html and "<style" not in html
        assert_inert_markup(encoded)
