"""Feed items kept in the index (app.outputs.feed_items): a process that splices items another
process kept writes every feed byte for byte as one that renders them all from nothing, and an
item kept for another revision, variant or item format is never spliced."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warta.adapters.sqlite_index import SqliteIndex
from warta.app.outputs.changes import Put
from warta.app.outputs.feed_items import forget_recent_items
from warta.app.outputs.feeds import render_feed_output
from warta.core.articles import Article, Author, HeroImage, Section, body_left_out
from warta.core.body.model import Figure, Image, Paragraph, Text
from warta.core.config import SiteConfig
from warta.core.planner import OutputKey, shard_period
from warta.core.ports import ArticleIndex, FeedItem, ForwardingIndex
from warta.core.render.body_html import render_body_html
from warta.core.render.feed_fields import forget_rendered_items
from warta.core.render.feed_profiles import (
    BODY_FACTS_VARIANT,
    BodyFacts,
    ProfileSelection,
    body_facts,
    facts_bytes,
    facts_from_bytes,
    select_for_profile,
)

from conftest import WIB

NOW = datetime(2023, 9, 21, 12, 0, tzinfo=WIB)
MakeArticle = Callable[..., Article]
FEEDS = ["home", "section:nasional", "tag:jakarta", "author:redaksi-andalpost"]


def _articles(make_article: MakeArticle, site: SiteConfig) -> list[Article]:
    """Items unlike each other: bodies with figures, subscriber articles, no image, http URLs,
    several authors, HTML-looking titles (left out of some profiles)."""
    made = []
    for n in range(12):
        figure = Figure(Image(f"{site.base_url}/img/body-{n}.jpg", "alt", 800 if n % 2 else 300, 450))
        made.append(
            make_article(
                id=f"a{n}",
                revision=1 + n % 3,
                url=f"{'http' if n == 7 else 'https'}://www.andalpost.com/nasional/berita-{n}",
                title=f"Berita nomor {n} tentang <b>Jakarta</b>"
                if n == 5
                else f"Berita panjang nomor {n} hari ini",
                section=Section("nasional", "Nasional") if n % 4 else Section("ekonomi", "Ekonomi"),
                tags=("Jakarta", f"Topik {n % 3}"),
                authors=(Author("Redaksi Andalpost"),) + ((Author(f"Penulis {n}"),) if n % 2 else ()),
                published_at=datetime(2023, 9, 10, 8, 0, tzinfo=WIB) + timedelta(hours=7 * n),
                image=None if n % 5 == 3 else HeroImage(f"{site.base_url}/img/{n}.jpg", 1200, 675, "Alt"),
                access="subscriber" if n == 4 else "free",
                body=(Paragraph((Text(f"Paragraf {n} & <teks>."),)), figure) if n != 9 else (),
            )
        )
    return made


@pytest.fixture
def index(tmp_path: Path, site: SiteConfig, make_article: MakeArticle) -> Iterator[SqliteIndex]:
    local = SqliteIndex(tmp_path / "index.sqlite")
    for article in _articles(make_article, site):
        assert local.write(article, shard_period(article.published_at, site), True).applied
    yield local
    local.close()


def forget() -> None:
    """What a new process has in memory: nothing rendered, nothing read."""
    forget_rendered_items()
    forget_recent_items()


@pytest.fixture(autouse=True)
def cold_process() -> Iterator[None]:
    forget()
    yield
    forget()


def _render(index: ArticleIndex, site: SiteConfig, name: str) -> dict[str, bytes]:
    changes = render_feed_output(OutputKey(site.id, "feed", name), site, index, NOW)
    return {change.path: change.body for change in changes if isinstance(change, Put)}


class NothingKept(ForwardingIndex):
    """The index as feeds saw it before items were kept: whole articles, no kept item."""

    def latest(
        self,
        site: str,
        now: datetime,
        limit: int,
        section: str | None = None,
        tag: str | None = None,
        author: str | None = None,
        bodies: bool = True,
    ) -> list[Article]:
        return super().latest(site, now, limit, section=section, tag=tag, author=author)

    def feed_items(
        self, site: str, articles: Sequence[tuple[str, int]], variants: Sequence[str]
    ) -> list[FeedItem]:
        return []

    def keep_feed_items(self, site: str, items: Sequence[FeedItem]) -> None:
        pass


def _from_nothing(index: SqliteIndex, site: SiteConfig, name: str) -> dict[str, bytes]:
    """The documents with no item kept anywhere, every article read whole (memory emptied first
    and after; the index's kept items left alone)."""
    forget()
    try:
        changes = render_feed_output(OutputKey(site.id, "feed", name), site, NothingKept(index), NOW)
        return {change.path: change.body for change in changes if isinstance(change, Put)}
    finally:
        forget()


def _db(index: SqliteIndex) -> sqlite3.Connection:
    return index._db  # the test reaches into the file: it plants and counts kept items


def _kept(index: SqliteIndex) -> int:
    return int(_db(index).execute("SELECT count(*) FROM feed_items").fetchone()[0])


@pytest.mark.parametrize("name", FEEDS)
def test_a_cold_process_splicing_kept_items_writes_the_same_bytes(
    index: SqliteIndex, site: SiteConfig, name: str
) -> None:
    expected = _from_nothing(index, site, name)
    assert expected and _kept(index) == 0
    assert expected == _from_nothing(index, site, name)  # repeatable, or nothing is proven
    assert _render(index, site, name) == expected  # renders every item, keeps them
    assert _kept(index) > 0
    forget()  # a new process: every item comes from the index
    assert _render(index, site, name) == expected


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kept=st.sets(st.sampled_from([f"a{n}" for n in range(12)])), name=st.sampled_from(FEEDS))
def test_any_mix_of_kept_and_made_items_is_the_document_from_nothing(
    index: SqliteIndex, site: SiteConfig, kept: set[str], name: str
) -> None:
    expected = _from_nothing(index, site, name)
    _render(index, site, name)
    marks = ", ".join("?" * len(kept))
    _db(index).execute(f"DELETE FROM feed_items WHERE id NOT IN ({marks})", sorted(kept))
    forget()
    assert _render(index, site, name) == expected
    forget()


