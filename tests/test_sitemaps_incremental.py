"""Incremental sitemaps: a publish rewrites only its own part, the index and the news sitemap.

And whatever order changes come in, the incremental result equals a full rebuild of the same
final state, byte for byte.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from warta.adapters.directory_store import DirectoryStore
from warta.adapters.sqlite_index import SqliteIndex
from warta.app.ingest import ingest_event
from warta.app.outputs.sitemaps import listed_sitemaps, listing_stamp
from warta.app.render import render_pending
from warta.core.articles import Article, ArticleState, Tombstone
from warta.core.body import build_body
from warta.core.config import Deployment, SiteConfig
from warta.core.planner import OutputKey, plan, shard_period, site_wide_outputs
from warta.core.render import sitemaps
from warta.synthetic import ArchiveSpec, article_of, bulk_load, draft, event_of

SITEMAP_KINDS = {"shard", "sitemap_index", "news_sitemap"}


@dataclasses.dataclass
class Stack:
    site: SiteConfig
    index: SqliteIndex
    store: DirectoryStore
    root: Path

    @property
    def deployment(self) -> Deployment:
        return Deployment({self.site.id: self.site}, self.site.id)

    def render(self, now: datetime) -> list[str]:
        """Render what is queued; the sitemap files written or deleted."""
        report = render_pending(
            deployment=self.deployment, index=self.index, queue=self.index, store=self.store, now=now
        )
        return sorted(p for p in report.changed_paths if p.startswith("sitemap"))

    def rebuild_sitemaps(self, now: datetime) -> list[str]:
        periods = self.index.facets(self.site.id, now).periods
        self.index.push({OutputKey(self.site.id, "shard", p) for p in periods} | site_wide_outputs(self.site))
        return self.render(now)

    def apply(self, state: ArticleState, now: datetime) -> None:
        """What ingest does with a parsed event: write, then queue what it touched."""
        period = shard_period(state.published_at, self.site) if isinstance(state, Article) else None
        result = self.index.write(state, period, isinstance(state, Article) and state.is_visible(now))
        assert result.applied
        touched = plan(result.previous, state, self.site, now)
        self.index.push({key for key in touched if key.kind == "shard"})  # sitemaps only: fast

    def sitemap_tree(self) -> dict[str, bytes]:
        return {
            p.relative_to(self.root).as_posix(): p.read_bytes()
            for p in sorted(self.root.rglob("*"))
            if p.is_file() and (p.name.startswith("sitemap") or p.parent.name == "sitemaps")
        }

    def file_of(self, url: str) -> str:
        tree = self.sitemap_tree().items()
        (found,) = [
            p for p, data in tree if p.startswith("sitemaps/") and f"<loc>{url}</loc>".encode() in data
        ]
        return found


def make_stack(tmp: Path, site: SiteConfig, name: str = "a") -> Stack:
    root = tmp / name / "public"
    return Stack(
        site, SqliteIndex(tmp / name / "index.sqlite3"), DirectoryStore(root, tmp / name / "meta"), root
    )


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts of 20 URLs on average, so a small archive has many of them."""
    monkeypatch.setattr(sitemaps, "PART_MEAN_URLS", 20)


@pytest.fixture
def archive(tmp_path: Path, site: SiteConfig, small_parts: None) -> Iterator[tuple[Stack, ArchiveSpec]]:
    spec = ArchiveSpec(site, articles=2_000, per_day=50)  # 40 days: January and February 2020
    stack = make_stack(tmp_path, site)
    bulk_load(stack.index, spec)
    yield stack, spec
    stack.index.close()


def after_last(spec: ArchiveSpec) -> datetime:
    return draft(spec, spec.articles - 1).published_at + timedelta(hours=1)


