"""What rendering an output asks of the object store."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FeedFacts:
    """What the status report shows of a feed document, known when it is rendered."""

    variant: str  # "rss", "atom", "json", or "rss · google-news" for a profile's copy
    items: int
    newest_title: str
    newest_date: str  # the newest item's date as the document writes it


@dataclass(frozen=True, slots=True)
class ShardFacts:
    urls: int


OutputFacts = FeedFacts | ShardFacts


@dataclass(frozen=True, slots=True)
class Put:
    path: str
    body: bytes
    content_type: str
    cache_policy: str  # a key of the site config's [cache_control] table
    # Known by the renderer, so the status report never reads back and parses what was written.
    facts: OutputFacts | None = None


@dataclass(frozen=True, slots=True)
class Delete:
    path: str


Change = Put | Delete
