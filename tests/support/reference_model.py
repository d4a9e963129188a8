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
