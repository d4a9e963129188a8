"""Kept items (ArticleMemo): a warm process's feeds are byte for byte what a cold one writes.

Each test renders documents whose articles overlap, in an order that makes later documents
splice items kept by earlier ones, and compares every document with the same document rendered
with nothing kept (a memo that keeps nothing).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

import pytest
from lxml import etree

from warta.core.articles import Article, Author
from warta.core.body.model import Paragraph, Text
from warta.core.config import SiteConfig
from warta.core.render import atom, jsonfeed, rss
from warta.core.render.feed_fields import ArticleMemo, FeedOptions, guid
from warta.core.views import FeedView

WIB = timezone(timedelta(hours=7))
MakeArticle = Callable[..., Article]
Renderer = Callable[[FeedView, Sequence[Article], SiteConfig, FeedOptions | None], bytes]
RENDERERS: dict[str, Renderer] = {
    "rss": rss.render_rss,
    "atom": atom.render_atom,
    "json": jsonfeed.render_json_feed,
}
OPTIONS = [
    FeedOptions(),
    FeedOptions(hubs=("https://hub.example.org/",)),
    FeedOptions(enclosure=True),
    FeedOptions(snf_logo="https://www.andalpost.com/static/logo.png"),
    FeedOptions(carries_body=False),  # a summary-only feed must not take a full item, nor give one
]


def _memos(size: int) -> dict[tuple[object, str], ArticleMemo[object]]:
    return {
        (rss, "_items"): ArticleMemo(size),
        (atom, "_entries"): ArticleMemo(size),
        (jsonfeed, "_items"): ArticleMemo(size),
    }


@pytest.fixture(autouse=True)
def fresh_memos(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts warm-empty, whatever earlier tests kept."""
    for (module, name), memo in _memos(64).items():
        monkeypatch.setattr(module, name, memo)
    yield


def cold(
    render: Renderer, feed: FeedView, articles: Sequence[Article], site: SiteConfig, options: FeedOptions
) -> bytes:
    """The document with nothing kept, the memos left as they were."""
    saved = {(module, name): getattr(module, name) for module, name in _memos(0)}
    try:
        for (module, name), memo in _memos(0).items():
            setattr(module, name, memo)
        return render(feed, articles, site, options)
    finally:
        for (module, name), memo in saved.items():
            setattr(module, name, memo)


@pytest.fixture
def feed(site: SiteConfig) -> FeedView:
    return FeedView(
        path="feed/index.xml", title="Andalpost", link=site.base_url, description="", ttl_minutes=5
    )


@pytest.fixture
def articles(make_article: MakeArticle) -> list[Article]:
    """Newest first, every shape an item takes: image or not, body or not, authors or not."""
    base = datetime(2023, 9, 10, 19, 40, tzinfo=WIB)
    shapes = [
        {},
        {"image": None},
        {"access": "subscriber"},
        {"authors": ()},
        {"authors": (Author("Ani"), Author("Budi", "https://www.andalpost.com/author/budi"))},
        {"image": None, "authors": (), "tags": ()},
        {"title": 'Judul <b>tebal</b> & "kutip"', "body": (Paragraph((Text("<item>&"),)),)},
    ]
    return [
        make_article(id=str(100 + n), published_at=base - timedelta(hours=n), **shape)
        for n, shape in enumerate(shapes)
    ]


@pytest.mark.parametrize("kind", sorted(RENDERERS))
@pytest.mark.parametrize("options", OPTIONS, ids=["plain", "hub", "enclosure", "snf", "summary"])
def test_overlapping_documents_match_cold_renders(
    kind: str, options: FeedOptions, feed: FeedView, articles: list[Article], site: SiteConfig
) -> None:
    render = RENDERERS[kind]
    selections = [
        articles[:3],  # all fresh
        articles[1:5],  # kept and fresh mixed
        articles,  # mostly kept
        articles[::-1],  # kept, in another order
        articles[5:],  # only items without image: the media namespace goes
        [],  # an empty feed after kept items
        articles[2:4],  # all kept
    ]
    for selection in selections:
        for variant in (FeedOptions(), options):
            expected = cold(render, feed, selection, site, variant)
            assert render(feed, selection, site, variant) == expected
            assert render(feed, selection, site, variant) == expected  # every item kept
            # Spliced documents parse: every prefix an item uses is declared, items are whole.
            if kind == "json":
                assert [item["id"] for item in json.loads(expected)["items"]] == [
                    guid(site, a) for a in selection
                ]
            else:
                ids = etree.fromstring(expected).xpath(
                    "//guid/text() | //*[local-name()='entry']/*[local-name()='id']/text()"
                )
                assert ids == [guid(site, a) for a in selection]


