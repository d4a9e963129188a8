"""RSS 2.0 feeds, built with feedgen and finished on the lxml tree it produces.

feedgen writes the channel and the items. What it cannot express or gets wrong for us is fixed
afterwards on the tree, deterministically: it stamps lastBuildDate with the clock, its media
extension cannot nest media:description / media:credit, it knows no WebSub hub link, no
SmartNews snf:logo, and it declares namespaces whether or not an item uses them.

Items are written as strings (`render_rss_item`), byte for byte as feedgen's items on its lxml
tree serialised; feedgen writes the channel alone. A document is its channel with the items
spliced in; a warm process keeps each finished item's bytes (ArticleMemo).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from feedgen.ext.dc import DcEntryExtension, DcExtension
from feedgen.ext.media import MediaEntryExtension, MediaExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from warta.core.articles import Article, HeroImage
from warta.core.config import SiteConfig
from warta.core.render.feed_fields import (
    GENERATOR,
    ArticleMemo,
    FeedOptions,
    categories,
    full_text,
    guid,
    html_text,
    image_type,
    newest_modification,
    shortened,
    splice_items,
    summary,
)
from warta.core.render.html_out import legal
from warta.core.views import FeedView

RSS_DOCS = "https://www.rssboard.org/rss-specification"
RSS_IMAGE_MAX_WIDTH = 144  # RSS 2.0 specification, <image>: "Maximum value for width is 144"
RSS_IMAGE_MAX_HEIGHT = 400  # RSS 2.0 specification, <image>: "Maximum value for height is 400"

MEDIA_NS = "http://search.yahoo.com/mrss/"
_MEDIA_CONTENT = f"{{{MEDIA_NS}}}content"
_MEDIA_THUMBNAIL = f"{{{MEDIA_NS}}}thumbnail"
_MEDIA_DESCRIPTION = f"{{{MEDIA_NS}}}description"
_MEDIA_CREDIT = f"{{{MEDIA_NS}}}credit"
ATOM_NS = "http://www.w3.org/2005/Atom"
SNF_NS = "http://www.smartnews.be/snf"  # SmartNews Format: the snf:logo element
# RSS Best Practices Profile, enclosure: "When an enclosure's size cannot be determined, a
# publisher should use a length of 0." We link images; we never fetch them to measure.
UNKNOWN_ENCLOSURE_LENGTH = "0"

__all__ = [
    "add_media",
    "guid",
    "has_item",
    "item_variant",
    "keep_item",
    "kept_item",
    "render_rss",
    "render_rss_item",
]


def _channel(
    feed: FeedView, articles: Sequence[Article], site: SiteConfig, options: FeedOptions
) -> FeedGenerator:
    fg = FeedGenerator()
    # What load_extension("dc") and ("media") register, without the import attempts it makes
    # for their (absent) *_entry modules on every call.
    fg.register_extension("dc", DcExtension, DcEntryExtension, atom=False, rss=True)
    # Registered only so the root declares the media prefix; add_media writes the elements.
    fg.register_extension("media", MediaExtension, MediaEntryExtension, atom=False, rss=True)
    fg.title(html_text(feed.title))
    # feedgen takes the channel <link> from the last link given: self first, then the page.
    fg.link(href=site.public_url(feed.path), rel="self", type="application/rss+xml")
    fg.link(href=feed.link, rel="alternate")
    # RSS requires a channel description; feedgen refuses to render without one.
    description = feed.description or site.description or feed.title
    fg.description(html_text(shortened(description, options.channel_description_chars)))
    fg.language(site.language)
    fg.ttl(feed.ttl_minutes)
    fg.docs(RSS_DOCS)
    fg.generator(GENERATOR)
    logo = site.logo
    fits = logo.width <= RSS_IMAGE_MAX_WIDTH and logo.height <= RSS_IMAGE_MAX_HEIGHT
    # A logo beyond RSS's limits goes without its size: readers then scale it themselves.
    fg.image(
        url=logo.url,
        title=html_text(feed.title),
        link=feed.link,
        width=str(logo.width) if fits else None,
        height=str(logo.height) if fits else None,
    )
    newest = newest_modification(articles)
    if newest is not None:
        fg.lastBuildDate(newest)
    if options.channel_pub_date and articles:
        fg.pubDate(max(article.published_at for article in articles))
    return fg


def add_media(item: etree._Element, image: HeroImage) -> None:
    size = {}
    if image.width and image.height:
        size = {"width": str(image.width), "height": str(image.height)}
    # Attributes as a dict (in this order), not as keywords: mypy could not tell `**size` from
    # SubElement's own attrib and nsmap arguments.
    attributes = {"url": image.url, "medium": "image", **size}
    content = etree.SubElement(item, _MEDIA_CONTENT, attributes)
    description = image.caption or image.alt
    if description:
        etree.SubElement(content, _MEDIA_DESCRIPTION, type="plain").text = description
    if image.credit:
        etree.SubElement(content, _MEDIA_CREDIT).text = image.credit
    thumbnail = {"url": image.url, **size}
    etree.SubElement(item, _MEDIA_THUMBNAIL, thumbnail)


def _add_channel_extras(root: etree._Element, options: FeedOptions) -> etree._Element:
    """Hub links and snf:logo, placed after the self link; returns the (maybe new) root."""
    if options.snf_logo:
        # lxml cannot declare a prefix on an existing element: move the channel to a root that
        # declares snf, so the declaration sits on <rss> where SmartNews looks for it.
        declared = etree.Element(root.tag, attrib=dict(root.attrib), nsmap={**root.nsmap, "snf": SNF_NS})
        declared.extend(list(root))
        root = declared
    channel = root[0]
    anchor = channel.find(f"{{{ATOM_NS}}}link")
    position = channel.index(anchor) + 1 if anchor is not None else len(channel)
    extras = [etree.Element(f"{{{ATOM_NS}}}link", href=hub, rel="hub") for hub in options.hubs]
    if options.snf_logo:
        logo = etree.Element(f"{{{SNF_NS}}}logo")
        etree.SubElement(logo, "url").text = options.snf_logo
        extras.append(logo)
    for offset, element in enumerate(extras):
        channel.insert(position + offset, element)
    return root


@dataclass(frozen=True, slots=True)
class _Item:
    """One finished <item> as a document serialises it, and the prefixes it needs declared."""

    xml: bytes | memoryview  # a view when taken from an index's kept bytes (`keep_item`)
    prefixes: frozenset[str]


_CLOSE = b"</channel></rss>"
# Finished items by article, guid prefix, enclosure and body-or-summary, as bytes: feedgen and the media pass
# cost most of a document, and a publish's feeds list mostly the items of the last publish's.
_items: ArticleMemo[_Item] = ArticleMemo()


# Attribute values as lxml's XML serializer (libxml2) writes them; character data is escaped by
# str.replace (`_text`), which is many times faster on a long body than translate.
_XML_ATTRIBUTE = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
)
# RFC 822 names, as feedgen writes pubDate under the C locale (never the machine's).
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _text(value: str) -> str:
    """Character data: `&`, `<`, `>` and CR escaped, as libxml2 writes it."""
    value = legal(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value.replace("\r", "&#13;") if "\r" in value else value


def _attribute(value: str) -> str:
    return legal(value).translate(_XML_ATTRIBUTE)


def _element(tag: str, value: str) -> str:
    """An element of text; an empty one is written `<tag/>`, as lxml writes empty text."""
    return f"<{tag}>{_text(value)}</{tag}>" if value else f"<{tag}/>"


def rfc822(moment: datetime) -> str:
    """feedgen's RFC 822 date (formatRFC2822): the value's own offset, English names."""
    if moment.tzinfo is None:
        raise ValueError("Datetime object has no timezone info")
    day, month = _DAYS[moment.weekday()], _MONTHS[moment.month - 1]
    return f"{day}, {moment:%d} {month} {moment:%Y %H:%M:%S %z}"


def _media(image: HeroImage, out: list[str]) -> None:
    """media:content (with its description and credit) and media:thumbnail, as add_media."""
    size = ""
    if image.width and image.height:
        size = f' width="{image.width}" height="{image.height}"'
    url = _attribute(image.url)
    description = image.caption or image.alt
    parts = []
    if description:
        parts.append(f'<media:description type="plain">{_text(description)}</media:description>')
    if image.credit:
        parts.append(_element("media:credit", image.credit))
    opening = f'<media:content url="{url}" medium="image"{size}'
    out.append(f"{opening}>{''.join(parts)}</media:content>" if parts else f"{opening}/>")
    out.append(f'<media:thumbnail url="{url}"{size}/>')


def render_rss_item(article: Article, site: SiteConfig, options: FeedOptions) -> _Item:
    """One article's finished <item>: the bytes it has in any document whose root declares the
    prefixes it uses, the same bytes feedgen's item gave on its lxml tree, serialised."""
    out = ["<item>"]
    prefixes = set()
    title = html_text(article.title)
    description = html_text(summary(article))
    body = full_text(article, options)  # an empty content:encoded tells readers there is no article
    if not (title or description or body):
        raise ValueError("Required fields not set")  # as feedgen
    if title:
        out.append(_element("title", title))
    if article.url:
        out.append(_element("link", article.url))
    if description:
        out.append(_element("description", description))
        if body:
            out.append(_element("content:encoded", body))
            prefixes.add("content")
    elif body:
        out.append(_element("description", body))
    out.append(f'<guid isPermaLink="false">{_text(guid(site, article))}</guid>')
    out += [_element("category", term) for term in categories(article)]
    out.append(_element("pubDate", rfc822(article.published_at)))
    names = [author.name for author in article.authors if author.name]
    if names:
        out += [_element("dc:creator", name) for name in names]
        prefixes.add("dc")
    image = article.image
    if image is not None:
        kind = image_type(image.url) if options.enclosure else None
        if kind is not None:  # RSS requires a type; an image URL that names none gets no enclosure
            url = _attribute(image.url)
            out.append(
                f'<enclosure url="{url}" length="{UNKNOWN_ENCLOSURE_LENGTH}" type="{_attribute(kind)}"/>'
            )
        _media(image, out)
        prefixes.add("media")
    out.append("</item>")
    return _Item("".join(out).encode("utf-8"), frozenset(prefixes))


