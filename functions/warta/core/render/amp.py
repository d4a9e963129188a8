"""The AMP page of an article, built from the clean body model (never from the CMS's HTML).

`render_amp_page` is pure: the same article and site give the same bytes, with no clock,
environment or network involved. The page is built as an lxml tree, so every piece of text
and every attribute value is escaped by the serializer, never by string pasting; the only
text written raw is our own CSS and the JSON-LD, which is escaped for a <script> here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from warta.core.articles import Article, Author, HeroImage
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
    Text,
    Video,
    inline_text,
    iter_images,
)
from warta.core.config import AmpAds, AmpAnalytics, SiteConfig
from warta.core.text import clean_text
from warta.core.urls import is_valid_link

__all__ = ["render_amp_page"]

AMP_RUNTIME = "https://cdn.ampproject.org/v0.js"
PAYWALL_CLASS = "paywall"

# Versions of the AMP components this renderer emits; every one is "0.1" today.
_COMPONENT_VERSIONS = {
    "amp-ad": "0.1",
    "amp-analytics": "0.1",
    "amp-audio": "0.1",
    "amp-facebook": "0.1",
    "amp-iframe": "0.1",
    "amp-instagram": "0.1",
    "amp-tiktok": "0.1",
    "amp-twitter": "0.1",
    "amp-video": "0.1",
    "amp-vimeo": "0.1",
    "amp-youtube": "0.1",
}

# Copied byte for byte from the AMP spec: the validator rejects any other spelling.
_BOILERPLATE = (
    "body{-webkit-animation:-amp-start 8s steps(1,end) 0s 1 normal both;"
    "-moz-animation:-amp-start 8s steps(1,end) 0s 1 normal both;"
    "-ms-animation:-amp-start 8s steps(1,end) 0s 1 normal both;"
    "animation:-amp-start 8s steps(1,end) 0s 1 normal both}"
    "@-webkit-keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}"
    "@-moz-keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}"
    "@-ms-keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}"
    "@-o-keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}"
    "@keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}"
)
_BOILERPLATE_NOSCRIPT = "body{-webkit-animation:none;-moz-animation:none;-ms-animation:none;animation:none}"

# One modest stylesheet for every page: a single readable column, system fonts (no font
# downloads), and nothing AMP forbids (!important, i-amphtml- selectors, behavior, ...).
_CSS = """
:root{--ink:#1b1d21;--muted:#5f6670;--line:#e3e6ea;--accent:#b3121f;--soft:#f5f6f8}
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:#fff;color:var(--ink);
font:18px/1.65 Georgia,"Times New Roman",serif;overflow-wrap:break-word}
a{color:var(--accent);text-decoration:underline;text-underline-offset:2px}
.site{border-bottom:3px solid var(--accent);background:#fff}
.site-inner{max-width:720px;margin:0 auto;padding:10px 16px;display:flex;
align-items:center;justify-content:space-between;gap:12px}
.logo{display:block;flex:0 1 220px;min-width:120px}
.section{font:600 13px/1.2 -apple-system,"Segoe UI",Roboto,Arial,sans-serif;
text-transform:uppercase;letter-spacing:.06em;color:var(--accent);margin:0}
main{max-width:720px;margin:0 auto;padding:16px 16px 40px}
h1,h2,h3,h4{font-family:-apple-system,"Segoe UI",Roboto,Arial,sans-serif;line-height:1.25;
color:var(--ink)}
h1{font-size:28px;margin:8px 0 12px}
h2{font-size:22px;margin:28px 0 10px}
h3{font-size:19px;margin:24px 0 8px}
h4{font-size:17px;margin:20px 0 8px}
.summary{font-size:19px;line-height:1.5;color:var(--muted);margin:0 0 14px}
.byline{font:14px/1.5 -apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--muted);
margin:0 0 18px;padding-bottom:12px;border-bottom:1px solid var(--line)}
.byline a{color:var(--ink);font-weight:600;text-decoration:none}
.byline time{display:block}
figure{margin:20px 0}
.hero{margin:0 -16px 20px}
.hero figcaption{padding:0 16px}
figcaption{font:14px/1.45 -apple-system,"Segoe UI",Roboto,Arial,sans-serif;
color:var(--muted);margin-top:6px}
.credit{display:block;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.contain img{object-fit:contain}
.contain{background:var(--soft)}
p{margin:0 0 18px}
ul,ol{margin:0 0 18px;padding-left:24px}
li{margin-bottom:6px}
blockquote{margin:24px 0;padding:4px 0 4px 16px;border-left:4px solid var(--accent);
font-style:italic}
blockquote cite{display:block;font:normal 14px/1.4 -apple-system,"Segoe UI",Roboto,Arial,
sans-serif;color:var(--muted)}
.table{overflow-x:auto;margin:20px 0}
table{border-collapse:collapse;width:100%;font:15px/1.4 -apple-system,"Segoe UI",Roboto,
Arial,sans-serif}
caption{text-align:left;color:var(--muted);padding-bottom:6px}
th,td{border:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
th{background:var(--soft)}
.embed{margin:24px 0}
.embed-link{padding:12px 14px;background:var(--soft);border-radius:6px}
.tweet-text{margin:0;padding:14px 16px;border:1px solid var(--line);border-radius:10px;
font:normal 16px/1.5 -apple-system,"Segoe UI",Roboto,Arial,sans-serif;background:#fff}
.placeholder{display:flex;align-items:center;justify-content:center;height:100%;
background:var(--soft);color:var(--muted);font:14px -apple-system,Arial,sans-serif}
.related{margin:28px 0;padding:12px 16px;background:var(--soft);border-left:4px solid
var(--accent)}
.related h2{font-size:15px;margin:0 0 8px;text-transform:uppercase;letter-spacing:.05em}
.related ul{margin:0;padding-left:18px}
.related li{font:16px/1.4 -apple-system,"Segoe UI",Roboto,Arial,sans-serif}
.paywall{margin:28px 0;padding:18px 16px;border:1px solid var(--line);border-radius:8px;
text-align:center;font:16px/1.5 -apple-system,"Segoe UI",Roboto,Arial,sans-serif}
.paywall p{margin:0 0 12px}
.cta{display:inline-block;padding:10px 18px;border-radius:6px;background:var(--accent);
color:#fff;font-weight:600;text-decoration:none}
.ad{margin:24px auto;text-align:center;overflow:hidden}
.ad-label{display:block;font:11px -apple-system,Arial,sans-serif;color:var(--muted);
text-transform:uppercase;letter-spacing:.08em;margin-bottom:4px}
.foot{border-top:1px solid var(--line);padding:16px;text-align:center;
font:13px -apple-system,Arial,sans-serif;color:var(--muted)}
@media (min-width:760px){h1{font-size:34px}.hero{margin:0 0 20px}.hero figcaption{padding:0}}
""".strip()


# Labels in the site's language; Indonesian is the house language, English the fallback.
_LABELS = {
    "id": {
        "by": "Oleh",
        "updated": "Diperbarui",
        "related": "Baca juga",
        "paywall": "Artikel ini khusus untuk pelanggan.",
        "read_full": "Baca selengkapnya",
        "credit": "Foto",
        "source": "Sumber",
        "video": "Tonton video",
        "audio": "Dengarkan audio",
        "embed": "Lihat konten",
        "loading": "Memuat konten…",
        "ad": "Iklan",
        "days": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
        "months": (
            "Januari",
            "Februari",
            "Maret",
            "April",
            "Mei",
            "Juni",
            "Juli",
            "Agustus",
            "September",
            "Oktober",
            "November",
            "Desember",
        ),
    },
    "en": {
        "by": "By",
        "updated": "Updated",
        "related": "Read also",
        "paywall": "This article is for subscribers.",
        "read_full": "Read the full article",
        "credit": "Photo",
        "source": "Source",
        "video": "Watch the video",
        "audio": "Listen to the audio",
        "embed": "View the content",
        "loading": "Loading…",
        "ad": "Advertisement",
        "days": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        "months": (
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ),
    },
}

# Fallback box for media whose size the CMS did not give: AMP needs a size to lay out the
# page before anything loads, so such media get a 16:9 box and are letterboxed inside it.
_DEFAULT_RATIO = (16, 9)


@dataclass
class _Page:
    """What the body renderer needs to know, and what it found out while walking the body."""

    labels: dict[str, Any]
    host: str  # where the AMP page itself is served
    components: set[str] = field(default_factory=set)


def _labels(language: str) -> dict[str, Any]:
    return _LABELS.get(language.split("-")[0].lower(), _LABELS["en"])


def _safe_href(url: str) -> str | None:
    """The URL when it is http(s) or mailto; None for anything else (javascript:, data:, ...)."""
    url = url.strip()
    return url if is_valid_link(url, mailto=True) else None


def _numeric(value: str) -> bool:
    # Vimeo and X/Twitter ids are ASCII digits; str.isdigit alone also accepts e.g. Arabic digits.
    return value.isascii() and value.isdigit()


def _is_https(url: str) -> bool:
    return is_valid_link(url, https_only=True)


def _el(parent: etree._Element, tag: str, text: str = "", **attrs: str) -> etree._Element:
    """A child element; attribute names use `_` for `-` (data_videoid → data-videoid)."""
    node = etree.SubElement(parent, tag)
    for name, value in attrs.items():
        node.set(name.rstrip("_").replace("_", "-"), clean_text(value))
    if text:
        node.text = clean_text(text)
    return node


def _append_text(parent: etree._Element, text: str) -> None:
    """Append text after the parent's last child (lxml keeps such text in a tail)."""
    if not text:
        return
    # The model's text is already XML-legal; cleaning again costs little and turns an upstream
    # slip into a readable page instead of an lxml ValueError.
    text = clean_text(text)
    if len(parent):
        last = parent[-1]
        last.tail = (last.tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _dims(width: int | None, height: int | None) -> tuple[int, int] | None:
    if width and height and width > 0 and height > 0:
        return width, height
    return None


# --- inline content ---------------------------------------------------------------------------


def _inlines(parent: etree._Element, children: tuple[Inline, ...]) -> None:
    for node in children:
        if isinstance(node, Text):
            _append_text(parent, node.text)
        elif isinstance(node, LineBreak):
            _el(parent, "br")
        elif isinstance(node, Strong):
            _inlines(_el(parent, "strong"), node.children)
        elif isinstance(node, Emphasis):
            _inlines(_el(parent, "em"), node.children)
        elif isinstance(node, Link):
            href = _safe_href(node.href)
            # An unsafe link keeps its words but loses the link.
            _inlines(_el(parent, "a", href=href) if href else parent, node.children)


# --- media ------------------------------------------------------------------------------------


def _amp_img(
    parent: etree._Element, src: str, alt: str, width: int | None, height: int | None
) -> etree._Element:
    size = _dims(width, height)
    if size is None:
        img = _el(
            parent,
            "amp-img",
            src=src,
            layout="responsive",
            width=str(_DEFAULT_RATIO[0]),
            height=str(_DEFAULT_RATIO[1]),
        )
        img.set("class", "contain")
    else:
        img = _el(parent, "amp-img", src=src, layout="responsive", width=str(size[0]), height=str(size[1]))
    img.set("alt", alt)
    return img


def _caption(
    figure: etree._Element, caption: str, credit: str, page: _Page, credit_label: str = "credit"
) -> None:
    """Caption and credit; an image's credit says "Foto", other media's "Sumber"."""
    if not caption and not credit:
        return
    figcaption = _el(figure, "figcaption")
    _append_text(figcaption, caption)
    if credit:
        _el(figcaption, "span", f"{page.labels[credit_label]}: {credit}", class_="credit")


def _figure(
    parent: etree._Element,
    image: Image,
    caption: str,
    credit: str,
    page: _Page,
    css_class: str = "",
    link: str = "",
) -> None:
    if not is_valid_link(image.src):
        return  # an image that cannot load: AMP would reject the page for its src
    figure = _el(parent, "figure")
    if css_class:
        figure.set("class", css_class)
    href = _safe_href(link) if link else None
    _amp_img(_el(figure, "a", href=href) if href else figure, image.src, image.alt, image.width, image.height)
    _caption(figure, caption, credit, page)


def _link_box(parent: etree._Element, url: str, label: str) -> etree._Element:
    """A plain link where AMP cannot embed the thing (http-only media, unknown ids)."""
    box = _el(parent, "p", class_="embed embed-link")
    href = _safe_href(url)
    if href:
        _el(box, "a", label, href=href)
    else:
        _append_text(box, label)
    return box


def _captioned_link_box(
    parent: etree._Element, url: str, label: str, caption: str, credit: str, page: _Page
) -> None:
    if not caption and not credit:
        _link_box(parent, url, label)
        return
    figure = _el(parent, "figure", class_="embed")
    _link_box(figure, url, label)
    _caption(figure, caption, credit, page, "source")


def _sized(node: etree._Element, width: int | None, height: int | None, default: tuple[int, int]) -> None:
    size = _dims(width, height) or default
    node.set("layout", "responsive")
    node.set("width", str(size[0]))
    node.set("height", str(size[1]))


def _embed(parent: etree._Element, embed: Embed, page: _Page) -> None:
    label = embed.title or page.labels["embed"]
    provider = embed.provider
    media_id = embed.media_id.strip()
    box = etree.Element("figure")
    box.set("class", f"embed embed-{provider}")
    node: etree._Element | None = None
    if provider == "youtube" and media_id:
        node = _el(box, "amp-youtube", data_videoid=media_id)
        _sized(node, embed.width, embed.height, (16, 9))
    elif provider == "vimeo" and _numeric(media_id):
        node = _el(box, "amp-vimeo", data_videoid=media_id)
        _sized(node, embed.width, embed.height, (16, 9))
    elif provider == "twitter" and _numeric(media_id):
        node = _el(box, "amp-twitter", data_tweetid=media_id)
        _sized(node, None, None, (375, 472))
        if embed.title:
            # The tweet's words show until the widget loads, and stay in the page's text.
            _el(node, "blockquote", embed.title, placeholder="", class_="tweet-text")
    elif provider == "instagram" and media_id:
        node = _el(box, "amp-instagram", data_shortcode=media_id, data_captioned="")
        _sized(node, None, None, (1, 1))
    elif provider == "facebook" and _is_https(embed.url):
        node = _el(box, "amp-facebook", data_href=embed.url)
        if "/videos/" in embed.url:
            node.set("data-embed-as", "video")
        _sized(node, None, None, (552, 310))
    elif provider == "tiktok" and (media_id or _is_https(embed.url)):
        node = _el(box, "amp-tiktok", data_src=media_id or embed.url)
        _sized(node, None, None, (325, 575))
    elif (
        provider == "iframe"
        and _is_https(embed.url)
        # AMP refuses a sandbox with allow-same-origin on the page's own origin.
        and (urlsplit(embed.url.strip()).hostname or "") != page.host
    ):
        node = _el(
            box,
            "amp-iframe",
            src=embed.url,
            sandbox="allow-scripts allow-same-origin",
            frameborder="0",
        )
        if embed.title:
            node.set("title", embed.title)
        _sized(node, embed.width, embed.height, _DEFAULT_RATIO)
        # A placeholder lets the iframe sit anywhere on the page, even above the fold.
        _el(node, "div", page.labels["loading"], placeholder="", class_="placeholder")
    if node is None:
        _captioned_link_box(parent, embed.url, label, embed.caption, embed.credit, page)
        return
    _caption(box, embed.caption, embed.credit, page, "source")
    page.components.add(str(node.tag))  # a tag of ours, so a str (lxml's types allow bytes and QName)
    parent.append(box)


def _video(parent: etree._Element, video: Video, page: _Page) -> None:
    if not _is_https(video.src):
        _captioned_link_box(parent, video.src, page.labels["video"], video.caption, video.credit, page)
        return
    box = _el(parent, "figure", class_="embed embed-video")
    node = _el(box, "amp-video", src=video.src, controls="")
    if video.poster and _is_https(video.poster):
        node.set("poster", video.poster)
    _sized(node, video.width, video.height, _DEFAULT_RATIO)
    fallback = _el(node, "p", fallback="")
    _el(fallback, "a", page.labels["video"], href=video.src)
    _caption(box, video.caption, video.credit, page, "source")
    page.components.add("amp-video")


def _audio(parent: etree._Element, audio: Audio, page: _Page) -> None:
    if not _is_https(audio.src):
        _captioned_link_box(parent, audio.src, page.labels["audio"], audio.caption, audio.credit, page)
        return
    box = _el(parent, "figure", class_="embed embed-audio")
    node = _el(
        box,
        "amp-audio",
        src=audio.src,
        layout="fixed-height",
        height="50",
        width="auto",
        controls="",
    )
    fallback = _el(node, "p", fallback="")
    _el(fallback, "a", page.labels["audio"], href=audio.src)
    _caption(box, audio.caption, audio.credit, page, "source")
    page.components.add("amp-audio")


# --- blocks -----------------------------------------------------------------------------------


def _blocks(parent: etree._Element, blocks: Body, page: _Page) -> None:
    for block in blocks:
        _block(parent, block, page)


def _block(parent: etree._Element, block: Block, page: _Page) -> None:
    if isinstance(block, Paragraph):
        _inlines(_el(parent, "p"), block.children)
    elif isinstance(block, Heading):
        level = min(max(block.level, 2), 4)  # the page title is the only h1
        _inlines(_el(parent, f"h{level}"), block.children)
    elif isinstance(block, ListBlock):
        lst = _el(parent, "ol" if block.ordered else "ul")
        for item in block.items:
            _inlines(_el(lst, "li"), item)
    elif isinstance(block, Quote):
        quote = _el(parent, "blockquote")
        _blocks(quote, block.blocks, page)
        if block.cite:
            _el(quote, "cite", block.cite)
    elif isinstance(block, Table):
        wrap = _el(parent, "div", class_="table")
        table = _el(wrap, "table")
        if block.caption:
            _el(table, "caption", block.caption)
        tbody = _el(table, "tbody")
        for row in block.rows:
            tr = _el(tbody, "tr")
            for cell in row:
                _inlines(_el(tr, "th" if cell.header else "td"), cell.children)
    elif isinstance(block, Figure):
        _figure(parent, block.image, block.caption, block.credit, page, link=block.link)
    elif isinstance(block, Embed):
        _embed(parent, block, page)
    elif isinstance(block, Video):
        _video(parent, block, page)
    elif isinstance(block, Audio):
        _audio(parent, block, page)
    elif isinstance(block, RelatedLinks):
        links = [(link, _safe_href(link.href)) for link in block.links]
        links = [(link, href) for link, href in links if href]
        if links:
            aside = _el(parent, "aside", class_="related")
            _el(aside, "h2", page.labels["related"])
            ul = _el(aside, "ul")
            for link, href in links:
                _inlines(_el(_el(ul, "li"), "a", href=href or ""), link.children)
    elif isinstance(block, PageBreak):
        # The AMP page joins every CMS page into one; the break leaves no mark.
        pass


def _blocks_with_ads(parent: etree._Element, blocks: Body, ads: AmpAds | None, page: _Page) -> None:
    """The body, with an ad slot after each configured top-level paragraph that exists."""
    if ads is None:
        _blocks(parent, blocks, page)
        return
    paragraphs = 0
    for block in blocks:
        _block(parent, block, page)
        if isinstance(block, Paragraph):
            paragraphs += 1
            if paragraphs in ads.after_paragraphs:
                _ad(parent, ads, page)


def _ad(parent: etree._Element, ads: AmpAds, page: _Page) -> None:
    box = _el(parent, "aside", class_="ad")
    _el(box, "span", page.labels["ad"], class_="ad-label")
    node = _el(box, "amp-ad", type=ads.type, layout="fixed", width=str(ads.width), height=str(ads.height))
    for name, value in sorted((ads.data or {}).items()):
        node.set(f"data-{name}", clean_text(value))
    # Shown while the ad loads, and where none is served, so the slot never looks broken.
    _el(node, "div", page.labels["ad"], placeholder="", class_="placeholder")
    _el(node, "div", "", fallback="")
    page.components.add("amp-ad")


def _analytics(parent: etree._Element, analytics: AmpAnalytics, page: _Page) -> None:
    node = _el(parent, "amp-analytics")
    if analytics.type:
        node.set("type", analytics.type)
    if analytics.config_url:
        node.set("config", analytics.config_url)
    if analytics.vars:
        _el(node, "script", _script_json({"vars": dict(analytics.vars)}), type="application/json")
    page.components.add("amp-analytics")


def _script_json(data: Any) -> str:
    """JSON for inside a <script>: "</script" and "<!--" can never appear in it."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _leads_with(body: Body, image_url: str) -> bool:
    """Whether the body's first image block, before any text, shows this image."""
    for block in body:
        if isinstance(block, Figure):
            return block.image.src == image_url
        if not isinstance(block, PageBreak):
            return False
    return False


def _teaser(body: Body, paragraphs: int, max_chars: int) -> Body:
    """All of a subscriber article the page shows: the first `paragraphs` paragraphs, and no
    more than `max_chars` characters of their text (the last one cut at a word, as plain text)."""
    shown: list[Block] = []
    budget = max(max_chars, 0)
    for block in (b for b in body if isinstance(b, Paragraph)):
        if len(shown) >= paragraphs or budget <= 0:
            break
        text = inline_text(block.children)
        if len(text) <= budget:
            shown.append(block)
            budget -= len(text)
            continue
        cut = text[:budget].rsplit(" ", 1)[0].rstrip(" ,.;:")
        if cut:
            shown.append(Paragraph((Text(cut + " …"),)))
        break
    return tuple(shown)


# --- head: dates, structured data -------------------------------------------------------------


def _local(moment: datetime, site: SiteConfig) -> datetime:
    return moment.astimezone(site.timezone)


def _iso(moment: datetime, site: SiteConfig) -> str:
    return _local(moment, site).isoformat(timespec="seconds")


def _human_date(moment: datetime, site: SiteConfig, labels: dict[str, Any]) -> str:
    """E.g. "Minggu, 10 September 2023, 19:40 WIB" in the site's time zone."""
    local = _local(moment, site)
    zone = local.tzname() or ""
    if not zone or zone[0] in "+-":
        offset = local.strftime("%z")
        zone = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    day = labels["days"][local.weekday()]
    month = labels["months"][local.month - 1]
    return f"{day}, {local.day} {month} {local.year}, {local:%H:%M} {zone}"


def _author_ld(author: Author) -> dict[str, str]:
    data = {"@type": "Person", "name": author.name}
    href = _safe_href(author.url) if author.url else None
    if href:
        data["url"] = href
    return data


def _json_ld(article: Article, site: SiteConfig, paywalled: bool, shown: Body) -> str:
    images: list[str] = []
    if article.image is not None:
        images.append(article.image.url)
    if not paywalled:
        images.extend(img.src for img in iter_images(shown))
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": article.url},
        "url": article.url,
        "headline": article.title,
        "description": article.summary,
        "datePublished": _iso(article.published_at, site),
        "dateModified": _iso(article.modified_at, site),
        "author": [_author_ld(a) for a in article.authors],
        "publisher": {
            "@type": "Organization",
            "name": site.name,
            "url": site.base_url,
            "logo": {
                "@type": "ImageObject",
                "url": site.logo.url,
                "width": site.logo.width,
                "height": site.logo.height,
            },
        },
        "articleSection": article.section.name,
        "keywords": list(article.tags),
        "inLanguage": article.language,
        "isAccessibleForFree": not paywalled,
    }
    if images:
        data["image"] = list(dict.fromkeys(images))
    if paywalled:
        data["hasPart"] = {
            "@type": "WebPageElement",
            "isAccessibleForFree": False,
            "cssSelector": f".{PAYWALL_CLASS}",
        }
    # Inside <script> the HTML parser ends the element at "</script" and treats "<!--" oddly;
    # JSON allows \u escapes, so these characters are never written literally.
    return _script_json(data)


# --- the page ---------------------------------------------------------------------------------


def _hero(parent: etree._Element, image: HeroImage, page: _Page) -> None:
    _figure(
        parent,
        Image(image.url, image.alt, image.width, image.height),
        image.caption,
        image.credit,
        page,
        css_class="hero",
    )


def _byline(parent: etree._Element, article: Article, site: SiteConfig, page: _Page) -> None:
    byline = _el(parent, "p", class_="byline")
    if article.authors:
        _append_text(byline, f"{page.labels['by']} ")
        for i, author in enumerate(article.authors):
            if i:
                _append_text(byline, ", ")
            href = _safe_href(author.url) if author.url else None
            if href:
                _el(byline, "a", author.name, href=href, rel="author")
            else:
                _append_text(byline, author.name)
    _el(
        byline,
        "time",
        _human_date(article.published_at, site, page.labels),
        datetime=_iso(article.published_at, site),
    )
    if article.modified_at > article.published_at:
        updated = _human_date(article.modified_at, site, page.labels)
        _el(
            byline,
            "time",
            f"{page.labels['updated']}: {updated}",
            datetime=_iso(article.modified_at, site),
        )


# A cut paragraph keeps at least this many bytes of text, or goes.
_CUT_MIN_BYTES = 64
# A cut paragraph's text is escaped on output ("&" → "&amp;"): half its byte budget in text.
_CUT_TEXT_SHARE = 2


def render_amp_page(article: Article, site: SiteConfig) -> bytes:
    """The article's AMP page as UTF-8 HTML; subscriber articles show only a teaser.

    A page is at most `[amp] max_page_bytes`: a longer body is cut at a block (one block too
    long alone is cut at a word) and the page ends with a link to the article for the rest.
    """
    paywalled = article.access == "subscriber"
    shown = (
        _teaser(article.body, site.amp.subscriber_teaser_paragraphs, site.amp.subscriber_teaser_chars)
        if paywalled
        else article.body
    )
    whole = _page(article, site, shown, cut=False)
    limit = site.amp.max_page_bytes
    if len(whole) <= limit:
        return whole
    sizes = _block_sizes(shown, article, site)
    # Room for the "read the rest" link (its URL may be escaped) and a little more.
    reserve = 2 * len(article.url.encode()) + 256
    budget = limit - (len(whole) - sum(sizes)) - reserve
    cut_page = whole
    for _ in range(4):  # the first try fits unless the head (structured data) outgrew the guess
        cut_page = _page(article, site, _cut_body(shown, sizes, budget), cut=True)
        if len(cut_page) <= limit:
            break
        budget -= len(cut_page) - limit + reserve
    return cut_page


def _block_sizes(blocks: Body, article: Article, site: SiteConfig) -> list[int]:
    """The bytes each block takes on the page, rendered alone."""
    page = _Page(labels=_labels(article.language or site.language), host="")
    sizes = []
    for block in blocks:
        holder = etree.Element("div")
        _block(holder, block, page)
        sizes.append(sum(len(etree.tostring(child, method="html", encoding="utf-8")) for child in holder))
    return sizes


def _cut_body(blocks: Body, sizes: list[int], budget: int) -> Body:
    """The leading blocks that fit in `budget` bytes; a paragraph that does not fit whole is
    cut at a word when a useful part of it fits."""
    kept: list[Block] = []
    for block, size in zip(blocks, sizes, strict=True):
        if size <= budget:
            kept.append(block)
            budget -= size
            continue
        if isinstance(block, Paragraph) and budget // _CUT_TEXT_SHARE > _CUT_MIN_BYTES:
            text = inline_text(block.children).encode()[: budget // _CUT_TEXT_SHARE].decode(errors="ignore")
            cut = text.rsplit(" ", 1)[0].rstrip(" ,.;:")
            if cut:
                kept.append(Paragraph((Text(cut + " …"),)))
        break
    return tuple(kept)


def _page(article: Article, site: SiteConfig, shown: Body, *, cut: bool) -> bytes:
    labels = _labels(article.language or site.language)
    page = _Page(labels=labels, host=urlsplit(site.public_base_url).hostname or "")
    paywalled = article.access == "subscriber"

    html = etree.Element("html")
    html.set("amp", "")
    html.set("lang", article.language or site.language)
    head = _el(html, "head")
    body = _el(html, "body")

    # Build the body first: the head's component scripts depend on what the body uses.
    header = _el(body, "header", class_="site")
    inner = _el(header, "div", class_="site-inner")
    home = _el(inner, "a", class_="logo", href=site.base_url + "/")
    _el(
        home,
        "amp-img",
        src=site.logo.url,
        width=str(site.logo.width),
        height=str(site.logo.height),
        layout="intrinsic",
        alt=site.name,
    )
    _el(inner, "p", article.section.name, class_="section")

    main = _el(body, "main")
    art = _el(main, "article")
    _el(art, "h1", article.title)
    if article.summary:
        _el(art, "p", article.summary, class_="summary")
    _byline(art, article, site, page)
    # WordPress bodies often open with the featured image itself; showing it twice, one above
    # the other, looks broken, so the body's copy (with its fuller caption) stands in for it.
    if article.image is not None and not _leads_with(shown, article.image.url):
        _hero(art, article.image, page)
    content = _el(art, "div", class_="content")
    _blocks_with_ads(content, shown, site.amp.ads, page)
    if paywalled:
        wall = _el(art, "section", class_=PAYWALL_CLASS)
        _el(wall, "p", labels["paywall"])
        _el(_el(wall, "p"), "a", labels["read_full"], href=article.url, class_="cta")
    elif cut:
        _el(_el(art, "p", class_="continued"), "a", labels["read_full"], href=article.url, class_="cta")

    footer = _el(body, "footer", class_="foot")
    _el(footer, "a", site.name, href=site.base_url + "/")
    if site.amp.analytics is not None:
        _analytics(body, site.amp.analytics, page)

    # The head, in the order AMP's optimizer recommends: charset, runtime, components, ...
    _el(head, "meta", charset="utf-8")
    _el(head, "meta", name="viewport", content="width=device-width,minimum-scale=1,initial-scale=1")
    _el(head, "script", async_="", src=AMP_RUNTIME)
    for name in sorted(page.components):
        version = _COMPONENT_VERSIONS[name]
        _el(
            head,
            "script",
            async_="",
            custom_element=name,
            src=f"https://cdn.ampproject.org/v0/{name}-{version}.js",
        )
    _el(head, "title", f"{article.title} - {site.name}")
    _el(head, "link", rel="canonical", href=article.url)
    if article.summary:
        _el(head, "meta", name="description", content=article.summary)
    _el(head, "script", _json_ld(article, site, paywalled, shown), type="application/ld+json")
    _el(head, "style", _BOILERPLATE, amp_boilerplate="")
    _el(_el(head, "noscript"), "style", _BOILERPLATE_NOSCRIPT, amp_boilerplate="")
    _el(head, "style", _CSS, amp_custom="")

    text = etree.tostring(html, method="html", encoding="unicode", doctype="<!doctype html>")
    return (text + "\n").encode("utf-8")
