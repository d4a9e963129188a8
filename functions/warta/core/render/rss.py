"""RSS 2.0 feeds, built with feedgen and finished on the lxml tree it produces.

feedgen writes the channel and the items. What it cannot express or gets wrong for us is fixed
afterwards on the tree, deterministically: it stamps lastBuildDate with the clock, its media
extension cannot nest media:description / media:credit, it knows no WebSub hub link, no
SmartNews snf:logo, and it declares namespaces whether or not an item uses them.

A warm process keeps each finished item's bytes (ArticleMemo): feedgen writes only the items
of articles not seen before, and a document is its channel with the kept items spliced in, the
same bytes as one pass over every item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from feedgen.entry import FeedEntry
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
    cut_items,
    full_text,
    guid,
    html_text,
    image_type,
    newest_modification,
    shortened,
    splice_items,
    summary,
)
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

__all__ = ["add_media", "guid", "has_item", "item_variant", "keep_item", "kept_item", "render_rss"]


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


def _item(entry: FeedEntry, article: Article, site: SiteConfig, options: FeedOptions) -> None:
    entry.title(html_text(article.title))
    entry.link(href=article.url)
    entry.guid(guid(site, article), permalink=False)
    # feedgen keeps the datetime's own offset: the time the article page shows.
    entry.pubDate(article.published_at)
    entry.description(html_text(summary(article)))
    body = full_text(article, options)
    if body:  # an empty content:encoded tells readers there is no article
        entry.content(body)
    names = [author.name for author in article.authors if author.name]
    if names:
        entry.dc.dc_creator(names)
    entry.category([{"term": term} for term in categories(article)])


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


def _add_enclosure(item: etree._Element, image: HeroImage) -> None:
    kind = image_type(image.url)
    if kind is None:
        return  # RSS requires a type; an image URL that names none gets no enclosure
    # RSS 2.0: <enclosure> follows the item's other elements in no fixed place; before media.
    etree.SubElement(item, "enclosure", url=image.url, length=UNKNOWN_ENCLOSURE_LENGTH, type=kind)


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


def _finish_item(item: etree._Element, article: Article, options: FeedOptions) -> None:
    if article.image is not None:
        if options.enclosure:
            _add_enclosure(item, article.image)
        add_media(item, article.image)


@dataclass(frozen=True, slots=True)
class _Item:
    """One finished <item> as a document serialises it, and the prefixes it needs declared."""

    xml: bytes
    prefixes: frozenset[str]


def _prefixes(item: etree._Element) -> frozenset[str]:
    used = set()
    for element in item.iter():
        if element.prefix:
            used.add(element.prefix)
        for name in element.attrib:
            if name.startswith("{"):
                uri = etree.QName(name).namespace
                used.update(prefix for prefix, known in element.nsmap.items() if prefix and known == uri)
    return frozenset(used)


_ITEM = b"<item>"
_CLOSE = b"</channel></rss>"
# Finished items by article, guid prefix, enclosure and body-or-summary, as bytes: feedgen and the media pass
# cost most of a document, and a publish's feeds list mostly the items of the last publish's.
_items: ArticleMemo[_Item] = ArticleMemo()


def render_rss(
    feed: FeedView, articles: Sequence[Article], site: SiteConfig, options: FeedOptions | None = None
) -> bytes:
    """The RSS 2.0 document of one feed; articles come newest first and keep that order.

    feedgen writes the channel and the items not kept from an earlier document; the document is
    the channel's serialisation with every item's bytes put before `</channel>`, the bytes
    feedgen and lxml would give for all items in one pass.
    """
    options = options or FeedOptions()
    fg = _channel(feed, articles, site, options)
    items = [_items.get(article, site.id, options.enclosure, options.carries_body) for article in articles]
    fresh = [article for article, item in zip(articles, items, strict=True) if item is None]
    for article in fresh:
        # feedgen prepends by default, which would reverse the caller's order.
        _item(fg.add_entry(order="append"), article, site, options)
    root = _add_channel_extras(etree.fromstring(fg.rss_str(pretty=False)), options)
    channel = root[0]
    if not articles:
        # feedgen's default lastBuildDate is now(): with no item to date the feed, omit it.
        for stale in channel.iterfind("lastBuildDate"):
            channel.remove(stale)
    if fresh:
        made = channel.findall("item")
        for element, article in zip(made, fresh, strict=True):
            _finish_item(element, article, options)
        # Cut while <rss> still declares every namespace: the items' bytes then declare none.
        whole = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
        pieces = cut_items(whole, _ITEM, _CLOSE, len(made))
        cut = iter([_Item(xml, _prefixes(element)) for xml, element in zip(pieces, made, strict=True)])
        for element in made:
            channel.remove(element)
        for position, article in enumerate(articles):
            if items[position] is None:
                items[position] = item = next(cut)
                _items.put(article, item, site.id, options.enclosure, options.carries_body)
    kept = [item for item in items if item is not None]
    # feedgen declares atom, content, dc and media up front; keep only those in use.
    used = frozenset().union(*(item.prefixes for item in kept))
    etree.cleanup_namespaces(root, keep_ns_prefixes=sorted(used))
    head = etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")
    return splice_items(head, _CLOSE, [item.xml for item in kept])


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
    prefixes, _, xml = kept.partition(b"\n")
    item = _Item(xml, frozenset(prefixes.decode().split()))
    _items.put(article, item, site.id, options.enclosure, options.carries_body)
