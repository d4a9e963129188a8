"""A seeded generator of messy event logs: what a CMS and its delivery really send.

Publishes, updates, takedowns, republishes at new URLs, scheduled articles, duplicates (the same
`event_id` delivered again) and reordering. Every event validates against the contract.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

SECTIONS = ("nasional", "internasional", "ekonomi", "olahraga", "teknologi", "hiburan", "gaya-hidup", "opini")
BASE_URL = "https://www.andalpost.com"
JUDGED_AT = datetime.fromisoformat("2023-09-21T00:00:00+07:00")


@dataclass(frozen=True, slots=True)
class EventLog:
    events: list[dict[str, Any]]  # in delivery order
    now: datetime  # the clock the log is judged at
    articles: int
    duplicates: int


def _article_event(
    rng: random.Random,
    article: int,
    revision: int,
    kind: str,
    slug: int,
    section: str,
    published_at: datetime,
) -> dict[str, Any]:
    event_id = f"evt-{article}-{revision}"
    if kind == "article.unpublished":
        return {
            "spec_version": "1",
            "event_id": event_id,
            "type": kind,
            "occurred_at": published_at.isoformat(),
            "article": {"id": f"s{article}", "revision": revision},
        }
    title = f"Stres {article} revisi {revision} judul {rng.randrange(10**6):06d}"
    return {
        "spec_version": "1",
        "event_id": event_id,
        "type": kind,
        "occurred_at": published_at.isoformat(),
        "article": {
            "id": f"s{article}",
            "revision": revision,
            "url": f"{BASE_URL}/{section}/stres-{article}-versi-{slug}",
            "title": title,
            "summary": f"Ringkasan artikel {article} revisi {revision}.",
            "section": {"id": section, "name": section.replace("-", " ").title()},
            # Tags and byline move between revisions: an article leaves feeds, not only sections.
            "tags": [f"topik-{article % 7}", f"topik-{(article + revision) % 11}"],
            "authors": [{"name": f"Penulis {(article * revision) % 5}"}],
            "published_at": published_at.isoformat(),
            "pages": [f"<p>Isi artikel {article} revisi {revision}.</p><p>Paragraf kedua {title}.</p>"],
        },
    }


def generate_event_log(
    *,
    events: int = 2_000,
    articles: int = 300,
    seed: int = 7,
    now: datetime = JUDGED_AT,
) -> EventLog:
    rng = random.Random(seed)
    # Exactly `events` lines: about 1 in 21 a duplicate, the rest each article's revisions, the
    # trailing revisions of some articles dropped to fit (dropping the newest keeps a history).
    originals_wanted = max(articles, events - events // 21)
    per_article = max(1, math.ceil(originals_wanted / articles))
    histories: list[list[dict[str, Any]]] = []
    for article in range(1, articles + 1):
        history: list[dict[str, Any]] = []
        histories.append(history)
        section = rng.choice(SECTIONS)
        slug = 1
        # Mostly the past 60 days; some scheduled beyond `now`, some scheduled and since due.
        offset = timedelta(minutes=rng.randrange(-60 * 24 * 60, 6 * 24 * 60))
        published_at = now + offset
        revisions = rng.randint(max(1, per_article - 3), per_article + 3)
        for revision in range(1, revisions + 1):
            roll = rng.random()
            if revision == 1:
                kind = "article.published"
            elif roll < 0.15:
                kind = "article.unpublished"
            elif roll < 0.25:
                kind = "article.published"  # a republish, often at a new URL
                slug += 1
            else:
                kind = "article.updated"
                if roll < 0.32:
                    section = rng.choice(SECTIONS)
                if roll < 0.36:
                    published_at += timedelta(hours=rng.randint(-48, 48))
            history.append(_article_event(rng, article, revision, kind, slug, section, published_at))
    total = sum(map(len, histories))
    for n in itertools.cycle(range(articles)):
        if total <= originals_wanted:
            break
        if len(histories[n]) > 1:
            histories[n].pop()
            total -= 1
    log = [event for history in histories for event in history]
    duplicates = [dict(e) for e in rng.sample(log, k=min(len(log), max(0, events - len(log))))]
    log.extend(duplicates)
    rng.shuffle(log)
    return EventLog(events=log, now=now, articles=articles, duplicates=len(duplicates))
