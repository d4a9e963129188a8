"""The renderers' facts (issue 17, point 1): the status report of the render Lambda takes each
written feed's and shard's line from what the renderer knew, never reading back or parsing the
file. Those lines must be what a check of the written bytes finds (`warta status` locally)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from warta.adapters.local_stack import open_local_stack
from warta.app.outputs.changes import FeedFacts, Put, ShardFacts
from warta.app.render import render_key
from warta.core.planner import OutputKey
from warta.status.report import check_files

from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE
from support.cli_runs import article_event, publish_events

NOW = "2023-09-21T00:00:00+07:00"
BASE = json.loads((EXAMPLE_EVENTS / "002-festival-layang-layang.json").read_text())


class _Bytes:
    """Rendered files as a tree, for the checks."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self._files = files

    def get(self, path: str) -> bytes | None:
        return self._files.get(path)

    def list(self, prefix: str = "") -> Iterator[str]:
        return iter(sorted(p for p in self._files if p.startswith(prefix)))


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus, and 16 long articles: SmartNews' 1 MB cap then leaves items out of its copy,
    and MSN leaves out the subscriber one."""
    tmp = tmp_path_factory.mktemp("facts")
    long = ["<p>" + "Kalimat panjang untuk mengisi umpan. " * 2_500 + "</p>"]
    events = [json.loads(p.read_text()) for p in sorted(EXAMPLE_EVENTS.glob("*.json"))]
    for n in range(16):
        event = article_event(BASE, id=f"long-{n}", url=f"{BASE['article']['url']}-{n}", pages=long)
        event["event_id"] = f"evt-long-{n}"
        events.append(event)
    code, printed = publish_events(tmp, NOW, events)
    assert code == 0, printed
    return tmp


def test_every_feed_and_shard_fact_is_what_a_check_of_the_bytes_finds(published: Path) -> None:
    stack = open_local_stack([EXAMPLE_SITE], published / "public", published / "state")
    site = stack.deployment.sites["andalpost"]
    now = datetime.fromisoformat(NOW)
    keys = [OutputKey(site.id, "feed", name) for name in ("home", "section:budaya", "section:hiburan")]
    keys += [OutputKey(site.id, "shard", "2023-09")]
    puts = [c for key in keys for c in render_key(key, site, stack.index, now) if isinstance(c, Put)]
    found = check_files(stack.deployment, _Bytes({p.path: p.body for p in puts}), now)[site.id]
    feeds = [p for p in puts if isinstance(p.facts, FeedFacts)]
    shards = [p for p in puts if isinstance(p.facts, ShardFacts)]
    assert len(feeds) >= 7 and shards, [p.path for p in puts]
    smartnews = next(p for p in feeds if "smartnews" in p.path)
    assert isinstance(smartnews.facts, FeedFacts) and 0 < smartnews.facts.items < 50  # the cap bit
    for put in feeds:
        status = found.feeds[put.path]
        assert status.errors == ()
        assert put.facts == FeedFacts(status.variant, status.items, status.newest_title, status.newest_date)
    for put in shards:
        assert put.facts == ShardFacts(found.shards[put.path].urls)
