"""Media: images (the widest srcset or <picture> candidate, a link around them), video, audio."""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from warta.core.body.attributes import dimension, safe_url
from warta.core.body.elements import BLOCK_LEVEL, Context, tag_of
from warta.core.body.embeds import iframe_embed
from warta.core.body.model import Audio, Block, Figure, Image, Video
from warta.core.text import clean_line


def media_block(element: HtmlElement, tag: str, ctx: Context) -> Block | None:
    if tag == "img":
        return _image(element, ctx)
    if tag == "iframe":
        return iframe_embed(element, ctx)
    if tag == "video":
        return _video(element, ctx)
    return _audio(element, ctx)


def _image(element: HtmlElement, ctx: Context) -> Figure | None:
    raw = element.get("src")
    if not raw or raw.strip().lower().startswith("data:"):
        # Lazy-loading plugins keep the real URL in a data attribute behind a placeholder.
        raw = element.get("data-src") or element.get("data-lazy-src") or element.get("data-original")
    src = _largest_candidate(element, ctx) or safe_url(raw, ctx.base_url)
    if src is None:
        return None
    image = Image(
        src=src,
        alt=clean_line(element.get("alt") or ""),
        # The img's own size gives the aspect ratio, whichever candidate is chosen.
        width=dimension(element.get("width")),
        height=dimension(element.get("height")),
    )
    return Figure(image, link=_image_link(element, ctx))


def srcset_candidates(value: str) -> list[tuple[str, str]]:
    """(URL, descriptor) pairs of a srcset, split the way the HTML spec does.

    URLs may hold commas (image CDNs write "w_400,h_300"), so a candidate's URL runs to the
    next white space, and only a comma after it (or at its very end) separates candidates.
    """
    found: list[tuple[str, str]] = []
    position, length = 0, len(value)
    while position < length:
        while position < length and (value[position].isspace() or value[position] == ","):
            position += 1
        start = position
        while position < length and not value[position].isspace():
            position += 1
        url = value[start:position]
        if not url:
            break
        descriptor = ""
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            comma = value.find(",", position)
            end = length if comma < 0 else comma
            descriptor = value[position:end].strip().lower()
            position = end + 1
        found.append((url, descriptor))
    return found


_DESCRIPTOR = re.compile(r"(\d+(?:\.\d+)?)([wx])")


def _largest_candidate(img: HtmlElement, ctx: Context) -> str | None:
    """The widest candidate of the img's srcset and its <picture>'s sources, if any has one.

    Width descriptors ("1600w") are compared with each other; density descriptors ("2x") are
    used only where no width is given. AMP scales the image down; a small one would blur.
    """
    elements = [img]
    # libxml2 does not know <source> is empty and nests what follows inside it, so the img
    # may sit in a source, itself in the picture.
    picture = next((a for a in img.iterancestors() if tag_of(a) != "source"), None)
    if picture is not None and tag_of(picture) == "picture":
        elements += list(picture.iterdescendants("source"))
    best: dict[str, tuple[float, str]] = {}
    for element in elements:
        srcset = element.get("srcset") or element.get("data-srcset") or ""
        for raw, descriptor in srcset_candidates(srcset):
            match = _DESCRIPTOR.fullmatch(descriptor) if descriptor else None
            size, unit = (float(match.group(1)), match.group(2)) if match else (1.0, "x")
            url = safe_url(raw, ctx.base_url)
            if url is not None and (unit not in best or size > best[unit][0]):
                best[unit] = (size, url)
    chosen = best.get("w") or best.get("x")
    return chosen[1] if chosen else None


def _image_link(img: HtmlElement, ctx: Context) -> str:
    """The href of a link that wraps just this image (a few levels up), else ""."""
    node = img
    for _ in range(3):
        parent = node.getparent()
        if parent is None or tag_of(parent) in BLOCK_LEVEL:
            return ""
        node = parent
        if tag_of(node) == "a":
            if (node.text_content() or "").strip() or len(list(node.iterdescendants("img"))) > 1:
                return ""  # the link has words or other images of its own: it is not the image's
            return safe_url(node.get("href"), ctx.base_url) or ""
    return ""


def _media_src(element: HtmlElement, ctx: Context) -> str | None:
    src = safe_url(element.get("src"), ctx.base_url)
    for source in element.iterdescendants("source"):
        if src is not None:
            break
        src = safe_url(source.get("src"), ctx.base_url)
    return src


def _video(element: HtmlElement, ctx: Context) -> Video | None:
    src = _media_src(element, ctx)
    if src is None:
        return None
    return Video(
        src=src,
        poster=safe_url(element.get("poster"), ctx.base_url) or "",
        width=dimension(element.get("width")),
        height=dimension(element.get("height")),
    )


def _audio(element: HtmlElement, ctx: Context) -> Audio | None:
    src = _media_src(element, ctx)
    return Audio(src) if src is not None else None
