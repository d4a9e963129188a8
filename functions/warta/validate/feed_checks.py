"""Feeds as a reader sees them (feedparser; JSON Feed by its spec) and against format rules.

RSS 2.0 and Atom 1.0 go through feedparser, which every Python feed consumer uses: a bozo
flag is a failure. JSON Feed 1.1, which feedparser does not read, is checked by its spec.
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import feedparser
import lxml.html
from lxml import etree

from warta.core.config import FeedFormat

RSS_VERSION = "2.0"  # RSS 2.0 specification: <rss version="2.0">
RSS_REQUIRED_CHANNEL = ("title", "link", "description")  # RSS 2.0: required channel elements
ATOM_VERSION = "atom10"  # feedparser's name for Atom 1.0 (RFC 4287)
JSON_FEED_VERSION_PREFIX = "https://jsonfeed.org/version/1"  # JSON Feed 1.x: "version" is this URL


@dataclass(frozen=True, slots=True)
class FeedItem:
    guid: str  # RSS guid, Atom id, JSON Feed id
    link: str
    title: str
    published: str  # as written in the feed
    published_ts: float | None  # seconds since the epoch, None when missing or unparseable


@dataclass(frozen=True, slots=True)
class FeedSummary:
    title: str
    items: tuple[FeedItem, ...]

    @property
    def newest(self) -> FeedItem | None:
        dated = [i for i in self.items if i.published_ts is not None]
        return max(dated, key=lambda i: i.published_ts or 0.0) if dated else None


def _text(element: etree._Element, name: str) -> str:
    return (element.findtext(name) or "").strip()


def _is_absolute(url: str) -> bool:
    return url.startswith(("https://", "http://"))


def _shown(detail: Any, fallback: str) -> str:
    """A feedparser text construct as a reader shows it: RSS titles are HTML to readers."""
    if not detail:
        return fallback
    value = str(detail.get("value", ""))
    if detail.get("type") in ("text/html", "application/xhtml+xml") and value.strip():
        return str(lxml.html.fragment_fromstring(value, create_parent="div").text_content())
    return value


def _parsed_summary(parsed: feedparser.FeedParserDict) -> FeedSummary:
    items = []
    for entry in parsed.entries:
        # dict.get: feedparser's own get maps a missing "published" to "updated" with a warning.
        when = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
        items.append(
            FeedItem(
                guid=entry.get("id", ""),
                link=entry.get("link", ""),
                title=_shown(dict.get(entry, "title_detail"), entry.get("title", "")),
                published=dict.get(entry, "published") or dict.get(entry, "updated", ""),
                published_ts=float(calendar.timegm(when)) if when else None,
            )
        )
    return FeedSummary(title=parsed.feed.get("title", ""), items=tuple(items))


def check_feed(
    fmt: FeedFormat, body: bytes, root: etree._Element | None, max_items: int | None
) -> tuple[list[str], FeedSummary | None]:
    """Why a feed would be refused or misread ([] when none), and its items as a reader sees them.

    `root` is the parsed XML document of an RSS or Atom feed (the caller checked it is
    well-formed); the summary is None when the feed cannot be read at all.
    """
    if fmt == "json":
        return _check_json_feed(body, max_items)
    parsed = feedparser.parse(body)
    errors: list[str] = []
    if parsed.bozo:
        errors.append(f"feedparser: {parsed.get('bozo_exception')}")
    if root is not None:
        errors += _rss_errors(parsed, root) if fmt == "rss" else _atom_errors(parsed)
    summary = _parsed_summary(parsed)
    if max_items is not None and len(summary.items) > max_items:
        errors.append(f"{len(summary.items)} items, the site config allows {max_items}")
    errors += _item_errors(summary)
    return errors, summary


def _item_errors(summary: FeedSummary) -> list[str]:
    """Rules every format shares: unique ids, absolute links, dates, newest first."""
    errors: list[str] = []
    seen: set[str] = set()
    previous: float | None = None
    for number, item in enumerate(summary.items, start=1):
        where = f"item {number}"
        if not _is_absolute(item.link):
            errors.append(f"{where}: link {item.link!r} is not an absolute http(s) URL")
        if not item.guid:
            errors.append(f"{where}: no id/guid")
        elif item.guid in seen:
            errors.append(f"{where}: id {item.guid!r} repeats an earlier item's")
        seen.add(item.guid)
        if item.published_ts is None:
            errors.append(f"{where}: date {item.published!r} is missing or unreadable")
            continue
        if previous is not None and item.published_ts > previous:
            errors.append(f"{where}: newer than the item before it (items go newest first)")
        previous = item.published_ts
    return errors


def _rss_errors(parsed: feedparser.FeedParserDict, root: etree._Element) -> list[str]:
    if root.tag != "rss" or root.get("version") != RSS_VERSION:
        return [f'root is <{root.tag!s} version="{root.get("version")}">, not <rss version="2.0">']
    channels = root.findall("channel")
    if len(channels) != 1:
        return [f"{len(channels)} <channel> elements, RSS 2.0 has exactly one"]
    channel = channels[0]
    errors = [f"channel has no <{name}>" for name in RSS_REQUIRED_CHANNEL if not _text(channel, name)]
    for number, item in enumerate(channel.findall("item"), start=1):
        if not (_text(item, "title") or _text(item, "description")):
            errors.append(f"item {number}: neither <title> nor <description>")  # RSS 2.0 requires one
    return errors


def _atom_errors(parsed: feedparser.FeedParserDict) -> list[str]:
    if parsed.version != ATOM_VERSION:
        return [f"not an Atom 1.0 feed (feedparser reads it as {parsed.version!r})"]
    # RFC 4287 §4.1.1: a feed has exactly one id, title and updated; §4.1.2 the same for entries.
    errors = [f"feed has no <{name}>" for name in ("id", "title", "updated") if not parsed.feed.get(name)]
    for number, entry in enumerate(parsed.entries, start=1):
        errors += [f"entry {number}: no <{name}>" for name in ("title", "updated") if not entry.get(name)]
    return errors


def _json_date(value: Any) -> float | None:
    try:
        return datetime.fromisoformat(str(value)).timestamp()  # RFC 3339, as JSON Feed requires
    except ValueError:
        return None


def _check_json_feed(body: bytes, max_items: int | None) -> tuple[list[str], FeedSummary | None]:
    try:
        doc = json.loads(body)
    except ValueError as exc:
        return [f"not JSON: {exc}"], None
    if not isinstance(doc, dict) or not str(doc.get("version", "")).startswith(JSON_FEED_VERSION_PREFIX):
        return [f"not a JSON Feed: version must start with {JSON_FEED_VERSION_PREFIX}"], None
    errors = [] if doc.get("title") else ["feed has no title"]  # JSON Feed 1.1: title is required
    raw_items = doc.get("items")
    if not isinstance(raw_items, list):
        return [*errors, "feed has no items array"], None
    items = []
    for number, item in enumerate(raw_items, start=1):
        if not isinstance(item, dict):
            errors.append(f"item {number}: not an object")
            continue
        if not (item.get("content_html") or item.get("content_text")):
            errors.append(f"item {number}: neither content_html nor content_text")  # 1.1 requires one
        items.append(
            FeedItem(
                guid=str(item.get("id", "")),
                link=str(item.get("url", "")),
                title=str(item.get("title", "")),
                published=str(item.get("date_published", "")),
                published_ts=_json_date(item.get("date_published", "")),
            )
        )
    summary = FeedSummary(title=str(doc.get("title", "")), items=tuple(items))
    if max_items is not None and len(items) > max_items:
        errors.append(f"{len(items)} items, the site config allows {max_items}")
    return errors + _item_errors(summary), summary