# The home feed reads whole articles (its items carry bodies, its profiles' rules read them); a
# tag feed's summary items read no body, and it reads its articles without.
@pytest.mark.parametrize(
    ("name", "path"), [("home", "feed/index.xml"), ("tag:jakarta", "feed/tag/jakarta.xml")]
)
def test_the_kept_bytes_are_what_a_cold_process_splices(
    index: SqliteIndex, site: SiteConfig, name: str, path: str
) -> None:
    """Not rendered again: an item planted in the index shows in the document (so the test
    above can fail), until its article changes."""
    _render(index, site, name)
    forget()
    _db(index).execute(
        "UPDATE feed_items SET data = CAST(replace(CAST(data AS TEXT), 'Berita panjang nomor 11',"
        " 'PLANTED') AS BLOB) WHERE id = 'a11'"
    )
    assert b"PLANTED" in _render(index, site, name)[path]
    changed = replace(index.get(site.id, "a11"), revision=9)  # type: ignore[type-var]
    assert isinstance(changed, Article)
    assert index.write(changed, shard_period(changed.published_at, site), True).applied
    forget()
    assert b"PLANTED" not in _render(index, site, name)[path]


@pytest.mark.parametrize(
    "stale",
    [
        "revision = revision + 1",  # kept for another revision of the article
        "variant = replace(variant, 'rss.1|', 'rss.0|')",  # made by another item format
        "variant = replace(variant, 'body=1', 'body=0')",  # for summary-only feeds
    ],
)
def test_an_item_kept_for_something_else_is_made_again(
    index: SqliteIndex, site: SiteConfig, stale: str
) -> None:
    expected = _from_nothing(index, site, "home")
    _render(index, site, "home")
    _db(index).execute(
        f"UPDATE feed_items SET {stale}, data = CAST('<item>STALE</item>' AS BLOB)"
        " WHERE variant LIKE 'rss.1|%'"
    )
    forget()
    assert _render(index, site, "home") == expected


class CountingIndex(ForwardingIndex):
    """Counts the kept items asked of the index."""

    def __init__(self, index: SqliteIndex) -> None:
        super().__init__(index)
        self.asked = 0

    def feed_items(
        self, site: str, articles: Sequence[tuple[str, int]], variants: Sequence[str]
    ) -> list[FeedItem]:
        self.asked += 1
        return super().feed_items(site, articles, variants)


def test_the_feeds_of_one_run_ask_the_index_for_an_item_once(index: SqliteIndex, site: SiteConfig) -> None:
    """The section feed reads no bodies: its articles are other values than the home feed's,
    yet it takes the items the home feed made from what the process remembers."""
    counting = CountingIndex(index)
    expected = _from_nothing(index, site, "section:nasional")
    render_feed_output(OutputKey(site.id, "feed", "home"), site, counting, NOW)
    asked = counting.asked
    changes = render_feed_output(OutputKey(site.id, "feed", "section:nasional"), site, counting, NOW)
    assert counting.asked == asked
    assert {c.path: c.body for c in changes if isinstance(c, Put)} == expected


