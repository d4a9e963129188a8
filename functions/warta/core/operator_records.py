"""What operators read about a deployment besides its outputs: rejections, runs, article counts.

The SQLite operator log (`warta publish`) and the DynamoDB one (the Lambda entry points) both
hold these; the status report shows them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rejection:
    at: str  # ISO 8601: when the event arrived (on AWS: when its delivery was first sent)
    source: str  # where it came from: a file name, "sqs:<message id>", "webhook:<request id>", ...
    reason: str  # names the field first: "article/revision: 0 is less than the minimum of 1"
    event_id: str = ""  # when the event got far enough to name one


@dataclass(frozen=True, slots=True)
class Takedown:
    """An article that is a tombstone now, with the URL it had when last live."""

    id: str
    url: str  # "" when the article was taken down before its URL was recorded


@dataclass(frozen=True, slots=True)
class Run:
    """A `warta publish` / `rebuild` run, or (command "render") one render batch on AWS."""

    at: str
    command: str
    accepted: int
    stale: int
    rejected: int
    written: int
    unchanged: int
    deleted: int


@dataclass(frozen=True, slots=True)
class ArticleCounts:
    live: int  # visible now
    scheduled: int  # live, published_at still ahead
    taken_down: int
