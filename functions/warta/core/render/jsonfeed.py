"""JSON Feed 1.1 documents, from the same fields as the RSS and Atom feeds."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from warta.core.articles import Article
from warta.core.config import SiteConfig
from warta.core.render.feed_fields import (
    ArticleMemo,
    FeedOptions,
    categories,
    full_text,
    guid,
    rfc3339,
    summary,
)
from warta.core.views import FeedView

# JSON Feed 1.1, "version (required, string)": the URL of the version of the format.
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
# JSON Feed 1.1, "hubs": "type" names the subscription protocol.
WEBSUB_HUB_TYPE = "WebSub"


def _authors(article: Article) -> list[dict[str, str]]:
    authors = []
    for person in article.authors:
        if person.name:
            author = {"name": person.name}
            if person.url:
                author["url"] = person.url
            authors.append(author)
    return authors


def _item(article: Article, site: SiteConfig, options: FeedOptions) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": guid(site, article),
        "url": article.url,
        "title": article.title,
    }
    body = full_text(article, options)
    # JSON Feed 1.1: an item has content_html or content_text. Subscriber items carry their
    # summary as text, never the body; so do items of summary-only feeds and a body that
    # cleaned down to nothing (only a script, only boilerplate): empty content_html is no content.
    if body:
        item["content_html"] = body
    else:
        item["content_text"] = summary(article)
    item["summary"] = summary(article)
    if article.image is not None:
        item["image"] = article.image.url
    item["date_published"] = rfc3339(article.published_at)
    item["date_modified"] = rfc3339(article.modified_at)
    authors = _authors(article)
    if authors:
        item["authors"] = authors
    item["tags"] = categories(article)
    item["language"] = article.language
    return item


def _dumps(value: Any) -> str:
    # Not ASCII-escaped: the file is UTF-8 and readers show the characters, not \u escapes.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# Items by article, id prefix and body-or-summary, serialised in UTF-8: without indentation
# json.dumps writes a list's items exactly as it writes each alone, so a document joins the kept
# bytes (bytes, as the index keeps them: a new process takes them without a copy).
_items: ArticleMemo[bytes] = ArticleMemo()
_NO_ITEMS = '"items":[]}'


def _item_json(article: Article, site: SiteConfig, options: FeedOptions) -> bytes:
    kept = _items.get(article, site.id, options.carries_body)
    if kept is None:
        kept = _dumps(_item(article, site, options)).encode()
        _items.put(article, kept, site.id, options.carries_body)
    return kept


def render_json_feed(
    feed: FeedView, articles: Sequence[Article], site: SiteConfig, options: FeedOptions | None = None
) -> bytes:
    """The JSON Feed 1.1 document of one feed; articles come newest first and keep that order."""
    options = options or FeedOptions()
    document: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": feed.title,
        "home_page_url": feed.link,
        "feed_url": site.public_url(feed.path),
    }
    description = feed.description or site.description
    if description:
        document["description"] = description
    document["language"] = site.language
    document["authors"] = [{"name": site.name, "url": site.base_url}]
    if options.hubs:
        document["hubs"] = [{"type": WEBSUB_HUB_TYPE, "url": hub} for hub in options.hubs]
    document["items"] = []  # the last key: the items go in before the closing "]}"
    head = _dumps(document)
    if not head.endswith(_NO_ITEMS):
        raise ValueError("the JSON Feed document does not end with its items")
    items = b",".join([_item_json(article, site, options) for article in articles])
    return b"".join((head[:-2].encode(), items, b"]}\n"))


# --- kept items: one finished item's bytes, for an index to keep beside its article ------------

# Bump when an item's serialisation changes for the same article and options: items an index
# keeps under another number are rendered again, never served (app.outputs.feed_items).
JSON_ITEM_FORMAT = 1


def item_variant(site: SiteConfig, options: FeedOptions) -> str:
    """What an item's bytes depend on besides its article: this renderer's item format, the site
    id (the item id) and whether the body is carried."""
    return f"json.{JSON_ITEM_FORMAT}|{site.id}|body={int(options.carries_body)}"


def has_item(article: Article, site: SiteConfig, options: FeedOptions) -> bool:
    """Whether this process keeps the article's serialised item."""
    return _items.get(article, site.id, options.carries_body) is not None


def kept_item(article: Article, site: SiteConfig, options: FeedOptions) -> bytes | None:
    """The article's serialised item as this process keeps it, in UTF-8."""
    return _items.get(article, site.id, options.carries_body)


def keep_item(article: Article, site: SiteConfig, options: FeedOptions, kept: bytes) -> None:
    """Keep an item `kept_item` gave (in this or another process) for the next documents."""
    _items.put(article, kept, site.id, options.carries_body)