@pytest.mark.parametrize("name", ["section:nasional", "tag:jakarta"])
def test_items_kept_of_another_index_are_not_taken(
    index: SqliteIndex, site: SiteConfig, tmp_path: Path, name: str
) -> None:
    """One process, two indexes holding one article at one revision with different bodies (a
    test run, a reloaded archive): each index's feeds carry their own article's items."""
    other = SqliteIndex(tmp_path / "other.sqlite")
    try:
        for article in index.latest(site.id, NOW, 50):
            changed = article.with_body((Paragraph((Text(f"Isi lain {article.id}."),)),))
            assert other.write(changed, shard_period(changed.published_at, site), True).applied
        expected = _from_nothing(other, site, name)
        _render(index, site, name)  # the first index keeps its items
        forget()
        _render(index, site, name)  # a new process takes them, its articles read without bodies
        assert _render(other, site, name) == expected
    finally:
        other.close()


def test_an_article_read_without_its_body_is_never_rendered_as_if_it_had_none(
    index: SqliteIndex, site: SiteConfig
) -> None:
    (article,) = index.latest(site.id, NOW, 1, bodies=False)
    (whole,) = index.latest(site.id, NOW, 1)
    assert body_left_out(article) and not body_left_out(whole)
    with pytest.raises(KeyError):
        render_body_html(article.body)
    # Equal to itself only: not to the article read whole, nor to another read without its body.
    assert article == article
    assert article != whole and article != replace(whole, body=())
    once, twice = (Article.from_json_without_body(whole.to_json()) for _ in range(2))
    assert once != twice and replace(once, body=()) == replace(twice, body=())


class BodiesAsked(ForwardingIndex):
    """Records, for each `latest`, whether it read the bodies, and the articles read by URL."""

    def __init__(self, index: SqliteIndex) -> None:
        super().__init__(index)
        self.bodies: list[bool] = []
        self.by_url: list[str] = []

    def live_by_url(self, site: str, url: str, now: datetime) -> Article | None:
        self.by_url.append(url)
        return super().live_by_url(site, url, now)

    def latest(
        self,
        site: str,
        now: datetime,
        limit: int,
        section: str | None = None,
        tag: str | None = None,
        author: str | None = None,
        bodies: bool = True,
    ) -> list[Article]:
        self.bodies.append(bodies)
        return super().latest(site, now, limit, section=section, tag=tag, author=author, bodies=bodies)


def test_a_full_text_feed_without_profiles_reads_bodies_only_to_make_an_item(
    index: SqliteIndex, site: SiteConfig
) -> None:
    """The section feed carries bodies and has no profiles: with its items kept (here by a
    process before) it reads its articles without bodies; with one missing, that one whole
    (by its URL); with more missing than it reads one by one, its list whole again. The same
    bytes every time."""
    name = "section:nasional"
    expected = _from_nothing(index, site, name)
    asking = BodiesAsked(index)
    changes = render_feed_output(OutputKey(site.id, "feed", name), site, asking, NOW)
    assert asking.bodies == [False, True]  # nothing kept yet: every item is made
    assert asking.by_url == []
    assert {c.path: c.body for c in changes if isinstance(c, Put)} == expected
    forget()
    _db(index).execute("DELETE FROM feed_items WHERE id = 'a10'")  # one item is missing
    asking.bodies.clear()
    changes = render_feed_output(OutputKey(site.id, "feed", name), site, asking, NOW)
    assert asking.bodies == [False]
    assert asking.by_url == ["https://www.andalpost.com/nasional/berita-10"]
    assert {c.path: c.body for c in changes if isinstance(c, Put)} == expected
    forget()
    asking.bodies.clear()
    changes = render_feed_output(OutputKey(site.id, "feed", name), site, asking, NOW)
    assert asking.bodies == [False]  # every item kept: no body read
    assert {c.path: c.body for c in changes if isinstance(c, Put)} == expected


def _selection(selection: ProfileSelection) -> tuple[list[str], list[tuple[str, str, str]]]:
    return [a.id for a in selection.kept], [(f.article_id, f.rule, f.reason) for f in selection.excluded]


