"""The synthetic archive: contract-valid events, deterministic per seed, and a bulk path that agrees."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from warta.adapters.sqlite_index import SqliteIndex
from warta.core.body import build_body
from warta.core.config import SiteConfig
from warta.core.events import parse_event, state_from_event
from warta.core.planner import shard_period
from warta.synthetic import ArchiveSpec, article_of, bulk_load, draft, iter_events


def test_events_are_valid_against_the_contract_and_the_site(site: SiteConfig) -> None:
    spec = ArchiveSpec(site, articles=40, per_day=10)
    for raw in iter_events(spec):
        event = parse_event(raw)  # raises EventRejected on any schema violation
        article = state_from_event(event, site, build_body)
        assert article.url.startswith(site.base_url + "/" + article.section.id + "/")
        assert article.image is not None
        assert 1 <= len([b for b in article.body if type(b).__name__ == "Figure"]) <= 2


def test_deterministic_for_a_seed(site: SiteConfig) -> None:
    spec = ArchiveSpec(site, articles=20)
    assert list(iter_events(spec)) == list(iter_events(spec))
    assert list(iter_events(spec)) != list(iter_events(ArchiveSpec(site, articles=20, seed=1)))
    # Any article can be made alone, and is the same as in the stream.
    assert list(iter_events(spec, first=7)) == list(iter_events(spec))[7:]


def test_sections_rate_and_span(site: SiteConfig) -> None:
    spec = ArchiveSpec(site, articles=3 * 365 * 4, per_day=4)  # three years, four a day
    drafts = [draft(spec, n) for n in range(spec.articles)]
    assert {d.section for d in drafts} == set(site.sections)
    days = Counter(d.published_at.date() for d in drafts)
    assert set(days.values()) == {4}
    assert drafts[-1].published_at.year - drafts[0].published_at.year == 2
    times = [d.published_at for d in drafts]
    assert times == sorted(times)


def test_bulk_load_matches_the_event_path(tmp_path: Path, site: SiteConfig) -> None:
    """The bulk path's index rows give the same sitemap bytes as ingesting the events."""
    spec = ArchiveSpec(site, articles=30, per_day=5)
    bulk = SqliteIndex(tmp_path / "bulk.sqlite3")
    assert bulk_load(bulk, spec) == 30
    ingested = SqliteIndex(tmp_path / "ingested.sqlite3")
    for raw in iter_events(spec):
        article = state_from_event(parse_event(raw), site, build_body)
        ingested.write(article, shard_period(article.published_at, site), True)
        assert article.url == article_of(spec, draft(spec, int(article.id.split("-")[1]))).url
    now = draft(spec, 29).published_at
    for period in ingested.facets(site.id, now).periods:
        assert list(bulk.shard_rows(site.id, period, now)) == list(ingested.shard_rows(site.id, period, now))
    assert bulk.news_entries(site.id, now.replace(year=2000), now, 100) == ingested.news_entries(
        site.id, now.replace(year=2000), now, 100
    )
