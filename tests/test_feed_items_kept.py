"""Feed items kept in the index (app.outputs.feed_items): a process that splices items another
process kept writes every feed byte for byte as one that renders them all from nothing, and an
item kept for another revision, variant or item format is never spliced."""

from __future__ import annotations

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
from warta.core.ports import FeedItem, ForwardingIndex
from warta.core.render.body_html import render_body_html
from warta.core.render.feed_fields import forget_rendered_items

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


def _render(index: SqliteIndex, site: SiteConfig, name: str) -> dict[str, bytes]:
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
    """Records, for each `latest`, whether it read the bodies."""

    def __init__(self, index: SqliteIndex) -> None:
        super().__init__(index)
        self.bodies: list[bool] = []

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
    process before) it reads its articles without bodies; with one missing, whole again, and
    the same bytes either way."""
    name = "section:nasional"
    expected = _from_nothing(index, site, name)
    asking = BodiesAsked(index)
    changes = render_feed_output(OutputKey(site.id, "feed", name), site, asking, NOW)
    assert asking.bodies == [False, True]  # nothing kept yet: every item is made
    assert {c.path: c.body for c in changes if isinstance(c, Put)} == expected
    forget()
    _db(index).execute("DELETE FROM feed_items WHERE id = 'a10'")  # one item is missing
    asking.bodies.clear()
    changes = render_feed_output(OutputKey(site.id, "feed", name), site, asking, NOW)
    assert asking.bodies == [False, True]
    assert {c.path: c.body for c in changes if isinstance(c, Put)} == expected
    forget()
    asking.bodies.clear()
    changes = render_feed_output(OutputKey(site.id, "feed", name), site, asking, NOW)
    assert asking.bodies == [False]  # every item kept: no body read
    assert {c.path: c.body for c in changes if isinstance(c, Put)} == expected
