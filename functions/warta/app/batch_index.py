"""The index as one render batch reads it: each site's shard parts read once.

A publish asks for its site's shard parts four times: the open shard's layout, the sitemap
index, robots.txt and the status report's article count. On DynamoDB each ask is a query (of a
partition moto, for one, walks the whole table to find). Within a batch only the batch itself
writes them: renders of one site never overlap (a file lock locally, the site's FIFO message
group on AWS; docs/architecture.md). So the parts are read at the first ask and follow the
batch's own `set_shard_parts`; a new batch reads them again.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from warta.core.ports import ArticleIndex, ForwardingIndex, ShardPart


class BatchIndex(ForwardingIndex):
    """An `ArticleIndex` for one render batch: shard parts read once per site, then kept."""

    def __init__(self, index: ArticleIndex) -> None:
        super().__init__(index)
        self._parts: dict[str, list[ShardPart]] = {}
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
