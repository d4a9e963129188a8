"""Embeds: the big platforms' players in iframes, and the posts their (dropped) scripts would draw."""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

from lxml.html import HtmlElement

from warta.core.body.attributes import dimension, safe_url
from warta.core.body.elements import Context, class_names
from warta.core.body.inline import plain
from warta.core.body.model import Embed
from warta.core.text import clean_line

_YOUTUBE_HOSTS = frozenset(("youtube.com", "youtube-nocookie.com"))
_YOUTUBE_EMBED = re.compile(r"/embed/([A-Za-z0-9_-]{6,})/?")
_YOUTU_BE = re.compile(r"/([A-Za-z0-9_-]{6,})/?")
_VIMEO_PLAYER = re.compile(r"/video/(\d+)/?")
_TIKTOK_PLAYER = re.compile(r"/(?:embed(?:/v\d+)?|player/v\d+)/(\d+)")
_INSTAGRAM_POST = re.compile(r"/(p|reel|tv)/([A-Za-z0-9_-]+)")
_TWEET = re.compile(r"/([A-Za-z0-9_]+)/status(?:es)?/(\d+)")
_TWITTER_HOSTS = frozenset(("twitter.com", "x.com", "mobile.twitter.com"))


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.").removeprefix("m.")


def iframe_embed(element: HtmlElement, ctx: Context) -> Embed | None:
    src = safe_url(element.get("src") or element.get("data-src"), ctx.base_url)
    if src is None:
        return None
    embed = _provider_embed(src) or Embed("iframe", src)
    return replace(
        embed,
        title=clean_line(element.get("title") or ""),
        width=dimension(element.get("width")),
        height=dimension(element.get("height")),
    )


def _provider_embed(src: str) -> Embed | None:
    """Recognise the players of the big platforms; None means a generic iframe."""
    host, parts = _host(src), urlsplit(src)
    path = parts.path
    if host in _YOUTUBE_HOSTS and (match := _YOUTUBE_EMBED.fullmatch(path)):
        return _youtube(match.group(1))
    if host == "youtu.be" and (match := _YOUTU_BE.fullmatch(path)):
        return _youtube(match.group(1))
    if host == "player.vimeo.com" and (match := _VIMEO_PLAYER.fullmatch(path)):
        return Embed("vimeo", f"https://vimeo.com/{match.group(1)}", match.group(1))
    if host.endswith("facebook.com") and path.startswith("/plugins/"):
        href = safe_url(parse_qs(parts.query).get("href", [""])[0], src)
        return Embed("facebook", href, _facebook_id(href)) if href else None
    if host.endswith("tiktok.com") and (match := _TIKTOK_PLAYER.match(path)):
        return Embed("tiktok", src, match.group(1))
    if host == "platform.twitter.com" and (tweet_id := parse_qs(parts.query).get("id", [""])[0]).isdigit():
        return Embed("twitter", f"https://twitter.com/i/status/{tweet_id}", tweet_id)
    if host == "instagram.com" and (match := _INSTAGRAM_POST.match(path)):
        kind, code = match.groups()
        return Embed("instagram", f"https://www.instagram.com/{kind}/{code}/", code)
    return None


_FACEBOOK_PATH_ID = re.compile(r"/(?:posts|videos|photos/[^/]+|reel|permalink)/(?:[^/]+/)?(\d+)/?")
_FACEBOOK_QUERY_IDS = ("story_fbid", "fbid", "v")
FACEBOOK_SDK_CLASSES = frozenset(("fb-post", "fb-video"))


def _facebook_id(url: str) -> str:
    """The numeric id of a Facebook post, video or photo URL; "" when it has none."""
    parts = urlsplit(url)
    if match := _FACEBOOK_PATH_ID.search(parts.path):
        return match.group(1)
    query = parse_qs(parts.query)
    for key in _FACEBOOK_QUERY_IDS:
        value = query.get(key, [""])[0]
        if value.isascii() and value.isdigit():
            return value
    return ""


def facebook_sdk(element: HtmlElement, ctx: Context) -> Embed | None:
    """div.fb-post / div.fb-video of Facebook's JS SDK; its inner text is the post's preview."""
    href = safe_url(element.get("data-href"), ctx.base_url)
    if href is None or not _host(href).endswith("facebook.com"):
        return None
    return Embed("facebook", href, _facebook_id(href), plain(element, ctx))


def _youtube(video_id: str) -> Embed:
    return Embed("youtube", f"https://www.youtube.com/watch?v={video_id}", video_id)


def social_embed(blockquote: HtmlElement, ctx: Context) -> Embed | None:
    """A tweet, Instagram post or TikTok blockquote whose script we drop; None for a real quote."""
    classes = class_names(blockquote)
    if classes & {"twitter-tweet", "twitter-video"}:
        return _tweet(blockquote, ctx)
    if "instagram-media" in classes:
        return _instagram(blockquote, ctx)
    if "tiktok-embed" in classes:
        return _tiktok(blockquote, ctx)
    return None


def _links(element: HtmlElement, ctx: Context) -> list[str]:
    found = (safe_url(a.get("href"), ctx.base_url) for a in element.iterdescendants("a"))
    return [href for href in found if href]


def _tweet(blockquote: HtmlElement, ctx: Context) -> Embed | None:
    # The tweet's own status link is the date link at the end; links in its text come first.
    for href in reversed(_links(blockquote, ctx)):
        match = _TWEET.match(urlsplit(href).path)
        if _host(href) in _TWITTER_HOSTS and match:
            user, tweet_id = match.groups()
            host = urlsplit(href).hostname
            return Embed(
                "twitter", f"https://{host}/{user}/status/{tweet_id}", tweet_id, plain(blockquote, ctx)
            )
    return None


def _instagram(blockquote: HtmlElement, ctx: Context) -> Embed | None:
    permalink = safe_url(blockquote.get("data-instgrm-permalink"), ctx.base_url)
    candidates = ([permalink] if permalink else []) + _links(blockquote, ctx)
    for href in candidates:
        match = _INSTAGRAM_POST.match(urlsplit(href).path)
        if _host(href) == "instagram.com" and match:
            kind, code = match.groups()
            # The visible text of the embed markup is in its paragraphs ("A post shared by ...").
            title = clean_line(" ".join(plain(p, ctx) for p in blockquote.iterdescendants("p")))
            return Embed("instagram", f"https://www.instagram.com/{kind}/{code}/", code, title)
    return None


def _tiktok(blockquote: HtmlElement, ctx: Context) -> Embed | None:
    url = safe_url(blockquote.get("cite"), ctx.base_url)
    if url is None or not _host(url).endswith("tiktok.com"):
        return None
    video_id = blockquote.get("data-video-id") or ""
    return Embed("tiktok", url, video_id if video_id.isdigit() else "", plain(blockquote, ctx))
