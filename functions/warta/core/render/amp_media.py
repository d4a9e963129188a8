"""The AMP page's media: amp-img figures, the providers' embed components, amp-video, amp-audio."""

from __future__ import annotations

from urllib.parse import urlsplit

from warta.core.body.model import Audio, Embed, Image, Video
from warta.core.render.amp_nodes import Out, Page, attr, element, raw_attr, safe_href, start_tag, text
from warta.core.urls import is_valid_link

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


def _amp_img(out: Out, src: str, alt: str, width: int | None, height: int | None) -> None:
    size = _dims(width, height)
    if size is None:
        sized = attr("width", str(_DEFAULT_RATIO[0])) + attr("height", str(_DEFAULT_RATIO[1]))
        sized += raw_attr("class", "contain")
    else:
        sized = attr("width", str(size[0])) + attr("height", str(size[1]))
    out.append(f'<amp-img{attr("src", src)} layout="responsive"{sized}{raw_attr("alt", alt)}></amp-img>')


def _caption(out: Out, caption: str, credit: str, page: Page, credit_label: str = "credit") -> None:
    """Caption and credit; an image's credit says "Foto", other media's "Sumber"."""
    if not caption and not credit:
        return
    out.append("<figcaption>")
    out.append(text(caption))
    if credit:
        out.append(element("span", f"{page.labels[credit_label]}: {credit}", ' class="credit"'))
    out.append("</figcaption>")


def render_figure(
    out: Out,
    image: Image,
    caption: str,
    credit: str,
    page: Page,
    css_class: str = "",
    link: str = "",
) -> None:
    if not is_valid_link(image.src):
        return  # an image that cannot load: AMP would reject the page for its src
    out.append(start_tag("figure", raw_attr("class", css_class)) if css_class else "<figure>")
    href = safe_href(link) if link else None
    if href:
        out.append(start_tag("a", attr("href", href)))
    _amp_img(out, image.src, image.alt, image.width, image.height)
    if href:
        out.append("</a>")
    _caption(out, caption, credit, page)
    out.append("</figure>")


def _link_box(out: Out, url: str, label: str) -> None:
    """A plain link where AMP cannot embed the thing (http-only media, unknown ids)."""
    href = safe_href(url)
    inner = element("a", label, attr("href", href)) if href else text(label)
    out.append(f'<p class="embed embed-link">{inner}</p>')


def _captioned_link_box(out: Out, url: str, label: str, caption: str, credit: str, page: Page) -> None:
    if not caption and not credit:
        _link_box(out, url, label)
        return
    out.append('<figure class="embed">')
    _link_box(out, url, label)
    _caption(out, caption, credit, page, "source")
    out.append("</figure>")


def _sized(width: int | None, height: int | None, default: tuple[int, int]) -> str:
    size = _dims(width, height) or default
    return f' layout="responsive" width="{size[0]}" height="{size[1]}"'


def _component(embed: Embed, page: Page) -> tuple[str, str, str] | None:
    """The AMP component for an embed: its tag, its attributes and its content; None for a link."""
    provider = embed.provider
    media_id = embed.media_id.strip()
    if provider == "youtube" and media_id:
        return "amp-youtube", attr("data-videoid", media_id) + _sized(embed.width, embed.height, (16, 9)), ""
    if provider == "vimeo" and _numeric(media_id):
        return "amp-vimeo", attr("data-videoid", media_id) + _sized(embed.width, embed.height, (16, 9)), ""
    if provider == "twitter" and _numeric(media_id):
        # The tweet's words show until the widget loads, and stay in the page's text.
        words = ""
        if embed.title:
            words = element("blockquote", embed.title, ' placeholder=""', ' class="tweet-text"')
        return "amp-twitter", attr("data-tweetid", media_id) + _sized(None, None, (375, 472)), words
    if provider == "instagram" and media_id:
        attrs = attr("data-shortcode", media_id) + ' data-captioned=""' + _sized(None, None, (1, 1))
        return "amp-instagram", attrs, ""
    if provider == "facebook" and _is_https(embed.url):
        attrs = attr("data-href", embed.url)
        if "/videos/" in embed.url:
            attrs += ' data-embed-as="video"'
        return "amp-facebook", attrs + _sized(None, None, (552, 310)), ""
    if provider == "tiktok" and (media_id or _is_https(embed.url)):
        return "amp-tiktok", attr("data-src", media_id or embed.url) + _sized(None, None, (325, 575)), ""
    if (
        provider == "iframe"
        and _is_https(embed.url)
        # AMP refuses a sandbox with allow-same-origin on the page's own origin.
        and (urlsplit(embed.url.strip()).hostname or "") != page.host
    ):
        attrs = attr("src", embed.url) + ' sandbox="allow-scripts allow-same-origin" frameborder="0"'
        if embed.title:
            attrs += raw_attr("title", embed.title)
        attrs += _sized(embed.width, embed.height, _DEFAULT_RATIO)
        # A placeholder lets the iframe sit anywhere on the page, even above the fold.
        placeholder = element("div", page.labels["loading"], ' placeholder=""', ' class="placeholder"')
        return "amp-iframe", attrs, placeholder
    return None


def render_embed(out: Out, embed: Embed, page: Page) -> None:
    component = _component(embed, page)
    if component is None:
        label = embed.title or page.labels["embed"]
        _captioned_link_box(out, embed.url, label, embed.caption, embed.credit, page)
        return
    tag, attrs, content = component
    out.append(f"{start_tag('figure', raw_attr('class', f'embed embed-{embed.provider}'))}<{tag}{attrs}>")
    out.append(f"{content}</{tag}>")
    _caption(out, embed.caption, embed.credit, page, "source")
    out.append("</figure>")
    page.components.add(tag)


def _fallback_link(label: str, src: str) -> str:
    return f'<p fallback="">{element("a", label, attr("href", src))}</p>'


def render_video(out: Out, video: Video, page: Page) -> None:
    if not _is_https(video.src):
        _captioned_link_box(out, video.src, page.labels["video"], video.caption, video.credit, page)
        return
    attrs = attr("src", video.src) + ' controls=""'
    if video.poster and _is_https(video.poster):
        attrs += raw_attr("poster", video.poster)
    attrs += _sized(video.width, video.height, _DEFAULT_RATIO)
    out.append(f'<figure class="embed embed-video"><amp-video{attrs}>')
    out.append(f"{_fallback_link(page.labels['video'], video.src)}</amp-video>")
    _caption(out, video.caption, video.credit, page, "source")
    out.append("</figure>")
    page.components.add("amp-video")


def render_audio(out: Out, audio: Audio, page: Page) -> None:
    if not _is_https(audio.src):
        _captioned_link_box(out, audio.src, page.labels["audio"], audio.caption, audio.credit, page)
        return
    attrs = attr("src", audio.src) + ' layout="fixed-height" height="50" width="auto" controls=""'
    out.append(f'<figure class="embed embed-audio"><amp-audio{attrs}>')
    out.append(f"{_fallback_link(page.labels['audio'], audio.src)}</amp-audio>")
    _caption(out, audio.caption, audio.credit, page, "source")
    out.append("</figure>")
    page.components.add("amp-audio")