def test_profile_rules_read_the_body_facts_as_they_read_the_body(
    index: SqliteIndex, site: SiteConfig
) -> None:
    """Bodies with figures narrow and wide, an empty body, a subscriber article: each profile
    keeps and leaves out the same articles, for the same reasons, from the facts alone."""
    whole = index.latest(site.id, NOW, 50)
    without = index.latest(site.id, NOW, 50, bodies=False)
    facts = {a.id: body_facts(a) for a in whole}
    profiles = [v.profile for spec in site.feeds for v in spec.all_variants() if v.profile is not None]
    assert {p.name for p in profiles} == {"google-news", "msn", "flipboard", "smartnews"}
    for profile in profiles:
        assert _selection(select_for_profile(profile, without, facts)) == _selection(
            select_for_profile(profile, whole)
        )
    excluded = {f.rule for p in profiles for f in select_for_profile(p, whole).excluded}
    assert {"full_text", "require_body", "required_image_width"} <= excluded  # the facts matter


@given(st.booleans(), st.booleans(), st.none() | st.integers(min_value=0, max_value=2**40))
def test_body_facts_are_kept_as_they_were_made(has_blocks: bool, has_text: bool, widest: int | None) -> None:
    facts = BodyFacts(has_blocks, has_text, widest)
    assert facts_from_bytes(facts_bytes(facts)) == facts


def _facts_kept(index: SqliteIndex) -> dict[str, list[object]]:
    rows = _db(index).execute("SELECT id, data FROM feed_items WHERE variant = ?", (BODY_FACTS_VARIANT,))
    return {article_id: json.loads(data) for article_id, data in rows}


def test_the_home_feed_reads_bodies_only_to_make_an_item_or_body_facts(
    index: SqliteIndex, site: SiteConfig
) -> None:
    """The home feed carries bodies and has profiles: once its items and its articles' body facts
    are kept, a new process reads no body; with one article's facts missing, that article whole
    (by its URL), and its facts are kept again. The same bytes every time."""
    expected = _from_nothing(index, site, "home")
    asking = BodiesAsked(index)
    assert _render(asking, site, "home") == expected  # type: ignore[arg-type]
    assert asking.bodies == [False, True]  # nothing kept yet: the list read whole
    facts = _facts_kept(index)
    assert set(facts) == {f"a{n}" for n in range(12)}
    assert facts["a9"] == [False, False, None] and facts["a1"] == [True, True, 800]
    for missing in ([], ["a3"]):
        forget()
        _db(index).executemany(
            "DELETE FROM feed_items WHERE id = ? AND variant = ?", [(m, BODY_FACTS_VARIANT) for m in missing]
        )
        asking.bodies.clear()
        asking.by_url.clear()
        assert _render(asking, site, "home") == expected  # type: ignore[arg-type]
        assert asking.bodies == [False]
        assert asking.by_url == [f"https://www.andalpost.com/nasional/berita-{m[1:]}" for m in missing]
        assert _facts_kept(index) == facts


def test_the_kept_body_facts_are_what_profiles_read(index: SqliteIndex, site: SiteConfig) -> None:
    """Not made again from the body: facts planted in the index decide (so the test above can
    fail), until the article changes."""
    _render(index, site, "home")
    forget()
    path = "feed/msn/index.xml"
    assert b"berita-11<" in _render(index, site, "home")[path]
    _db(index).execute(
        "UPDATE feed_items SET data = CAST('[true, false, null]' AS BLOB) WHERE id = 'a11' AND variant = ?",
        (BODY_FACTS_VARIANT,),
    )
    forget()
    assert b"berita-11<" not in _render(index, site, "home")[path]  # "no body text", says the plant
    changed = replace(index.get(site.id, "a11"), revision=9)  # type: ignore[type-var]
    assert isinstance(changed, Article)
    assert index.write(changed, shard_period(changed.published_at, site), True).applied
    forget()
    assert b"berita-11<" in _render(index, site, "home")[path]


class ChangedSince(BodiesAsked):
    """An index whose articles all moved on after the feed read its list (by URL, none is at the
    revision the list names)."""

    def live_by_url(self, site: str, url: str, now: datetime) -> Article | None:
        found = super().live_by_url(site, url, now)
        return None if found is None else replace(found, revision=found.revision + 1)


def test_a_feed_reads_its_list_whole_when_an_article_read_whole_is_not_the_one_listed(
    index: SqliteIndex, site: SiteConfig
) -> None:
    expected = _from_nothing(index, site, "home")
    _render(index, site, "home")
    forget()
    _db(index).execute("DELETE FROM feed_items WHERE id = 'a3'")  # its items and facts
    changed = ChangedSince(index)
    assert _render(changed, site, "home") == expected  # type: ignore[arg-type]
    assert changed.bodies == [False, True]
    assert changed.by_url == ["https://www.andalpost.com/nasional/berita-3"]
