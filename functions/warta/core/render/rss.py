"""RSS 2.0 feeds, built with feedgen and finished on the lxml tree it produces.

feedgen writes the channel and the items. What it cannot express or gets wrong for us is fixed
afterwards on the tree, deterministically: it stamps lastBuildDate with the clock, its media
extension cannot nest media:description / media:credit, and it declares namespaces whether or
not an item uses them.
"""

from __future__ import annotations

from collections.abc import Sequence

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator
from lxml import etree

from warta.core.articles import Article, HeroImage
from warta.core.config import SiteConfig
from warta.core.render.body_html import render_body_html
from warta.core.views import FeedView

RSS_DOCS = "https://www.rssboard.org/rss-specification"
GENERATOR = "warta"
RSS_IMAGE_MAX_WIDTH = 144  # RSS 2.0 specification, <image>: "Maximum value for width is 144"
RSS_IMAGE_MAX_HEIGHT = 400  # RSS 2.0 specification, <image>: "Maximum value for height is 400"

MEDIA_NS = "http://search.yahoo.com/mrss/"
_MEDIA_CONTENT = f"{{{MEDIA_NS}}}content"
_MEDIA_THUMBNAIL = f"{{{MEDIA_NS}}}thumbnail"
_MEDIA_DESCRIPTION = f"{{{MEDIA_NS}}}description"
_MEDIA_CREDIT = f"{{{MEDIA_NS}}}credit"


def guid(site: SiteConfig, article: Article) -> str:
    """The item's guid: stable across edits and URL changes, so readers never show it twice."""
    return f"{site.id}:{article.id}"


def _channel(feed: FeedView, articles: Sequence[Article], site: SiteConfig) -> FeedGenerator:
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    # Loaded only so the root declares the media prefix; _add_media writes the elements.
    fg.load_extension("media", atom=False, rss=True)
    fg.title(feed.title)
    # feedgen takes the channel <link> from the last link given: self first, then the page.
    fg.link(href=site.public_url(feed.path), rel="self", type="application/rss+xml")
    fg.link(href=feed.link, rel="alternate")
    # RSS requires a channel description; feedgen refuses to render without one.
    fg.description(feed.description or site.description or feed.title)
    fg.language(site.language)
    fg.ttl(feed.ttl_minutes)
    fg.docs(RSS_DOCS)
    fg.generator(GENERATOR)
    logo = site.logo
    fits = logo.width <= RSS_IMAGE_MAX_WIDTH and logo.height <= RSS_IMAGE_MAX_HEIGHT
    # A logo beyond RSS's limits goes without its size: readers then scale it themselves.
    fg.image(
        url=logo.url,
        title=feed.title,
        link=feed.link,
        width=str(logo.width) if fits else None,
        height=str(logo.height) if fits else None,
    )
    if articles:
        # The feed changed when its newest item did; never the clock, so output is repeatable.
        fg.lastBuildDate(max(article.modified_at for article in articles))
    return fg


def _categories(article: Article) -> list[dict[str, str]]:
    seen = {article.section.name.casefold()}
    terms = [{"term": article.section.name}]
    for tag in article.tags:
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            terms.append({"term": tag})
    return terms


def _item(entry: FeedEntry, article: Article, site: SiteConfig) -> None:
    entry.title(article.title)
    entry.link(href=article.url)
    entry.guid(guid(site, article), permalink=False)
    # feedgen keeps the datetime's own offset: the time the article page shows.
    entry.pubDate(article.published_at)
    entry.description(article.summary or article.title)
    # Subscriber articles: title and summary only, the body never leaves the paywall.
    if article.access == "free":
        entry.content(render_body_html(article.body))
    names = [author.name for author in article.authors if author.name]
    if names:
        entry.dc.dc_creator(names)
    entry.category(_categories(article))


def _add_media(item: etree._Element, image: HeroImage) -> None:
    size = {}
    if image.width and image.height:
        size = {"width": str(image.width), "height": str(image.height)}
    content = etree.SubElement(item, _MEDIA_CONTENT, url=image.url, medium="image", **size)
    description = image.caption or image.alt
    if description:
        etree.SubElement(content, _MEDIA_DESCRIPTION, type="plain").text = description
    if image.credit:
        etree.SubElement(content, _MEDIA_CREDIT).text = image.credit
    etree.SubElement(item, _MEDIA_THUMBNAIL, url=image.url, **size)


def _finish(root: etree._Element, articles: Sequence[Article]) -> None:
    channel = root[0]
    if not articles:
        # feedgen's default lastBuildDate is now(): with no item to date the feed, omit it.
        for stale in channel.iterfind("lastBuildDate"):
            channel.remove(stale)
    for item, article in zip(channel.iterfind("item"), articles, strict=True):
        if article.image is not None:
            _add_media(item, article.image)
    # feedgen declares atom, content, dc and media up front; keep only those in use.
    etree.cleanup_namespaces(root)


def render_rss(feed: FeedView, articles: Sequence[Article], site: SiteConfig) -> bytes:
    """The RSS 2.0 document of one feed; articles come newest first and keep that order."""
    fg = _channel(feed, articles, site)
    for article in articles:
        # feedgen prepends by default, which would reverse the caller's order.
        _item(fg.add_entry(order="append"), article, site)
    root = etree.fromstring(fg.rss_str(pretty=False))
    _finish(root, articles)
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")
