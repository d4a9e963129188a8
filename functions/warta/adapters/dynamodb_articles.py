"""Articles the DynamoDB index has read lately, kept parsed by (site, id, revision).

A feed is a query of a membership partition, then the articles it names. A warm render Lambda
reads the same feeds' articles on every publish (all but the new one), and reading them again
costs a BatchGetItem of their whole documents per feed (read units, and most of the Lambda's
CPU in parsing the responses). Each membership item carries the revision of its article
(written in the article's own transaction, so they always agree): an article whose
(site, id, revision) is kept here is taken from here, and only the others are read.

A revision names one article value for good: the index never applies a write whose revision
is not above the stored one (`DynamoIndex.write`), so a kept entry never goes stale. This is
the DynamoDB counterpart of `SqliteIndex`'s parsed documents (PARSED_CACHE_SIZE).

An entry holds the article whole, or read without its body (feeds read their lists so), or
both; the value without its body is one per entry, so the renderers' memo, which asks for the
very same value, serves a warm Lambda's feeds from one publish to the next.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from warta.core.articles import Article, body_left_out, left_out_body

# Articles kept per index: a few publishes' feeds (home, section, tag and author feeds of 50
# items each, mostly the same ones from one publish to the next), as SqliteIndex keeps.
PARSED_ARTICLES = 1_024
# And at most this many bytes of their compressed documents, so a run of megabyte bodies (the
# contract allows 2 MB) is kept a few at a time, not a thousand.
PARSED_DOC_BYTES = 16 * 1024 * 1024

ArticleKey = tuple[str, str, int]  # site, id, revision


class _Entry:
    """One revision kept: whole, without its body, or both."""

    __slots__ = ("doc_bytes", "whole", "without_body")

    def __init__(self, doc_bytes: int) -> None:
        self.whole: Article | None = None
        self.without_body: Article | None = None
        self.doc_bytes = doc_bytes  # its compressed document's, whichever values it holds


class ParsedArticles:
    """A bounded, thread-safe LRU of parsed articles (feeds of one step render on threads)."""

    def __init__(self, entries: int = PARSED_ARTICLES, doc_bytes: int = PARSED_DOC_BYTES) -> None:
        self._entries = entries
        self._doc_bytes = doc_bytes
        self._kept: OrderedDict[ArticleKey, _Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: ArticleKey) -> Article | None:
        """The article kept whole."""
        with self._lock:
            found = self._kept.get(key)
            if found is None or found.whole is None:
                return None
            self._kept.move_to_end(key)
            return found.whole

    def get_without_body(self, key: ArticleKey) -> Article | None:
        """The article without its body (`left_out_body`): the same value at every ask, made
        once of the whole one if that is all that is kept."""
        with self._lock:
            found = self._kept.get(key)
            if found is None:
                return None
            self._kept.move_to_end(key)
            if found.without_body is None and found.whole is not None:
                found.without_body = found.whole.with_body(left_out_body())
            return found.without_body

    def put(self, article: Article, doc_bytes: int) -> None:
        """Keep an article (whole, or without its body) read from an item whose compressed
        document is `doc_bytes` long."""
        if doc_bytes > self._doc_bytes:
            return
        key = (article.site, article.id, article.revision)
        with self._lock:
            entry = self._kept.pop(key, None)
            if entry is None:
                entry = _Entry(doc_bytes)
                self._bytes += doc_bytes
            if body_left_out(article):
                entry.without_body = article
            else:
                entry.whole = article
            self._kept[key] = entry
            while len(self._kept) > self._entries or self._bytes > self._doc_bytes:
                _, dropped = self._kept.popitem(last=False)
                self._bytes -= dropped.doc_bytes

    def __len__(self) -> int:
        return len(self._kept)
