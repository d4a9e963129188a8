"""Keep the operator's takedown records in step with the article index, for the status report.

The AWS index forgets a taken-down article's memberships, so nothing there counts tombstones
cheaply; the status report counts these records instead. Writing them is best effort: a
failure is logged, never raised, so it cannot fail an event.
"""

from __future__ import annotations

import logging
from typing import Protocol

from warta.core.articles import Article, ArticleState, Tombstone
from warta.core.ports import ArticleIndex, ForwardingIndex, WriteResult

logger = logging.getLogger(__name__)


class TakedownRecords(Protocol):
    """Where takedowns are recorded: the SQLite operator log locally, the index table on AWS."""

    def record_takedown(self, site: str, article_id: str, url: str, revision: int) -> None:
        """The article is a tombstone at `revision` (kept only if no newer one is recorded)."""
        ...

    def clear_takedown(self, site: str, article_id: str, revision: int) -> None:
        """The article is live at `revision`: forget a takedown of an older revision."""
        ...


class TakedownRecordingIndex(ForwardingIndex):
    """An `ArticleIndex` whose writes also update the takedown records.

    After every write, applied or not, the records follow the state the index holds now, so a
    redelivery repairs a record a crash left undone. A takedown recorded after a newer revision
    brought the article back (two writers racing) is undone by reading the index again.
    """

    def __init__(self, index: ArticleIndex, records: TakedownRecords) -> None:
        super().__init__(index)
        self._records = records
        self.taken_down: dict[str, Tombstone] = {}  # this wrapper's takedowns, by last URL (logs)

    def write(self, state: ArticleState, period: str | None, released: bool) -> WriteResult:
        result = self._index.write(state, period, released)
        try:
            self._follow(state, result)
        except Exception as exc:
            logger.exception(
                f"takedown record not updated: {type(exc).__name__}: {exc}",
                extra={"article_id": state.id, "revision": state.revision},
            )
        return result

    def _follow(self, state: ArticleState, result: WriteResult) -> None:
        stored = state if result.applied else result.previous
        if isinstance(stored, Article):
            self._records.clear_takedown(stored.site, stored.id, stored.revision)
            return
        if not isinstance(stored, Tombstone):
            return
        url = result.previous.url if result.applied and result.previous is not None else ""
        self._records.record_takedown(stored.site, stored.id, url, stored.revision)
        if url:
            self.taken_down[url] = stored
        now = self._index.get(stored.site, stored.id)
        if isinstance(now, Article):
            self._records.clear_takedown(now.site, now.id, now.revision)
