"""HTML written as strings, byte for byte as lxml's HTML serializer (libxml2 2.14) writes a tree.

The AMP page used to be an lxml tree serialised with `method="html"`; building and serialising
the tree cost five times a plain template. These helpers write the same bytes directly, so the
page's output did not change when the tree went (tests/test_html_out.py checks every rule here
against lxml, and a property test checks whole pages against the tree-building renderer).

What libxml2 writes, and so what these write:
  * text: `&`, `<`, `>` escaped (and `\\r` as `&#13;`); quotes and everything else as they are.
  * the text of <script> and <style>: as it is (callers make it safe for a raw text element).
  * attribute values: `&`, `<`, `>` and `\\r` escaped; quoted with `"` (a `"` inside becomes
    `&quot;`) unless the value holds `"` and no `'`: then quoted with `'`, the `"` as it is.
  * URI attributes (href, src, action): leading blanks dropped; blanks, controls and every
    non-ASCII character %-escaped as UTF-8 (HTML 4.01 appendix B.2.1); then as above. (libxml2
    also takes `name` on <a> for a URI; the page writes no `name`, and these do not know it.)
  * void elements (br, meta, link, ...) have no end tag; nor has an <li> without any child
    node (an empty text node is one: `<li></li>`); every other element has one.

Every value is cleaned first (`clean_text`) where the tree-building code cleaned it, and
checked where it was not: lxml refused characters XML cannot hold, and so do these.
"""

from __future__ import annotations

import re

from warta.core.text import clean_text

# libxml2's HTML elements with an empty content model: written without an end tag.
VOID_ELEMENTS = frozenset(
    {"area", "base", "basefont", "br", "col", "frame", "hr", "img", "input", "isindex", "link", "meta"}
    | {"param"}
)
# Elements libxml2 writes without their end tag when they have no child node at all.
END_TAG_OMITTED_WHEN_EMPTY = frozenset({"li"})
# Elements whose text libxml2 writes unescaped (raw text elements).
RAW_TEXT_ELEMENTS = frozenset({"script", "style"})
# Attributes libxml2 writes as URIs on any element (HTMLtree.c, htmlAttrDumpOutput).
URI_ATTRIBUTES = frozenset({"href", "src", "action"})

# XML 1.0 section 2.2 Char: what lxml refuses in text and attribute values.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# What a URI attribute %-escapes: blanks and controls (but CR, escaped as a character
# reference instead), DEL, and every non-ASCII character.
_URI_ESCAPED = re.compile("[\x00-\x0c\x0e-\x20\x7f-\U0010ffff]+")
_URI_LEADING_BLANKS = " \t\n"


def legal(value: str) -> str:
    """The value, or ValueError when XML cannot hold it (as lxml's Element.set and .text)."""
    if _NOT_XML.search(value):
        raise ValueError("All strings must be XML compatible: no NULL bytes or control characters")
    return value


def escape_text(text: str) -> str:
    """Character data outside <script> and <style>."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\r", "&#13;") if "\r" in text else text


def _percent(match: re.Match[str]) -> str:
    return "".join(f"%{byte:02X}" for byte in match.group().encode("utf-8"))


def _uri(value: str) -> str:
    value = value.lstrip(_URI_LEADING_BLANKS)
    return _URI_ESCAPED.sub(_percent, value)


def _quoted(name: str, value: str) -> str:
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "\r" in value:
        value = value.replace("\r", "&#13;")
    if '"' in value:
        if "'" not in value:
            return f" {name}='{value}'"
        value = value.replace('"', "&quot;")
    return f' {name}="{value}"'


def attr(name: str, value: str) -> str:
    """` name="value"` for a start tag, the value cleaned (`clean_text`)."""
    value = clean_text(value)
    return _quoted(name, _uri(value) if name in URI_ATTRIBUTES else value)


def raw_attr(name: str, value: str) -> str:
    """` name="value"` for a value the page takes as it is (checked, not cleaned)."""
    legal(value)
    return _quoted(name, _uri(value) if name in URI_ATTRIBUTES else value)


def text(value: str) -> str:
    """Cleaned, escaped character data."""
    return escape_text(clean_text(value))


def element(tag: str, content: str = "", *attrs: str) -> str:
    """A whole element: start tag with `attrs` (from `attr`), cleaned `content`, end tag.

    Content that cleans to nothing still counts as a (empty) text node, as it did in the tree."""
    start = f"<{tag}{''.join(attrs)}>"
    if tag in VOID_ELEMENTS or (not content and tag in END_TAG_OMITTED_WHEN_EMPTY):
        return start
    if content:
        content = clean_text(content) if tag in RAW_TEXT_ELEMENTS else text(content)
    return f"{start}{content}</{tag}>"


def start_tag(tag: str, *attrs: str) -> str:
    return f"<{tag}{''.join(attrs)}>"
