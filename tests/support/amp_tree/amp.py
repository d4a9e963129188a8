"""The AMP page of an article, built from the clean body model (never from the CMS's HTML).

`render_amp_page` is pure: the same article and site give the same bytes, with no clock,
environment or network involved. The page is built as an lxml tree, so every piece of text
and every attribute value is escaped by the serializer, never by string pasting; the only
text written raw is our own CSS and the JSON-LD, which is escaped for a <script> here.

This module is the page: head, JSON-LD, byline, paywall and the size cut. The body is built by
`amp_blocks` (inline content, blocks, ad slots) and `amp_media` (images, embeds, video, audio)
with the helpers of `amp_nodes`; the stylesheet is `amp.css` and the words `labels.toml`.
"""

from __future__ import annotations

import json
from datetime import datetime
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from warta.core.articles import Article, Author, HeroImage
from warta.core.body.model import (
    Block,
    Body,
    Figure,
    Image,
    PageBreak,
    Paragraph,
    Text,
    inline_text,
    iter_images,
)
from warta.core.config import AmpAnalytics, SiteConfig
from warta.core.render.labels import amp_labels

from support.amp_tree.amp_blocks import render_block, render_body
from support.amp_tree.amp_media import render_figure
from support.amp_tree.amp_nodes import Page, append_text, el, safe_href

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

# One modest stylesheet for every page (amp.css, shipped with the package): a single readable
# column, system fonts (no font downloads), and nothing AMP forbids (!important, i-amphtml-
# selectors, behavior, ...). Its bytes go into the page as they are, end of file trimmed.
_CSS = files("warta.core.render").joinpath("amp.css").read_text(encoding="utf-8").strip()


def _analytics(parent: etree._Element, analytics: AmpAnalytics, page: Page) -> None:
    node = el(parent, "amp-analytics")
    if analytics.type:
        node.set("type", analytics.type)
    if analytics.config_url:
        node.set("config", analytics.config_url)
    if analytics.vars:
        el(node, "script", _script_json({"vars": dict(analytics.vars)}), type="application/json")
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
    href = safe_href(author.url) if author.url else None
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


def _hero(parent: etree._Element, image: HeroImage, page: Page) -> None:
    render_figure(
        parent,
        Image(image.url, image.alt, image.width, image.height),
        image.caption,
        image.credit,
        page,
        css_class="hero",
    )


def _byline(parent: etree._Element, article: Article, site: SiteConfig, page: Page) -> None:
    byline = el(parent, "p", class_="byline")
    if article.authors:
        append_text(byline, f"{page.labels['by']} ")
        for i, author in enumerate(article.authors):
            if i:
                append_text(byline, ", ")
            href = safe_href(author.url) if author.url else None
            if href:
                el(byline, "a", author.name, href=href, rel="author")
            else:
                append_text(byline, author.name)
    el(
        byline,
        "time",
        _human_date(article.published_at, site, page.labels),
        datetime=_iso(article.published_at, site),
    )
    if article.modified_at > article.published_at:
        updated = _human_date(article.modified_at, site, page.labels)
        el(
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
    page = Page(labels=amp_labels(article.language or site.language), host="")
    sizes = []
    for block in blocks:
        holder = etree.Element("div")
        render_block(holder, block, page)
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
    labels = amp_labels(article.language or site.language)
    page = Page(labels=labels, host=urlsplit(site.public_base_url).hostname or "")
    paywalled = article.access == "subscriber"

    html = etree.Element("html")
    html.set("amp", "")
    html.set("lang", article.language or site.language)
    head = el(html, "head")
    body = el(html, "body")

    # Build the body first: the head's component scripts depend on what the body uses.
    header = el(body, "header", class_="site")
    inner = el(header, "div", class_="site-inner")
    home = el(inner, "a", class_="logo", href=site.base_url + "/")
    el(
        home,
        "amp-img",
        src=site.logo.url,
        width=str(site.logo.width),
        height=str(site.logo.height),
        layout="intrinsic",
        alt=site.name,
    )
    el(inner, "p", article.section.name, class_="section")

    main = el(body, "main")
    art = el(main, "article")
    el(art, "h1", article.title)
    if article.summary:
        el(art, "p", article.summary, class_="summary")
    _byline(art, article, site, page)
    # WordPress bodies often open with the featured image itself; showing it twice, one above
    # the other, looks broken, so the body's copy (with its fuller caption) stands in for it.
    if article.image is not None and not _leads_with(shown, article.image.url):
        _hero(art, article.image, page)
    content = el(art, "div", class_="content")
    render_body(content, shown, site.amp.ads, page)
    if paywalled:
        wall = el(art, "section", class_=PAYWALL_CLASS)
        el(wall, "p", labels["paywall"])
        el(el(wall, "p"), "a", labels["read_full"], href=article.url, class_="cta")
    elif cut:
        el(el(art, "p", class_="continued"), "a", labels["read_full"], href=article.url, class_="cta")

    footer = el(body, "footer", class_="foot")
    el(footer, "a", site.name, href=site.base_url + "/")
    if site.amp.analytics is not None:
        _analytics(body, site.amp.analytics, page)

    # The head, in the order AMP's optimizer recommends: charset, runtime, components, ...
    el(head, "meta", charset="utf-8")
    el(head, "meta", name="viewport", content="width=device-width,minimum-scale=1,initial-scale=1")
    el(head, "script", async_="", src=AMP_RUNTIME)
    for name in sorted(page.components):
        version = _COMPONENT_VERSIONS[name]
        el(
            head,
            "script",
            async_="",
            custom_element=name,
            src=f"https://cdn.ampproject.org/v0/{name}-{version}.js",
        )
    el(head, "title", f"{article.title} - {site.name}")
    el(head, "link", rel="canonical", href=article.url)
    if article.summary:
        el(head, "meta", name="description", content=article.summary)
    el(head, "script", _json_ld(article, site, paywalled, shown), type="application/ld+json")
    el(head, "style", _BOILERPLATE, amp_boilerplate="")
    el(el(head, "noscript"), "style", _BOILERPLATE_NOSCRIPT, amp_boilerplate="")
    el(head, "style", _CSS, amp_custom="")

    text = etree.tostring(html, method="html", encoding="unicode", doctype="<!doctype html>")
    return (text + "\n").encode("utf-8")
