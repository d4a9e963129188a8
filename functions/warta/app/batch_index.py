"""The index as one render batch reads it: each site's shard parts and news entries read once.

A publish asks for its site's shard parts four times: the open shard's layout, the sitemap
index, robots.txt and the status report's article count. On DynamoDB each ask is a query (of a
partition moto, for one, walks the whole table to find). Within a batch only the batch itself
writes them: renders of one site never overlap (a file lock locally, the site's FIFO message
group on AWS; docs/architecture.md). So the parts are read at the first ask and follow the
batch's own `set_shard_parts`; a new batch reads them again.

robots.txt asks whether the news sitemap has an entry, in the window the news sitemap read
just before it: the entries read then answer (the first `limit` of a read of as many or more,
or of all there were). Reading them again could only give a later state, and a write after the
batch took its outputs queues another render of both (docs/architecture.md).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime

from warta.core.ports import ArticleIndex, ForwardingIndex, ShardPart
from warta.core.views import NewsEntry


class BatchIndex(ForwardingIndex):
    """An `ArticleIndex` for one render batch: shard parts and news entries read once per site."""

    def __init__(self, index: ArticleIndex) -> None:
        super().__init__(index)
        self._parts: dict[str, list[ShardPart]] = {}
        # (site, after, until) -> (the limit read with, the entries read)
        self._news: dict[tuple[str, datetime, datetime], tuple[int, list[NewsEntry]]] = {}
        self._lock = threading.Lock()

    def shard_parts(self, site: str, period: str | None = None) -> list[ShardPart]:
        with self._lock:
            parts = self._parts.get(site)
            if parts is None:
                parts = self._parts[site] = self._index.shard_parts(site)
            return [p for p in parts if period is None or p.period == period]

    def set_shard_parts(self, site: str, period: str, parts: Sequence[ShardPart]) -> None:
        with self._lock:
            self._index.set_shard_parts(site, period, parts)
            kept = self._parts.get(site)
            if kept is None:
                return
            # Ordered by period, then part: a period's parts are one run of the list.
            run = [n for n, part in enumerate(kept) if part.period == period]
            if run:
                kept[run[0] : run[-1] + 1] = sorted(parts, key=lambda part: part.part)
            elif parts:
                del self._parts[site]  # a new period: where it goes is the index's to say

    def news_entries(self, site: str, after: datetime, until: datetime, limit: int) -> list[NewsEntry]:
        with self._lock:
            kept = self._news.get((site, after, until))
            if kept is not None and (limit <= kept[0] or len(kept[1]) < kept[0]):
                return kept[1][:limit]
            found = self._index.news_entries(site, after, until, limit)
            self._news[(site, after, until)] = (limit, found)
            return list(found)
