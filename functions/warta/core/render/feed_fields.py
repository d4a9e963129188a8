"""What every feed format says of an article, computed in one place so RSS, Atom and JSON Feed agree.

Titles, links and ids are the article's own strings; dates keep the article's own UTC offset
(the time its page shows) in every format, as the sitemaps do.
"""

from __future__ import annotations

import functools
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from warta.core.articles import Article
from warta.core.config import SiteConfig
from warta.core.render.body_html import render_body_html

GENERATOR = "warta"
# A fixed table, not `mimetypes`: that reads the machine's /etc/mime.types, and output must not
# depend on the machine.
IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
}
# Articles whose per-article results a warm process keeps (per renderer and variant). A publish
# lists some 300 distinct articles (home, section, tag and author feeds; the home and section
# feeds' are the same from one publish to the next, the tag and author feeds' often recur), in
# two variants (full items for home and section feeds, summaries for tag and author feeds);
# each kept result is a few kB, and its Article is mostly one the index keeps parsed anyway
# (as many as its PARSED_CACHE_SIZE). Bounded in bytes too: a megabyte body is kept in a few
# full items at most, not in thousands.
ARTICLE_MEMO_SIZE = 4_096
ARTICLE_MEMO_BYTES = 32 * 1024 * 1024

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class FeedOptions:
    """What one feed document carries besides its articles."""

    hubs: tuple[str, ...] = ()  # WebSub hubs, announced as link rel="hub"
    enclosure: bool = False  # the hero image also as an RSS <enclosure>
    snf_logo: str = ""  # SmartNews channel logo; declares the snf namespace
    channel_pub_date: bool = False  # a channel <pubDate>: the newest item's publication
    channel_description_chars: int | None = None  # the channel description, cut at a word
    # False: items carry their summary only (a feed's `content = "summary"`), so one long body
    # is not copied into each of the dozens of tag and author feeds that list it.
    carries_body: bool = True


_MEMOS: weakref.WeakSet[ArticleMemo[Any]] = weakref.WeakSet()


def forget_rendered_items(*, keep_bodies: bool = False) -> None:
    """Empty every item memo and (unless `keep_bodies`) the body HTML cache: the next documents
    make their items again, as a cold process does. Benchmarks measure both."""
    for memo in list(_MEMOS):
        memo.clear()
    if not keep_bodies:
        _body_html.cache_clear()


class ArticleMemo(Generic[T]):
    """A bounded LRU of what a pure function made of one article, for a warm process.

    Every document that lists an article (the variants of a feed, the other feeds it is in, the
    next publish's feeds, which share all but one item) would otherwise make it again. Keyed by
    the article's (site, id, revision) and the `context` the result also depends on; a hit also
    needs the very same article value, so an article changed under the same revision is made
    afresh. Callers store values they never mutate afterwards (or hand out copies).
    """

    def __init__(self, maxsize: int = ARTICLE_MEMO_SIZE, maxbytes: int = ARTICLE_MEMO_BYTES) -> None:
        self._maxsize = maxsize
        self._maxbytes = maxbytes
        self._bytes = 0
        self._entries: OrderedDict[tuple[Hashable, ...], tuple[Article, T]] = OrderedDict()
        self._lock = threading.Lock()  # renders run one at a time today; a lock costs ~0.1 µs
        _MEMOS.add(self)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def get(self, article: Article, *context: Hashable) -> T | None:
        key = (article.site, article.id, article.revision, *context)
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            kept, value = found
            # Identity first: the index hands out the same parsed Article while it is unchanged.
            if kept is not article:
                if kept != article:
                    return None
                # An equal value parsed anew: keep it, so its next lookups are by identity (a
                # feed asks for an item before rendering, and the renderer asks again).
                self._entries[key] = (article, value)
            self._entries.move_to_end(key)
            return value

    def put(self, article: Article, value: T, *context: Hashable) -> None:
        key = (article.site, article.id, article.revision, *context)
        with self._lock:
            old = self._entries.get(key)
            if old is not None:
                self._bytes -= _weight(old[1])
            self._entries[key] = (article, value)
            self._entries.move_to_end(key)
            self._bytes += _weight(value)
            while len(self._entries) > self._maxsize or (
                self._bytes > self._maxbytes and len(self._entries) > 1
            ):
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= _weight(dropped)

    def __len__(self) -> int:
        return len(self._entries)


