"""Nothing lost, nothing leaked, on the local default: a messy event log, from many processes at once,
ends in exactly the outputs the reference model expects, byte for byte those of a sequential run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lxml import etree

from conftest import EXAMPLE_SITE
from support.event_log import EventLog, generate_event_log
from support.local_runs import publish_batch, publish_concurrently
from support.reference_model import (
    by_month,
    expected_feeds,
    expected_live,
    in_news_window,
    is_modelled_feed,
)

FULL = os.environ.get("WARTA_STRESS_FULL") == "1"
EVENTS, ARTICLES, WORKERS = (2_000, 300, 8) if FULL else (400, 60, 4)
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(scope="module")
def log() -> EventLog:
    return generate_event_log(events=EVENTS, articles=ARTICLES, seed=11)


@pytest.fixture(scope="module")
def sequential(log: EventLog, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("sequential")
    statuses = publish_batch(EXAMPLE_SITE, tmp / "public", tmp / "state", log.events, log.now)
    assert "rejected" not in statuses
    return tmp / "public"


@pytest.fixture(scope="module")
def concurrent(log: EventLog, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("concurrent")
    statuses = publish_concurrently(
        EXAMPLE_SITE, tmp / "public", tmp / "state", log.events, log.now, workers=WORKERS, batch_size=7
    )
    assert len(statuses) == len(log.events) and "rejected" not in statuses
    return tmp / "public"


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _guids(feed: Path) -> list[str]:
    return [g.split(":", 1)[1] for g in etree.parse(str(feed)).xpath("//item/guid/text()")]


def test_concurrent_run_is_byte_identical_to_sequential(sequential: Path, concurrent: Path) -> None:
    assert _tree(concurrent) == _tree(sequential)


def test_log_exercises_the_hard_cases(log: EventLog) -> None:
    kinds = {e["type"] for e in log.events}
    assert kinds == {"article.published", "article.updated", "article.unpublished"}
    assert len(log.events) == EVENTS  # the size the issue names (2,000 in make stress)
    assert log.duplicates > 0
    assert len({e["article"]["id"] for e in log.events}) == ARTICLES
    assert any(e["article"].get("published_at", "") > log.now.isoformat() for e in log.events)


def test_feeds_agree_with_the_model(log: EventLog, concurrent: Path) -> None:
    """The home feed, each section's, each tag's and each author's."""
    live = list(expected_live(log.events, log.now).values())
    expected = expected_feeds(live)
    assert any(path.startswith("feed/tag/") for path in expected)
    assert any(path.startswith("feed/author/") for path in expected)
    for path, articles in expected.items():
        assert _guids(concurrent / path) == [a.id for a in articles], path
    written = {p.relative_to(concurrent).as_posix() for p in (concurrent / "feed").rglob("*.xml")}
    assert {p for p in written if is_modelled_feed(p)} == set(expected)


def test_sitemaps_and_amp_pages_agree_with_the_model(log: EventLog, concurrent: Path) -> None:
    live = list(expected_live(log.events, log.now).values())
    for month, urls in by_month(live, "Asia/Jakarta").items():
        shard = etree.parse(str(concurrent / "sitemaps" / f"{month}.xml"))
        assert set(shard.xpath("//sm:url/sm:loc/text()", namespaces=NS)) == urls, month
    shards = {p.stem for p in (concurrent / "sitemaps").glob("*.xml")}
    assert shards == set(by_month(live, "Asia/Jakarta"))
    recent = in_news_window(live, log.now)
    # A quiet window has no news sitemap at all (docs/operations.md, "Quiet days").
    assert (concurrent / "sitemap-news.xml").exists() is bool(recent)
    if recent:
        news = etree.parse(str(concurrent / "sitemap-news.xml"))
        assert set(news.xpath("//sm:url/sm:loc/text()", namespaces=NS)) == recent
    amp = {
        p.relative_to(concurrent / "amp").as_posix()[: -len(".html")]
        for p in (concurrent / "amp").rglob("*.html")
    }
    assert amp == {a.url.split("/", 3)[3] for a in live}


def test_nothing_superseded_or_taken_down_leaks(log: EventLog, concurrent: Path) -> None:
    live = expected_live(log.events, log.now)
    current_titles = {a.title for a in live.values()}
    stale_titles = {e["article"]["title"] for e in log.events if "title" in e["article"]} - current_titles
    text = "\n".join(body.decode() for body in _tree(concurrent).values())
    leaked = sorted(t for t in stale_titles if t in text)
    assert not leaked, leaked[:5]
    live_urls = {a.url for a in live.values()}
    dead_urls = {e["article"]["url"] for e in log.events if "url" in e["article"]} - live_urls
    leaked_urls = sorted(u for u in dead_urls if f"{u}<" in text or f'{u}"' in text)
    assert not leaked_urls, leaked_urls[:5]


def test_outputs_queued_before_a_crash_are_rendered_by_the_next_run(log: EventLog, tmp_path: Path) -> None:
    from support.local_runs import ingest_only

    first, rest = log.events[:40], log.events[40:80]
    ingest_only(EXAMPLE_SITE, tmp_path / "public", tmp_path / "state", first, log.now)  # dies before render
    publish_batch(EXAMPLE_SITE, tmp_path / "public", tmp_path / "state", rest, log.now)
    reference = tmp_path / "reference"
    publish_batch(EXAMPLE_SITE, reference / "public", reference / "state", first + rest, log.now)
    assert _tree(tmp_path / "public") == _tree(reference / "public")


def test_a_redelivered_event_repairs_outputs_whose_render_was_lost(log: EventLog, tmp_path: Path) -> None:
    import sqlite3

    from support.local_runs import ingest_only

    events = log.events[:60]
    ingest_only(EXAMPLE_SITE, tmp_path / "public", tmp_path / "state", events, log.now)
    with sqlite3.connect(tmp_path / "state" / "index.sqlite3") as db:
        db.execute("DELETE FROM pending")  # the queue lost its messages
    publish_batch(EXAMPLE_SITE, tmp_path / "public", tmp_path / "state", events, log.now)  # redelivery
    reference = tmp_path / "reference"
    publish_batch(EXAMPLE_SITE, reference / "public", reference / "state", events, log.now)
    assert _tree(tmp_path / "public") == _tree(reference / "public")
