"""Finished feed items kept in the index, so a process that never made an article's item (a cold
Lambda, a fresh `warta publish`) splices it, as a shard part splices its articles' `<url>`
elements instead of rendering them.

Before a feed renders, the items its renderers do not hold yet are read from the index, for the
very revisions the feed lists and the variant (renderer, item format, options) each needs, and
handed to the renderers; after, the items they had to make are kept in the index. Renderers
splice kept and made items alike, so a document is the same bytes either way; an item that is
missing or was kept for another revision or variant is simply made again.

A process also remembers the items it made or read, by index and by the same key (article,
revision, variant), so the feeds of one run ask the index for a new article's item once: the
renderers' own memos are keyed by the Article value, and a feed that reads no bodies holds
other values than one that reads them.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Protocol

from warta.core.articles import Article
from warta.core.config import FeedFormat, SiteConfig
from warta.core.ports import ArticleIndex, FeedItem, ForwardingIndex
from warta.core.render import atom, jsonfeed, rss
from warta.core.render.feed_fields import FeedOptions
from warta.core.render.feed_profiles import BODY_FACTS_VARIANT, BodyFacts, facts_bytes, facts_from_bytes


class ItemRenderer(Protocol):
    """What a feed renderer module offers for its finished items (rss, atom, jsonfeed)."""

    def item_variant(self, site: SiteConfig, options: FeedOptions) -> str: ...

    def has_item(self, article: Article, site: SiteConfig, options: FeedOptions) -> bool: ...

    def kept_item(self, article: Article, site: SiteConfig, options: FeedOptions) -> bytes | None: ...

    def keep_item(self, article: Article, site: SiteConfig, options: FeedOptions, kept: bytes) -> None: ...


ITEM_RENDERERS: dict[FeedFormat, ItemRenderer] = {"rss": rss, "atom": atom, "json": jsonfeed}

# Items a process remembers per index: a run's feeds list about 300 distinct articles in two or
# three variants; bounded in bytes too, as full-text items are about as big as their bodies.
RECENT_ITEMS = 2_048
RECENT_ITEM_BYTES = 16 * 1024 * 1024

ItemKey = tuple[str, str, int, str]  # site, article id, revision, variant


class _RecentItems:
    """A bounded LRU of item bytes by (site, article id, revision, variant)."""

    def __init__(self) -> None:
        self._items: OrderedDict[ItemKey, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: ItemKey) -> bytes | None:
        with self._lock:
            data = self._items.get(key)
            if data is not None:
                self._items.move_to_end(key)
            return data

    def put(self, key: ItemKey, data: bytes) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            self._bytes += len(data) - (len(old) if old is not None else 0)
            self._items[key] = data
            while len(self._items) > RECENT_ITEMS or (
                self._bytes > RECENT_ITEM_BYTES and len(self._items) > 1
            ):
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)


_recent: weakref.WeakKeyDictionary[ArticleIndex, _RecentItems] = weakref.WeakKeyDictionary()


def _recent_of(index: ArticleIndex) -> _RecentItems:
    # A wrapper holds the items of the index it wraps: remembered for that one, so they outlive
    # the wrapper (the render Lambda wraps its index anew for each batch: `app.batch_index`).
    while isinstance(index, ForwardingIndex):
        index = index.wrapped
    try:
        recent = _recent.get(index)
        if recent is None:
            recent = _recent[index] = _RecentItems()
    except TypeError:  # an index that takes no weak reference: nothing remembered for it
        recent = _RecentItems()
    return recent


def forget_recent_items() -> None:
    """Forget the items this process made or read, as a new process would (tests, benches)."""
    _recent.clear()


# An article's item in one format with the options of one document.
Wanted = tuple[FeedFormat, FeedOptions]
Missing = tuple[Article, FeedFormat, FeedOptions]


def load_items(
    index: ArticleIndex, site: SiteConfig, articles: Sequence[Article], wanted: Iterable[Wanted]
) -> list[Missing]:
    """Hand the renderers the items of `articles` the index keeps and they lack; returns the
    items still missing (the renderers will make them: `keep_items` stores them afterwards).

    What the renderers hold for an article read without its body was handed to them for that
    very value (it equals no other: `core.articles.left_out_body`), so from this index."""
    # Each wanted item's variant, worked out once: a cold process asks for some 300 items.
    missing: list[tuple[Article, FeedFormat, FeedOptions, str]] = []
    for form, options in wanted:
        renderer = ITEM_RENDERERS[form]
        variant = renderer.item_variant(site, options)
        missing += [
            (article, form, options, variant)
            for article in articles
            if not renderer.has_item(article, site, options)
        ]
    if not missing:
        return []
    recent = _recent_of(index)
    found: set[tuple[str, str]] = set()
    asking: list[tuple[Article, FeedFormat, FeedOptions, str]] = []
    for wanted_item in missing:
        article, form, options, variant = wanted_item
        data = recent.get((site.id, article.id, article.revision, variant))
        if data is None:
            asking.append(wanted_item)
        else:
            ITEM_RENDERERS[form].keep_item(article, site, options, data)
            found.add((article.id, variant))
    if asking:
        variants = {variant: (form, options) for _, form, options, variant in asking}
        by_id = {article.id: article for article, _, _, _ in asking}
        asked = [(article.id, article.revision) for article in by_id.values()]
        for item in index.feed_items(site.id, asked, sorted(variants)):
            form, options = variants[item.variant]
            article = by_id[item.article_id]
            ITEM_RENDERERS[form].keep_item(article, site, options, item.data)
            recent.put((site.id, item.article_id, item.revision, item.variant), item.data)
            found.add((item.article_id, item.variant))
    return [
        (article, form, options)
        for article, form, options, variant in missing
        if (article.id, variant) not in found
        or not ITEM_RENDERERS[form].has_item(article, site, options)  # given, then dropped (a bound)
    ]


def keep_items(
    index: ArticleIndex,
    site: SiteConfig,
    made: Sequence[Missing],
    facts: Sequence[tuple[Article, BodyFacts]] = (),
) -> None:
    """Keep in the index the items of `made` the renderers hold now (an article a profile left
    out was not made, and is not kept), and the body facts made of articles read whole, in one
    write."""
    items: dict[tuple[str, str], FeedItem] = {
        (article.id, BODY_FACTS_VARIANT): FeedItem(
            article.id, article.revision, BODY_FACTS_VARIANT, facts_bytes(made_facts)
        )
        for article, made_facts in facts
    }
    for article, form, options in made:
        renderer = ITEM_RENDERERS[form]
        variant = renderer.item_variant(site, options)
        data = renderer.kept_item(article, site, options)
        if data is not None:
            items[(article.id, variant)] = FeedItem(article.id, article.revision, variant, data)
    if items:
        index.keep_feed_items(site.id, list(items.values()))
        recent = _recent_of(index)
        for item in items.values():
            recent.put((site.id, item.article_id, item.revision, item.variant), item.data)


# --- body facts: what aggregator profiles' rules read of a body, kept as an item of their own ---


def load_facts(index: ArticleIndex, site: SiteConfig, articles: Sequence[Article]) -> dict[str, BodyFacts]:
    """The body facts (`feed_profiles.BodyFacts`) kept for these articles' revisions, by id:
    what the process remembers, then what the index keeps."""
    recent = _recent_of(index)
    found: dict[str, BodyFacts] = {}
    asking: list[tuple[str, int]] = []
    for article in articles:
        data = recent.get((site.id, article.id, article.revision, BODY_FACTS_VARIANT))
        if data is None:
            asking.append((article.id, article.revision))
        else:
            found[article.id] = facts_from_bytes(data)
    if asking:
        for item in index.feed_items(site.id, asking, [BODY_FACTS_VARIANT]):
            recent.put((site.id, item.article_id, item.revision, item.variant), item.data)
            found[item.article_id] = facts_from_bytes(item.data)
    return found