def test_one_publish_rewrites_its_part_the_index_and_the_news_sitemap(
    archive: tuple[Stack, ArchiveSpec], site: SiteConfig
) -> None:
    stack, spec = archive
    now = after_last(spec)
    stack.rebuild_sitemaps(now)
    parts = [p for p in stack.sitemap_tree() if p.startswith("sitemaps/2020-02")]
    assert len(parts) > 10
    newest = draft(dataclasses.replace(spec, articles=spec.articles + 1), spec.articles)
    outcome = ingest_event(
        event_of(spec, newest),
        "new",
        deployment=stack.deployment,
        index=stack.index,
        queue=stack.index,
        now=now,
        build_body=build_body,
    )
    assert outcome.status == "accepted"
    written = stack.render(now)
    assert len(written) <= 3
    assert written == sorted([stack.file_of(newest.url), "sitemap.xml", "sitemap-news.xml"])
    assert stack.file_of(newest.url) == max(parts, key=lambda p: (len(p), p))  # the last part


def test_an_update_or_takedown_mid_month_rewrites_its_part_and_the_index(
    archive: tuple[Stack, ArchiveSpec],
) -> None:
    stack, spec = archive
    now = after_last(spec)
    stack.rebuild_sitemaps(now)
    old = article_of(spec, draft(spec, 1_500))  # mid-February, far outside the news window
    part = stack.file_of(old.url)
    stack.apply(dataclasses.replace(old, revision=2, updated_at=now - timedelta(minutes=5)), now)
    assert stack.render(now) == sorted([part, "sitemap.xml"])
    other = article_of(spec, draft(spec, 1_400))
    part = stack.file_of(other.url)
    stack.apply(Tombstone(other.site, other.id, 2), now)
    written = stack.render(now)
    if not sitemaps.ends_part(other.id):  # a takedown of a cut merges two parts: renumbering
        # The index changes only if the part's lastmod did (the newest entry went).
        assert part in written and set(written) <= {part, "sitemap.xml"}
    assert other.url.encode() not in b"".join(stack.sitemap_tree().values())


def test_publish_order_never_changes_the_bytes(tmp_path: Path, site: SiteConfig, small_parts: None) -> None:
    """Random publishes, backdated inserts, updates and takedowns, rendered incrementally,
    equal a full rebuild of the final state after every step."""
    sitemaps.PART_MEAN_URLS = 4  # undone by small_parts' monkeypatch
    spec = ArchiveSpec(site, articles=400, per_day=100)
    rng = random.Random(7)
    stack = make_stack(tmp_path, site)
    now = after_last(spec)
    live: dict[str, Article] = {}
    pending = list(range(spec.articles))
    rng.shuffle(pending)
    for step in range(80):
        for _ in range(rng.randint(1, 6)):
            roll = rng.random()
            if pending and (roll < 0.55 or not live):
                article = article_of(spec, draft(spec, pending.pop()))
            elif roll < 0.8:
                old = live[rng.choice(sorted(live))]
                article = dataclasses.replace(old, revision=old.revision + 1, updated_at=now)
            else:
                victim = live.pop(rng.choice(sorted(live)))
                stack.apply(Tombstone(victim.site, victim.id, victim.revision + 1), now)
                continue
            live[article.id] = article
            stack.apply(article, now)
        stack.render(now)
        if step % 10 == 9:
            fresh = make_stack(tmp_path, site, f"fresh{step}")
            fresh.index.write_many((a, shard_period(a.published_at, site), True) for a in live.values())
            fresh.rebuild_sitemaps(now)
            assert stack.sitemap_tree() == fresh.sitemap_tree(), f"step {step}"
            fresh.index.close()
    assert len(live) > 60


# --- the sitemap index's kept blocks --------------------------------------------------------


def from_scratch_index(stack: Stack) -> list[bytes]:
    """The index files as rendered from every shard part the index records (the reference)."""
    listed = listed_sitemaps(stack.site, stack.index)
    return sitemaps.render_sitemap_indexes(listed) if listed else []


def index_files(stack: Stack) -> list[bytes]:
    tree = stack.sitemap_tree()
    return [tree[p] for p in ("sitemap.xml", "sitemap-2.xml") if p in tree]