@pytest.mark.parametrize("kind", sorted(RENDERERS))
def test_an_article_changed_under_the_same_revision_is_rendered_afresh(
    kind: str, feed: FeedView, articles: list[Article], site: SiteConfig
) -> None:
    render = RENDERERS[kind]
    render(feed, articles, site, None)
    edited = [replace(articles[0], title="Judul baru sama sekali"), *articles[1:]]
    body = render(feed, edited, site, None)
    assert b"Judul baru sama sekali" in body
    assert body == cold(render, feed, edited, site, FeedOptions())


def test_items_are_kept_per_enclosure_and_site_id(
    feed: FeedView, articles: list[Article], site: SiteConfig
) -> None:
    plain = rss.render_rss(feed, articles, site, FeedOptions())
    with_enclosure = rss.render_rss(feed, articles, site, FeedOptions(enclosure=True))
    assert etree.fromstring(plain).find("channel/item/enclosure") is None
    assert etree.fromstring(with_enclosure).find("channel/item/enclosure") is not None
    other = replace(site, id="lain")
    guids = etree.fromstring(rss.render_rss(feed, articles, other, None)).findall("channel/item/guid")
    assert [g.text for g in guids] == [f"lain:{a.id}" for a in articles]


def test_the_memo_is_bounded_and_forgets_the_least_recently_used(make_article: MakeArticle) -> None:
    memo: ArticleMemo[str] = ArticleMemo(3)
    kept = [make_article(id=str(n)) for n in range(4)]
    for article in kept[:3]:
        memo.put(article, article.id)
    assert memo.get(kept[0]) == "0"  # now the most recently used
    memo.put(kept[3], "3")
    assert len(memo) == 3
    assert memo.get(kept[1]) is None
    assert [memo.get(a) for a in (kept[0], kept[2], kept[3])] == ["0", "2", "3"]
    assert memo.get(kept[0], "other context") is None
    assert memo.get(replace(kept[0], revision=2)) is None


@pytest.mark.parametrize(
    ("sizes", "kept"),
    [
        ([4, 4, 4], 2),  # 12 bytes > 10: the oldest goes
        ([4, 4], 2),  # 8 bytes: both stay
        ([20], 1),  # one result past the bound stays (the document being made needs it)
        ([20, 1], 1),  # ... until the next comes
        ([], 0),
    ],
)
def test_the_memo_is_bounded_in_bytes(make_article: MakeArticle, sizes: list[int], kept: int) -> None:
    memo: ArticleMemo[bytes] = ArticleMemo(maxsize=100, maxbytes=10)
    articles = [make_article(id=str(n)) for n in range(len(sizes))]
    for article, size in zip(articles, sizes, strict=True):
        memo.put(article, b"x" * size)
    assert len(memo) == kept
    assert all(memo.get(a) is not None for a in articles[len(articles) - kept :])


@pytest.mark.parametrize("as_view", [False, True])
def test_the_memo_weighs_an_item_taken_as_a_view_of_kept_bytes_by_its_bytes(
    make_article: MakeArticle, as_view: bool
) -> None:
    """RSS items a new process takes from the index are views of the kept bytes (no copy):
    they weigh what they hold, as items made in the process do."""

    @dataclass(frozen=True)
    class Item:
        xml: bytes | memoryview

    memo: ArticleMemo[Item] = ArticleMemo(maxsize=100, maxbytes=10)
    articles = [make_article(id=str(n)) for n in range(3)]
    for article in articles:
        kept = b"prefix\n" + b"x" * 4
        memo.put(article, Item(memoryview(kept)[7:] if as_view else kept[7:]))
    assert len(memo) == 2  # 12 bytes > 10: the oldest goes
