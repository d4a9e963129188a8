"""The reference model: from an event log to what must be live, written apart from warta's code.

Deliberately naive (a dict and a sort), so that agreement with warta's outputs means something.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class LiveArticle:
    id: str
    revision: int
    url: str
    title: str
    section: str
    published_at: datetime
    tags: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()


def expected_live(events: list[dict[str, Any]], now: datetime) -> dict[str, LiveArticle]:
    """The live, visible article of every id: the highest revision wins, whatever the order."""
    newest: dict[str, dict[str, Any]] = {}
    for event in events:
        article = event["article"]
        kept = newest.get(article["id"])
        if kept is None or article["revision"] > kept["article"]["revision"]:
            newest[article["id"]] = event
    live = {}
    for article_id, event in newest.items():
        if event["type"] == "article.unpublished":
            continue
        article = event["article"]
        published_at = datetime.fromisoformat(article["published_at"])
        if published_at > now:
            continue
        live[article_id] = LiveArticle(
            article_id,
            article["revision"],
            article["url"],
            article["title"],
            article["section"]["id"],
            published_at,
            tuple(article.get("tags", ())),
            tuple(a["name"] for a in article.get("authors", ())),
        )
    return live


def newest_first(articles: list[LiveArticle], limit: int) -> list[LiveArticle]:
    ordered = sorted(articles, key=lambda a: (a.published_at.timestamp(), a.id), reverse=True)
    return ordered[:limit]


def by_month(articles: list[LiveArticle], zone: str) -> dict[str, set[str]]:
    months: dict[str, set[str]] = {}
    for article in articles:
        month = article.published_at.astimezone(ZoneInfo(zone)).strftime("%Y-%m")
        months.setdefault(month, set()).add(article.url)
    return months


def in_news_window(articles: list[LiveArticle], now: datetime, hours: int = 48) -> set[str]:
    return {a.url for a in articles if now - timedelta(hours=hours) < a.published_at <= now}


def naive_slug(name: str) -> str:
    """Enough for the generated log's names ("topik-3", "Penulis 2"): warta's own slugify is
    what is under test."""
    return "-".join(name.lower().split())


def expected_feeds(live: list[LiveArticle], size: int = 50) -> dict[str, list[LiveArticle]]:
    """Every RSS feed of the example site and the articles it must hold, newest first: the
    home feed, one per section, per tag and per author that has a live article."""
    feeds = {"feed/index.xml": newest_first(live, size)}
    groups: dict[str, list[LiveArticle]] = {}
    for article in live:
        groups.setdefault(f"feed/{article.section}.xml", []).append(article)
        for tag in set(article.tags):
            groups.setdefault(f"feed/tag/{naive_slug(tag)}.xml", []).append(article)
        for author in set(article.authors):
            groups.setdefault(f"feed/author/{naive_slug(author)}.xml", []).append(article)
    feeds |= {path: newest_first(articles, size) for path, articles in groups.items()}
    return feeds


def is_modelled_feed(path: str) -> bool:
    """The RSS feeds the model knows: not the Atom, JSON or aggregator variants."""
    parts = path.split("/")
    if not path.endswith(".xml") or parts[0] != "feed":
        return False
    return len(parts) == 2 or (len(parts) == 3 and parts[1] in ("tag", "author"))