def test_the_index_and_robots_are_put_together_without_reading_the_shard_parts(
    archive: tuple[Stack, ArchiveSpec], monkeypatch: pytest.MonkeyPatch
) -> None:
    """O(1) in the archive: a publish's sitemap index and robots.txt read one block per period."""
    stack, spec = archive
    now = after_last(spec)
    stack.rebuild_sitemaps(now)
    read: list[str | None] = []
    real = stack.index.shard_parts
    monkeypatch.setattr(
        stack.index, "shard_parts", lambda site_id, period=None: read.append(period) or real(site_id, period)
    )
    old = article_of(spec, draft(spec, 1_500))
    stack.apply(dataclasses.replace(old, revision=2, updated_at=now - timedelta(minutes=5)), now)
    stack.index.push(site_wide_outputs(stack.site))
    stack.render(now)
    # The shard render's own period, nothing for the index.
    assert read == [shard_period(old.published_at, stack.site)]
    assert index_files(stack) == from_scratch_index(stack)


def test_an_index_from_before_kept_blocks_gets_them_all_once(archive: tuple[Stack, ArchiveSpec]) -> None:
    stack, spec = archive
    now = after_last(spec)
    stack.rebuild_sitemaps(now)
    robots = (stack.root / "robots.txt").read_bytes()
    with stack.index._db:
        stack.index._db.execute("DELETE FROM sitemap_listing")  # as an earlier release left it
    # A publish into February keeps February's block; January's is missing until made again.
    newest = article_of(spec, draft(dataclasses.replace(spec, articles=spec.articles + 1), spec.articles))
    stack.apply(newest, now)
    stack.index.push(site_wide_outputs(stack.site))
    stack.render(now)
    assert index_files(stack) == from_scratch_index(stack)
    assert from_scratch_index(stack)[0].count(b"<sitemap>") > 20  # January's parts are listed
    assert (stack.root / "robots.txt").read_bytes() == robots
    assert [b.period for b in stack.index.sitemap_listing(stack.site.id)] == ["", "2020-01", "2020-02"]


def test_a_config_change_makes_every_block_again(archive: tuple[Stack, ArchiveSpec]) -> None:
    stack, spec = archive
    now = after_last(spec)
    stack.rebuild_sitemaps(now)
    stack.site = dataclasses.replace(stack.site, sitemaps=dataclasses.replace(stack.site.sitemaps, gzip=True))
    stack.index.push(site_wide_outputs(stack.site))  # the index and robots.txt only: no shard
    stack.render(now)
    (index,) = index_files(stack)
    assert index == from_scratch_index(stack)[0]
    assert b".xml.gz</loc>" in index and b".xml</loc>" not in index
    assert b"sitemap.xml.gz" in (stack.root / "robots.txt").read_bytes()
    stamps = {b.stamp for b in stack.index.sitemap_listing(stack.site.id) if b.period}  # not the header
    assert stamps == {listing_stamp(stack.site)}


def test_a_period_whose_articles_all_go_leaves_the_index(tmp_path: Path, site: SiteConfig) -> None:
    spec = ArchiveSpec(site, articles=40, per_day=1)  # January 2020 and 9 days of February
    stack = make_stack(tmp_path, site)
    bulk_load(stack.index, spec)
    now = after_last(spec)
    stack.rebuild_sitemaps(now)
    assert b"2020-02" in index_files(stack)[0]
    for n in range(31, 40):
        gone = article_of(spec, draft(spec, n))
        stack.apply(Tombstone(gone.site, gone.id, 2), now)
    stack.index.push(site_wide_outputs(site))
    stack.render(now)
    (index,) = index_files(stack)
    assert b"2020-02" not in index and index == from_scratch_index(stack)[0]
    assert [b.period for b in stack.index.sitemap_listing(site.id)] == ["", "2020-01"]
    stack.index.close()