def _weight(value: object) -> int:
    """The bytes a kept result holds: the serialised item (bytes, text, or an object's `xml`)."""
    if isinstance(value, bytes | str):
        return len(value)
    xml = getattr(value, "xml", b"")
    return xml.nbytes if isinstance(xml, memoryview) else len(xml) if isinstance(xml, bytes) else 0


def cut_items(document: bytes, start_tag: bytes, close: bytes, count: int) -> list[bytes]:
    """The serialisations of the last `count` children of a document, cut from its bytes.

    For documents whose items are the last children before `close` (the document's closing
    tags) and whose item elements start with the bare `start_tag`: character data and attribute
    values are escaped, so that tag appears only where an item starts. An item's bytes are the
    same in any document that declares the namespace prefixes the item uses on its root, so a
    document can be put together from kept items (`splice_items`).
    """
    start = document.find(start_tag)
    pieces = document[start : -len(close)].split(start_tag)[1:]
    if start < 0 or not document.endswith(close) or len(pieces) != count:
        raise ValueError(f"{count} items could not be cut from the document")
    return [start_tag + piece for piece in pieces]


def splice_items(head: bytes, close: bytes, items: Sequence[bytes | memoryview]) -> bytes:
    """A document without items (`head`, ending in `close`) with `items` put before `close`."""
    if not head.endswith(close):
        raise ValueError("the document does not end as expected")
    return b"".join([head[: -len(close)], *items, close])


def guid(site: SiteConfig, article: Article) -> str:
    """The item's id: stable across edits and URL changes, so readers never show it twice.

    The same string in every format; it is also a syntactically valid IRI (scheme = site id),
    as Atom's id requires.
    """
    return f"{site.id}:{article.id}"


def categories(article: Article) -> list[str]:
    """The section, then the tags, without repeating the section's name."""
    seen = {article.section.name.casefold()}
    terms = [article.section.name]
    for tag in article.tags:
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            terms.append(tag)
    return terms


def rfc3339(moment: datetime) -> str:
    """RFC 3339 to the second in the value's own offset: the sitemaps' W3C datetime, too."""
    return moment.isoformat(timespec="seconds")


_HTML_SIGNIFICANT = re.compile(r"[<>]|&(?=[#A-Za-z])")


def html_text(text: str) -> str:
    """Plain text made safe for an RSS field that readers take as HTML (item and channel
    <title> and <description>: RSS 2.0 has no type attribute, and feedparser, rss-parser and
    most readers parse them as HTML). `<` and `>` always; `&` where an HTML parser would start
    a character reference, so "Ekonomi & Bisnis" stays as it is for readers that show text.
    The XML serialiser then escapes the result once more."""
    return _HTML_SIGNIFICANT.sub(lambda m: {"<": "&lt;", ">": "&gt;"}.get(m.group(), "&amp;"), text)


def shortened(text: str, limit: int | None) -> str:
    """`text`, cut at a word to at most `limit` characters (None: as it is)."""
    if limit is None or len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)].rsplit(" ", 1)[0].rstrip(" ,.;:")
    return (cut + "…") if cut else text[:limit]


def summary(article: Article) -> str:
    return article.summary or article.title


# A body's HTML, kept across calls: every variant of every feed that lists an article (and the
# next publish's feeds, which share all but one item) would otherwise render it again.
_body_html = functools.lru_cache(maxsize=1_024)(render_body_html)


def full_text(article: Article, options: FeedOptions | None = None) -> str | None:
    """The clean body HTML, or None for subscriber articles (the body never leaves the paywall)
    and in feeds that carry summaries only."""
    if article.access != "free" or (options is not None and not options.carries_body):
        return None
    return _body_html(article.body)


def newest_modification(articles: Sequence[Article]) -> datetime | None:
    """When a feed last changed: its newest item's change, never the clock (repeatable output)."""
    return max((article.modified_at for article in articles), default=None)


def image_type(url: str) -> str | None:
    """The MIME type an image URL's file name says, or None when it says nothing."""
    path = urlsplit(url).path.lower()
    suffix = path[path.rfind(".") :] if "." in path.rsplit("/", 1)[-1] else ""
    return IMAGE_TYPES.get(suffix)
