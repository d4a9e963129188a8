"""WordPress shortcodes in a stored post, turned into the HTML they stand for, or their text.

WordPress expands shortcodes when it displays a post (`do_shortcode`); the CMS sends the post as
stored, so `[caption]`, `[embed]`, `[audio]`, `[video]` and friends reach warta as literal
brackets. Known ones become the HTML the body parser understands (a figure, a link or embed, a
media element); a gallery names attachment ids the event cannot resolve and is dropped; any
other core shortcode keeps its enclosed text and loses its brackets; brackets that are no
WordPress shortcode ("[sic]") are text and stay. An oEmbed URL alone on its line
becomes a link paragraph, which the parser turns into an embed where it knows the provider.
"""

from __future__ import annotations

import html
import re

# WordPress's shortcode grammar (wp-includes/shortcodes.php, get_shortcode_regex), simplified:
# [name attrs] ... [/name] or [name attrs /] or [name attrs]; [[name]] is an escaped literal.
# Only WordPress core's own shortcodes: "[sic]" or "[Foto]" in a story are words, not markup.
CORE_SHORTCODES = ("audio", "caption", "wp_caption", "embed", "gallery", "playlist", "video")
_NAMES = "|".join(CORE_SHORTCODES)
_ENCLOSED = re.compile(rf"(?<!\[)\[({_NAMES})\b([^\]]*)\](.*?)\[/\1\]", re.IGNORECASE | re.DOTALL)
_SINGLE = re.compile(rf"(?<!\[)\[({_NAMES})\b([^\]]*?)/?\](?!\])", re.IGNORECASE)
_ESCAPED = re.compile(rf"\[(\[(?:{_NAMES})\b[^\]]*\])\]", re.IGNORECASE)
_ATTRIBUTE = re.compile(r'([\w-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\'|([^\s"\']+))')
_OEMBED_LINE = re.compile(r"^[ \t]*(https?://[^\s<>\"']+)[ \t]*$", re.MULTILINE)
MEDIA_SHORTCODES = {"audio": "audio", "video": "video"}


def _attributes(text: str) -> dict[str, str]:
    return {
        m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None)
        for m in _ATTRIBUTE.finditer(text)
    }


def _enclosed(match: re.Match[str]) -> str:
    name, attributes, inner = match.group(1).lower(), _attributes(match.group(2)), match.group(3)
    if name in ("caption", "wp_caption"):
        image = re.search(r"<img\b[^>]*>", inner, re.IGNORECASE)
        text = re.sub(r"<img\b[^>]*>|</?a\b[^>]*>", "", inner).strip() or attributes.get("caption", "")
        if image is None:
            return f"<p>{text}</p>" if text else ""
        return f"<figure>{image.group(0)}<figcaption>{text}</figcaption></figure>"
    if name == "embed":
        url = html.escape(inner.strip(), quote=True)
        return f'<p><a href="{url}">{url}</a></p>' if url else ""
    if name in MEDIA_SHORTCODES:
        return _media(name, attributes) or inner
    return inner  # [gallery]…[/gallery], [playlist]…: its text stays, its brackets go


def _media(name: str, attributes: dict[str, str]) -> str:
    source = attributes.get("src") or next(
        (v for k, v in attributes.items() if k in ("mp3", "m4a", "ogg", "wav", "mp4", "webm", "ogv")), ""
    )
    if not source:
        return ""
    return f'<{name} controls src="{html.escape(source, quote=True)}"></{name}>'


def _single(match: re.Match[str]) -> str:
    name, attributes = match.group(1).lower(), _attributes(match.group(2))
    if name in MEDIA_SHORTCODES:
        return _media(name, attributes)
    return ""  # [gallery ids=…], [playlist], … : nothing the event can show


def expand_shortcodes(page: str) -> str:
    """The page with WordPress shortcodes expanded (known ones) or reduced to their text."""
    if "[" not in page and "http" not in page:
        return page
    previous = None
    while previous != page:  # nested shortcodes: the outer one's text may hold another
        previous, page = page, _ENCLOSED.sub(_enclosed, page)
    page = _SINGLE.sub(_single, page)
    page = _ESCAPED.sub(lambda m: m.group(1), page)  # [[gallery]] is the literal text [gallery]
    return _OEMBED_LINE.sub(
        lambda m: f'<p><a href="{html.escape(m.group(1), quote=True)}">{html.escape(m.group(1))}</a></p>',
        page,
    )
