"""The AMP page's media: amp-img figures, the providers' embed components, amp-video, amp-audio."""

from __future__ import annotations

from urllib.parse import urlsplit

from lxml import etree

from warta.core.body.model import Audio, Embed, Image, Video
from warta.core.urls import is_valid_link

from support.amp_tree.amp_nodes import Page, append_text, el, safe_href

# Fallback box for media whose size the CMS did not give: AMP needs a size to lay out the
# page before anything loads, so such media get a 16:9 box and are letterboxed inside it.
_DEFAULT_RATIO = (16, 9)


def _numeric(value: str) -> bool:
    # Vimeo and X/Twitter ids are ASCII digits; str.isdigit alone also accepts e.g. Arabic digits.
    return value.isascii() and value.isdigit()


def _is_https(url: str) -> bool:
    return is_valid_link(url, https_only=True)


def _dims(width: int | None, height: int | None) -> tuple[int, int] | None:
    if width and height and width > 0 and height > 0:
        return width, height
    return None


def _amp_img(
    parent: etree._Element, src: str, alt: str, width: int | None, height: int | None
) -> etree._Element:
    size = _dims(width, height)
    if size is None:
        img = el(
            parent,
            "amp-img",
            src=src,
            layout="responsive",
            width=str(_DEFAULT_RATIO[0]),
            height=str(_DEFAULT_RATIO[1]),
        )
        img.set("class", "contain")
    else:
        img = el(parent, "amp-img", src=src, layout="responsive", width=str(size[0]), height=str(size[1]))
    img.set("alt", alt)
    return img


def _caption(
    figure: etree._Element, caption: str, credit: str, page: Page, credit_label: str = "credit"
) -> None:
    """Caption and credit; an image's credit says "Foto", other media's "Sumber"."""
    if not caption and not credit:
        return
    figcaption = el(figure, "figcaption")
    append_text(figcaption, caption)
    if credit:
        el(figcaption, "span", f"{page.labels[credit_label]}: {credit}", class_="credit")


def render_figure(
    parent: etree._Element,
    image: Image,
    caption: str,
    credit: str,
    page: Page,
    css_class: str = "",
    link: str = "",
) -> None:
    if not is_valid_link(image.src):
        return  # an image that cannot load: AMP would reject the page for its src
    figure = el(parent, "figure")
    if css_class:
        figure.set("class", css_class)
    href = safe_href(link) if link else None
    _amp_img(el(figure, "a", href=href) if href else figure, image.src, image.alt, image.width, image.height)
    _caption(figure, caption, credit, page)


def _link_box(parent: etree._Element, url: str, label: str) -> etree._Element:
    """A plain link where AMP cannot embed the thing (http-only media, unknown ids)."""
    box = el(parent, "p", class_="embed embed-link")
    href = safe_href(url)
    if href:
        el(box, "a", label, href=href)
    else:
        append_text(box, label)
    return box


def _captioned_link_box(
    parent: etree._Element, url: str, label: str, caption: str, credit: str, page: Page
) -> None:
    if not caption and not credit:
        _link_box(parent, url, label)
        return
    figure = el(parent, "figure", class_="embed")
    _link_box(figure, url, label)
    _caption(figure, caption, credit, page, "source")


def _sized(node: etree._Element, width: int | None, height: int | None, default: tuple[int, int]) -> None:
    size = _dims(width, height) or default
    node.set("layout", "responsive")
    node.set("width", str(size[0]))
    node.set("height", str(size[1]))


def render_embed(parent: etree._Element, embed: Embed, page: Page) -> None:
    label = embed.title or page.labels["embed"]
    provider = embed.provider
    media_id = embed.media_id.strip()
    box = etree.Element("figure")
    box.set("class", f"embed embed-{provider}")
    node: etree._Element | None = None
    if provider == "youtube" and media_id:
        node = el(box, "amp-youtube", data_videoid=media_id)
        _sized(node, embed.width, embed.height, (16, 9))
    elif provider == "vimeo" and _numeric(media_id):
        node = el(box, "amp-vimeo", data_videoid=media_id)
        _sized(node, embed.width, embed.height, (16, 9))
    elif provider == "twitter" and _numeric(media_id):
        node = el(box, "amp-twitter", data_tweetid=media_id)
        _sized(node, None, None, (375, 472))
        if embed.title:
            # The tweet's words show until the widget loads, and stay in the page's text.
            el(node, "blockquote", embed.title, placeholder="", class_="tweet-text")
    elif provider == "instagram" and media_id:
        node = el(box, "amp-instagram", data_shortcode=media_id, data_captioned="")
        _sized(node, None, None, (1, 1))
    elif provider == "facebook" and _is_https(embed.url):
        node = el(box, "amp-facebook", data_href=embed.url)
        if "/videos/" in embed.url:
            node.set("data-embed-as", "video")
        _sized(node, None, None, (552, 310))
    elif provider == "tiktok" and (media_id or _is_https(embed.url)):
        node = el(box, "amp-tiktok", data_src=media_id or embed.url)
        _sized(node, None, None, (325, 575))
    elif (
        provider == "iframe"
        and _is_https(embed.url)
        # AMP refuses a sandbox with allow-same-origin on the page's own origin.
        and (urlsplit(embed.url.strip()).hostname or "") != page.host
    ):
        node = el(
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
        el(node, "div", page.labels["loading"], placeholder="", class_="placeholder")
    if node is None:
        _captioned_link_box(parent, embed.url, label, embed.caption, embed.credit, page)
        return
    _caption(box, embed.caption, embed.credit, page, "source")
    page.components.add(str(node.tag))  # a tag of ours, so a str (lxml's types allow bytes and QName)
    parent.append(box)


def render_video(parent: etree._Element, video: Video, page: Page) -> None:
    if not _is_https(video.src):
        _captioned_link_box(parent, video.src, page.labels["video"], video.caption, video.credit, page)
        return
    box = el(parent, "figure", class_="embed embed-video")
    node = el(box, "amp-video", src=video.src, controls="")
    if video.poster and _is_https(video.poster):
        node.set("poster", video.poster)
    _sized(node, video.width, video.height, _DEFAULT_RATIO)
    fallback = el(node, "p", fallback="")
    el(fallback, "a", page.labels["video"], href=video.src)
    _caption(box, video.caption, video.credit, page, "source")
    page.components.add("amp-video")


def render_audio(parent: etree._Element, audio: Audio, page: Page) -> None:
    if not _is_https(audio.src):
        _captioned_link_box(parent, audio.src, page.labels["audio"], audio.caption, audio.credit, page)
        return
    box = el(parent, "figure", class_="embed embed-audio")
    node = el(
        box,
        "amp-audio",
        src=audio.src,
        layout="fixed-height",
        height="50",
        width="auto",
        controls="",
    )
    fallback = el(node, "p", fallback="")
    el(fallback, "a", page.labels["audio"], href=audio.src)
    _caption(box, audio.caption, audio.credit, page, "source")
    page.components.add("amp-audio")