def render_rss(
    feed: FeedView, articles: Sequence[Article], site: SiteConfig, options: FeedOptions | None = None
) -> bytes:
    """The RSS 2.0 document of one feed; articles come newest first and keep that order.

    feedgen writes the channel; the document is the channel's serialisation with every item's
    bytes put before `</channel>`, the bytes feedgen and lxml gave for all items in one pass.
    """
    options = options or FeedOptions()
    items = []
    for article in articles:
        item = _items.get(article, site.id, options.enclosure, options.carries_body)
        if item is None:
            item = render_rss_item(article, site, options)
            _items.put(article, item, site.id, options.enclosure, options.carries_body)
        items.append(item)
    root = _add_channel_extras(
        etree.fromstring(_channel(feed, articles, site, options).rss_str(pretty=False)), options
    )
    if not articles:
        # feedgen's default lastBuildDate is now(): with no item to date the feed, omit it.
        channel = root[0]
        for stale in channel.iterfind("lastBuildDate"):
            channel.remove(stale)
    # feedgen declares atom, content, dc and media up front; keep only those in use.
    used = frozenset().union(*(item.prefixes for item in items))
    etree.cleanup_namespaces(root, keep_ns_prefixes=sorted(used))
    head = etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")
    return splice_items(head, _CLOSE, [item.xml for item in items])


