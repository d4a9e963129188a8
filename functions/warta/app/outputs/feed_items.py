"""Finished feed items kept in the index, so a process that never made an article's item (a cold
Lambda, a fresh `warta publish`) splices it, as a shard part splices its articles' `<url>`
elements instead of rendering them.

Before a feed renders, the items its renderers do not hold yet are read from the index, for the
very revisions the feed lists and the variant (renderer, item format, options) each needs, and
handed to the renderers; after, the items they had to make are kept in the index. Renderers
splice kept and made items alike, so a document is the same bytes either way; an item that is
missing or was kept for another revision or variant is simply made again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from warta.core.articles import Article
from warta.core.config import FeedFormat, SiteConfig
from warta.core.ports import ArticleIndex, FeedItem
from warta.core.render import atom, jsonfeed, rss
from warta.core.render.feed_fields import FeedOptions


class ItemRenderer(Protocol):
    """What a feed renderer module offers for its finished items (rss, atom, jsonfeed)."""

    def item_variant(self, site: SiteConfig, options: FeedOptions) -> str: ...

    def kept_item(self, article: Article, site: SiteConfig, options: FeedOptions) -> bytes | None: ...

    def keep_item(self, article: Article, site: SiteConfig, options: FeedOptions, kept: bytes) -> None: ...


ITEM_RENDERERS: dict[FeedFormat, ItemRenderer] = {"rss": rss, "atom": atom, "json": jsonfeed}

# An article's item in one format with the options of one document.
Wanted = tuple[FeedFormat, FeedOptions]
Missing = tuple[Article, FeedFormat, FeedOptions]


def load_items(
    index: ArticleIndex, site: SiteConfig, articles: Sequence[Article], wanted: Iterable[Wanted]
) -> list[Missing]:
    """Hand the renderers the items of `articles` the index keeps and they lack; returns the
    items still missing (the renderers will make them: `keep_items` stores them afterwards)."""
    missing = [
        (article, form, options)
        for form, options in wanted
        for article in articles
        if ITEM_RENDERERS[form].kept_item(article, site, options) is None
    ]
    if not missing:
        return []
    variants = {
        ITEM_RENDERERS[form].item_variant(site, options): (form, options) for _, form, options in missing
    }
    by_id = {article.id: article for article, _, _ in missing}
    asked = [(article.id, article.revision) for article in by_id.values()]
    for item in index.feed_items(site.id, asked, sorted(variants)):
        form, options = variants[item.variant]
        ITEM_RENDERERS[form].keep_item(by_id[item.article_id], site, options, item.data)
    return [
        (article, form, options)
        for article, form, options in missing
        if ITEM_RENDERERS[form].kept_item(article, site, options) is None
    ]


def keep_items(index: ArticleIndex, site: SiteConfig, made: Sequence[Missing]) -> None:
    """Keep in the index the items of `made` the renderers hold now (an article a profile left
    out was not made, and is not kept)."""
    items: dict[tuple[str, str], FeedItem] = {}
    for article, form, options in made:
        renderer = ITEM_RENDERERS[form]
        variant = renderer.item_variant(site, options)
        data = renderer.kept_item(article, site, options)
        if data is not None:
            items[(article.id, variant)] = FeedItem(article.id, article.revision, variant, data)
    if items:
        index.keep_feed_items(site.id, list(items.values()))
