"""Atom 1.0 (RFC 4287) feeds, written with lxml from the same fields as the RSS feed.

Ids, titles, links and dates come from `feed_fields`, so an item reads the same in every
format. The hero image is carried as Media RSS, as in the RSS feed (feed readers read it in
Atom too).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from lxml import etree

from warta.core.articles import Article
from warta.core.config import SiteConfig
from warta.core.render.feed_fields import (
    GENERATOR,
    ArticleMemo,
    FeedOptions,
    categories,
    cut_items,
    full_text,
    guid,
    newest_modification,
    rfc3339,
    splice_items,
    summary,
)
from warta.core.render.rss import MEDIA_NS, add_media
from warta.core.views import FeedView

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_CONTENT_TYPE = "application/atom+xml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# RFC 4287 4.2.15: every feed has an atom:updated. An empty feed has no instant of its own and
# renderers never read the clock, so it carries this constant, which keeps the output repeatable.
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)


def _el(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ATOM_NS}}}{name}", attrs)
    if text is not None:
        element.text = text
    return element


def _feed_head(
    root: etree._Element, feed: FeedView, site: SiteConfig, updated: datetime, hubs: tuple[str, ...]
) -> None:
    self_url = site.public_url(feed.path)
    # The id is the feed's own URL: permanent as long as the config keeps the path.
    _el(root, "id", self_url)
    _el(root, "title", feed.title, type="text")
    subtitle = feed.description or site.description
    if subtitle:
        _el(root, "subtitle", subtitle, type="text")
    _el(root, "updated", rfc3339(updated))
    _el(root, "link", rel="alternate", type="text/html", href=feed.link)
    _el(root, "link", rel="self", type=ATOM_CONTENT_TYPE, href=self_url)
    for hub in hubs:
        _el(root, "link", rel="hub", href=hub)
    # RFC 4287 4.1.1: a feed has an author unless every entry has one; the site always is.
    author = _el(root, "author")
    _el(author, "name", site.name)
    _el(author, "uri", site.base_url)
    _el(root, "generator", GENERATOR)
    _el(root, "logo", site.logo.url)


_ENTRY = b"<entry>"
_CLOSE = b"</feed>"
# Finished entries by article, id prefix and body-or-summary, as bytes, as rss.py keeps its items. An entry's
# bytes need only the default namespace and, with an image, the media prefix on <feed>, which
# every document that lists the article declares.
_entries: ArticleMemo[bytes] = ArticleMemo()


def _entry(root: etree._Element, article: Article, site: SiteConfig, options: FeedOptions) -> etree._Element:
    entry = _el(root, "entry")
    _el(entry, "id", guid(site, article))
    _el(entry, "title", article.title, type="text")
    _el(entry, "link", rel="alternate", type="text/html", href=article.url)
    _el(entry, "published", rfc3339(article.published_at))
    _el(entry, "updated", rfc3339(article.modified_at))
    for person in article.authors:
        if person.name:
            author = _el(entry, "author")
            _el(author, "name", person.name)
            if person.url:
                _el(author, "uri", person.url)
    for term in categories(article):
        _el(entry, "category", term=term)
    _el(entry, "summary", summary(article), type="text")
    body = full_text(article, options)
    if body:  # a body that cleaned down to nothing: the summary stands alone
        _el(entry, "content", body, type="html")
    if article.image is not None:
        add_media(entry, article.image)
    return entry


def render_atom(
    feed: FeedView, articles: Sequence[Article], site: SiteConfig, options: FeedOptions | None = None
) -> bytes:
    """The Atom 1.0 document of one feed; articles come newest first and keep that order."""
    options = options or FeedOptions()
    uses_media = any(article.image is not None for article in articles)
    nsmap = {None: ATOM_NS, "media": MEDIA_NS} if uses_media else {None: ATOM_NS}
    root = etree.Element(f"{{{ATOM_NS}}}feed", nsmap=nsmap)
    root.set(XML_LANG, site.language)
    updated = newest_modification(articles) or EMPTY_FEED_UPDATED
    _feed_head(root, feed, site, updated, options.hubs)
    entries = [_entries.get(article, site.id, options.carries_body) for article in articles]
    fresh = [article for article, entry in zip(articles, entries, strict=True) if entry is None]
    if fresh:
        made = [_entry(root, article, site, options) for article in fresh]
        cut = iter(
            cut_items(
                etree.tostring(root, encoding="UTF-8", xml_declaration=False), _ENTRY, _CLOSE, len(made)
            )
        )
        for element in made:
            root.remove(element)
        for position, article in enumerate(articles):
            if entries[position] is None:
                entries[position] = entry = next(cut)
                _entries.put(article, entry, site.id, options.carries_body)
    head = etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")
    return splice_items(head, _CLOSE, [entry for entry in entries if entry is not None])


# --- kept entries: one finished <entry>'s bytes, for an index to keep beside its article -------

# Bump when an <entry>'s bytes change for the same article and options: entries an index keeps
# under another number are rendered again, never served (app.outputs.feed_items).
ATOM_ENTRY_FORMAT = 1


def item_variant(site: SiteConfig, options: FeedOptions) -> str:
    """What an <entry>'s bytes depend on besides its article: this renderer's entry format, the
    site id (the entry id) and whether the body is carried."""
    return f"atom.{ATOM_ENTRY_FORMAT}|{site.id}|body={int(options.carries_body)}"


def has_item(article: Article, site: SiteConfig, options: FeedOptions) -> bool:
    """Whether this process keeps the article's finished <entry>."""
    return _entries.get(article, site.id, options.carries_body) is not None


def kept_item(article: Article, site: SiteConfig, options: FeedOptions) -> bytes | None:
    """The article's finished <entry> as this process keeps it."""
    return _entries.get(article, site.id, options.carries_body)


def keep_item(article: Article, site: SiteConfig, options: FeedOptions, kept: bytes) -> None:
    """Keep an entry `kept_item` gave (in this or another process) for the next documents."""
    _entries.put(article, kept, site.id, options.carries_body)