# --- kept items: one finished <item>'s bytes, for an index to keep beside its article ---------

# Bump when an <item>'s bytes change for the same article and options: items an index keeps
# under another number are rendered again, never served (app.outputs.feed_items).
RSS_ITEM_FORMAT = 1


def item_variant(site: SiteConfig, options: FeedOptions) -> str:
    """What an <item>'s bytes depend on besides its article: this renderer's item format, the
    site id (the guid), the enclosure and whether the body is carried."""
    enclosure, body = int(options.enclosure), int(options.carries_body)
    return f"rss.{RSS_ITEM_FORMAT}|{site.id}|enclosure={enclosure}|body={body}"


def has_item(article: Article, site: SiteConfig, options: FeedOptions) -> bool:
    """Whether this process keeps the article's finished <item> (what `kept_item` would give)."""
    return _items.get(article, site.id, options.enclosure, options.carries_body) is not None


def kept_item(article: Article, site: SiteConfig, options: FeedOptions) -> bytes | None:
    """The article's finished <item> as this process keeps it: the prefixes it uses, a newline,
    then its bytes (the form `keep_item` takes back)."""
    item = _items.get(article, site.id, options.enclosure, options.carries_body)
    if item is None:
        return None
    return " ".join(sorted(item.prefixes)).encode() + b"\n" + item.xml


def keep_item(article: Article, site: SiteConfig, options: FeedOptions, kept: bytes) -> None:
    """Keep an item `kept_item` gave (in this or another process) for the next documents."""
    # The item's bytes as a view of the kept ones: a cold publish takes some 400 KB of them.
    newline = kept.index(b"\n")
    item = _Item(memoryview(kept)[newline + 1 :], frozenset(kept[:newline].decode().split()))
    _items.put(article, item, site.id, options.enclosure, options.carries_body)
