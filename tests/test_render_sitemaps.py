"""Sitemaps: shard parts within the sitemaps.org limits, the index, the news sitemap, robots.txt.

Every urlset is validated against the published schemas (../shared/xsd) with lxml.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from warta.core.articles import Article
from warta.core.config import SiteConfig
from warta.core.render import sitemaps
from warta.core.render.html_out import escape_text
from warta.core.render.sitemaps import (
    IMAGES_PER_URL_LIMIT,
    NEWS_URL_LIMIT,
    SITEMAP_URL_LIMIT,
    render_news_sitemap,
    render_robots_txt,
    render_shard_parts,
    render_sitemap_index,
)
from warta.core.views import IndexedSitemap, KeptNewsEntry, NewsEntry, SitemapEntry, SitemapImage

from conftest import shared_path

WIB = timezone(timedelta(hours=7))
BASE = datetime(2023, 9, 1, 8, 30, tzinfo=WIB)
NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "image": "http://www.google.com/schemas/sitemap-image/1.1",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}
HOSTILE = '<b>Drama</b> & "quotes"'
MakeArticle = Callable[..., Article]


@pytest.fixture(scope="module")
def urlset_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(shared_path("xsd", "urlset-all.xsd"))))


@pytest.fixture(scope="module")
def index_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(shared_path("xsd", "siteindex.xsd"))))


def entries(count: int, images: int = 0) -> list[SitemapEntry]:
    """Cheap entries: one shared datetime, images only when asked for."""
    pictures = tuple(SitemapImage(f"https://www.andalpost.com/img/{n}.jpg") for n in range(images))
    return [
        SitemapEntry(f"https://www.andalpost.com/nasional/berita-{n}", BASE, pictures) for n in range(count)
    ]


def assert_valid(schema: etree.XMLSchema, data: bytes) -> etree._Element:
    root = etree.fromstring(data)
    assert schema.validate(root), schema.error_log
    return root


# --- shards ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "expected_parts"),
    [(0, 0), (1, 1), (SITEMAP_URL_LIMIT, 1), (SITEMAP_URL_LIMIT + 1, 2)],
)
def test_url_limit_boundaries(count: int, expected_parts: int, urlset_schema: etree.XMLSchema) -> None:
    parts = render_shard_parts(entries(count))
    assert len(parts) == expected_parts
    assert sum(part.url_count for part in parts) == count
    assert all(part.url_count <= SITEMAP_URL_LIMIT for part in parts)
    for part in parts:
        root = assert_valid(urlset_schema, part.body)
        assert len(root) == part.url_count


def test_parts_keep_the_callers_order_across_the_split() -> None:
    given = entries(SITEMAP_URL_LIMIT + 3)
    parts = render_shard_parts(given)
    locs = [
        loc
        for part in parts
        for loc in etree.fromstring(part.body).xpath("s:url/s:loc/text()", namespaces=NS)
    ]
    assert locs == [entry.url for entry in given]
    assert [part.url_count for part in parts] == [SITEMAP_URL_LIMIT, 3]


def test_entries_may_be_a_generator() -> None:
    parts = render_shard_parts(entry for entry in entries(3))
    assert [part.url_count for part in parts] == [3]


def test_loc_lastmod_and_images(urlset_schema: etree.XMLSchema) -> None:
    given = [
        SitemapEntry(
            "https://www.andalpost.com/a?x=1&y=2",
            datetime(2023, 9, 10, 19, 40, 12, 345678, tzinfo=WIB),
            (SitemapImage("https://www.andalpost.com/img/a.jpg", caption=HOSTILE),),
        ),
        SitemapEntry("https://www.andalpost.com/b", datetime(2023, 9, 9, 1, 2, 3, tzinfo=UTC)),
    ]
    (part,) = render_shard_parts(given)
    root = assert_valid(urlset_schema, part.body)
    assert root.xpath("s:url/s:loc/text()", namespaces=NS) == [
        "https://www.andalpost.com/a?x=1&y=2",
        "https://www.andalpost.com/b",
    ]
    # W3C datetime to the second, in each entry's own offset.
    assert root.xpath("s:url/s:lastmod/text()", namespaces=NS) == [
        "2023-09-10T19:40:12+07:00",
        "2023-09-09T01:02:03+00:00",
    ]
    assert root.xpath("s:url[1]/image:image/image:loc/text()", namespaces=NS) == [
        "https://www.andalpost.com/img/a.jpg"
    ]
    # image:caption is deprecated by Google: never written.
    assert root.xpath("//image:caption", namespaces=NS) == []
    assert part.url_count == 2
    assert part.lastmod == given[0].lastmod


def test_part_lastmod_is_the_newest_entry_whatever_the_order() -> None:
    given = [
        SitemapEntry("https://www.andalpost.com/a", BASE),
        SitemapEntry("https://www.andalpost.com/b", BASE + timedelta(days=2)),
        SitemapEntry("https://www.andalpost.com/c", BASE + timedelta(days=1)),
    ]
    assert render_shard_parts(given)[0].lastmod == BASE + timedelta(days=2)


def test_image_namespace_only_in_parts_that_use_it(
    monkeypatch: pytest.MonkeyPatch, urlset_schema: etree.XMLSchema
) -> None:
    monkeypatch.setattr(sitemaps, "SITEMAP_URL_LIMIT", 2)
    given = entries(2) + entries(1, images=1)
    plain, with_images = render_shard_parts(given)
    assert set(etree.fromstring(plain.body).nsmap) == {None}
    assert b"sitemap-image" not in plain.body
    assert set(etree.fromstring(with_images.body).nsmap) == {None, "image"}
    for part in (plain, with_images):
        assert_valid(urlset_schema, part.body)


def test_images_per_url_are_capped(urlset_schema: etree.XMLSchema) -> None:
    (part,) = render_shard_parts(entries(1, images=IMAGES_PER_URL_LIMIT + 5))
    root = assert_valid(urlset_schema, part.body)
    assert len(root.xpath("//image:image", namespaces=NS)) == IMAGES_PER_URL_LIMIT


@pytest.mark.parametrize("images", [0, 3])
def test_byte_limit_splits_exactly_at_the_limit(
    images: int, monkeypatch: pytest.MonkeyPatch, urlset_schema: etree.XMLSchema
) -> None:
    given = entries(10, images=images)
    (whole,) = render_shard_parts(given)
    (first_four,) = render_shard_parts(given[:4])
    # A limit that fits four entries to the byte: the part is cut after exactly four.
    monkeypatch.setattr(sitemaps, "SITEMAP_BYTE_LIMIT", len(first_four.body))
    parts = render_shard_parts(given)
    assert parts[0].body == first_four.body
    assert [part.url_count for part in parts] == [4, 4, 2]
    # One byte less and the fourth entry no longer fits.
    monkeypatch.setattr(sitemaps, "SITEMAP_BYTE_LIMIT", len(first_four.body) - 1)
    assert [part.url_count for part in render_shard_parts(given)] == [3, 3, 3, 1]
    for part in parts:
        assert len(part.body) <= len(first_four.body)
        assert_valid(urlset_schema, part.body)
    assert sum(part.url_count for part in parts) == whole.url_count


def test_byte_accounting_matches_the_output_for_awkward_urls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The split is decided on computed sizes; escapes and UTF-8 must be counted exactly."""
    awkward = [
        SitemapEntry("https://www.andalpost.com/a?x=1&y=<2>", BASE),
        SitemapEntry("https://www.andalpost.com/berita/kopi-ñ-日本", BASE, entries(1, 2)[0].images),
        SitemapEntry("https://www.andalpost.com/c?q=&amp;", BASE + timedelta(microseconds=5)),
    ]
    for end in range(1, len(awkward) + 1):
        (exact,) = render_shard_parts(awkward[:end])
        monkeypatch.setattr(sitemaps, "SITEMAP_BYTE_LIMIT", len(exact.body))
        assert [part.url_count for part in render_shard_parts(awkward[:end])] == [end]
        monkeypatch.setattr(sitemaps, "SITEMAP_BYTE_LIMIT", len(exact.body) - 1)
        assert len(render_shard_parts(awkward[:end])) == (2 if end > 1 else 1)
        monkeypatch.undo()


def test_mixed_image_parts_count_the_namespace_declaration(monkeypatch: pytest.MonkeyPatch) -> None:
    given = entries(2) + entries(1, images=1)
    (exact,) = render_shard_parts(given)
    monkeypatch.setattr(sitemaps, "SITEMAP_BYTE_LIMIT", len(exact.body) - 1)
    parts = render_shard_parts(given)
    assert [part.url_count for part in parts] == [2, 1]
    assert all(len(part.body) < len(exact.body) for part in parts)


def test_shards_are_deterministic() -> None:
    given = entries(5, images=2)
    assert render_shard_parts(given) == render_shard_parts(given)


# --- index ----------------------------------------------------------------------------------


def test_sitemap_index(index_schema: etree.XMLSchema) -> None:
    data = render_sitemap_index(
        [
            IndexedSitemap("https://www.andalpost.com/sitemaps/2023-09.xml", BASE),
            IndexedSitemap("https://www.andalpost.com/sitemaps/2023-08-2.xml?a=1&b=2", None),
        ]
    )
    root = assert_valid(index_schema, data)
    assert root.xpath("s:sitemap/s:loc/text()", namespaces=NS) == [
        "https://www.andalpost.com/sitemaps/2023-09.xml",
        "https://www.andalpost.com/sitemaps/2023-08-2.xml?a=1&b=2",
    ]
    assert root.xpath("s:sitemap/s:lastmod/text()", namespaces=NS) == ["2023-09-01T08:30:00+07:00"]
    assert render_sitemap_index([]) == render_sitemap_index([])


def test_empty_index_is_well_formed_and_says_why_it_is_not_valid(
    index_schema: etree.XMLSchema,
) -> None:
    root = etree.fromstring(render_sitemap_index([]))
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    assert len(root) == 0
    # The official schema wants at least one <sitemap>; nothing else may be wrong.
    assert not index_schema.validate(root)
    assert [e.message for e in index_schema.error_log] == [
        "Element '{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex': Missing child"
        " element(s). Expected is one of ( ##other{http://www.sitemaps.org/schemas/sitemap/0.9}*,"
        " {http://www.sitemaps.org/schemas/sitemap/0.9}sitemap )."
    ]


# --- news -----------------------------------------------------------------------------------


def test_news_sitemap(make_article: MakeArticle, site: SiteConfig, urlset_schema: etree.XMLSchema) -> None:
    articles = [
        make_article(id="3", title=HOSTILE),
        make_article(id="2", language="id-ID", published_at=datetime(2023, 9, 10, 1, 0, tzinfo=UTC)),
        make_article(id="1", language="zh-TW"),
    ]
    root = assert_valid(urlset_schema, render_news_sitemap(articles, site))
    assert set(root.nsmap) == {None, "news"}
    assert root.xpath("s:url/s:loc/text()", namespaces=NS) == [a.url for a in articles]
    news = root.xpath("s:url/news:news", namespaces=NS)
    assert [n.findtext("news:publication/news:name", namespaces=NS) for n in news] == ["Andalpost"] * 3
    assert [n.findtext("news:publication/news:language", namespaces=NS) for n in news] == [
        "id",
        "id",
        "zh-tw",
    ]
    assert [n.findtext("news:publication_date", namespaces=NS) for n in news] == [
        "2023-09-10T19:40:00+07:00",
        "2023-09-10T01:00:00+00:00",
        "2023-09-10T19:40:00+07:00",
    ]
    assert news[0].findtext("news:title", namespaces=NS) == HOSTILE


def test_news_sitemap_keeps_at_most_the_google_limit(
    make_article: MakeArticle, site: SiteConfig, urlset_schema: etree.XMLSchema
) -> None:
    article = make_article()
    root = assert_valid(urlset_schema, render_news_sitemap([article] * (NEWS_URL_LIMIT + 1), site))
    assert len(root) == NEWS_URL_LIMIT


# Text the template must write as lxml does: its four escapes, characters outside ASCII and the
# BMP; now and then a character lxml refuses (handed to lxml, which raises).
REFUSED = "\x00\x08\x0b\x0c\x0e\x1f\ud800\udfff\ufffe\uffff"
ALLOWED = st.one_of(
    st.sampled_from("&<>\r\n\t\"' \x7f\x85\u2028\ufeff é𝄞"),
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=REFUSED),
)
NEWS_TEXT = st.text(alphabet=ALLOWED, max_size=30)


@settings(max_examples=300, deadline=None)
@given(
    url=NEWS_TEXT,
    title=NEWS_TEXT,
    language=st.one_of(st.sampled_from(["id", "en-US", "zh_TW", " ZH-cn ", "pt-br"]), NEWS_TEXT),
    site_name=NEWS_TEXT,
    refused=st.one_of(st.none(), st.tuples(st.integers(0, 3), st.sampled_from(REFUSED))),
    offset_minutes=st.integers(-14 * 60, 14 * 60),
)
def test_news_entries_are_the_bytes_lxml_writes(
    site: SiteConfig,
    url: str,
    title: str,
    language: str,
    site_name: str,
    refused: tuple[int, str] | None,
    offset_minutes: int,
) -> None:
    """An entry as the template makes it, and as an index keeps it (the site's name left out,
    put in by the sitemap), is lxml's; text lxml refuses raises as lxml does."""
    texts = [url, title, language, site_name]
    if refused is not None:
        field, character = refused
        texts[field] += character
    published = datetime(2023, 9, 10, 19, 40, 5, tzinfo=timezone(timedelta(minutes=offset_minutes)))
    entry = NewsEntry(texts[0], texts[1], texts[2], published)
    named = dataclasses.replace(site, name=texts[3])
    try:
        expected = sitemaps._news_fragment_by_lxml(*texts[:3], published, texts[3])
    except ValueError:  # UnicodeEncodeError too
        with pytest.raises(ValueError):
            render_news_sitemap([entry], named)
        return
    whole = sitemaps._NEWS_URLSET_OPEN + expected + sitemaps._URLSET_CLOSE
    assert render_news_sitemap([entry], named) == whole
    kept = sitemaps.news_fragment(entry)
    if kept is None:  # a refused character lxml writes none of (stripped from the language)
        assert refused is not None and refused[0] != 3
        return
    assert kept.replace(sitemaps.NEWS_NAME_SLOT, escape_text(texts[3]).encode()) == expected
    assert render_news_sitemap([KeptNewsEntry(entry.url, kept)], named) == whole


NEWS_ENTRY = st.builds(
    NewsEntry,
    url=NEWS_TEXT,
    title=NEWS_TEXT,
    language=st.one_of(st.sampled_from(["id", "en-US", "zh_TW", " ZH-cn ", "pt-br"]), NEWS_TEXT),
    published_at=st.integers(-14 * 60, 14 * 60).map(
        lambda m: datetime(2023, 9, 10, 19, 40, 5, tzinfo=timezone(timedelta(minutes=m)))
    ),
)


@settings(max_examples=200, deadline=None)
@given(
    first=st.lists(NEWS_ENTRY, min_size=1, max_size=6),
    second=st.lists(NEWS_ENTRY, max_size=3),
    site_name=NEWS_TEXT,
)
def test_news_sitemap_is_what_lxml_writes_also_from_kept_entries(
    site: SiteConfig, first: list[NewsEntry], second: list[NewsEntry], site_name: str
) -> None:
    # The second sitemap shares the first's entries (kept from the first call) but one.
    named = dataclasses.replace(site, name=site_name)
    for entries in (first, second + first[1:], first):
        assert render_news_sitemap(entries, named) == sitemaps._write_news_urlset(entries, site_name)
    # The index's kept entries among made ones: every other entry kept finished.
    mixed = [
        KeptNewsEntry(e.url, sitemaps.news_fragment(e) or b"") if n % 2 else e for n, e in enumerate(first)
    ]
    assert render_news_sitemap(mixed, named) == sitemaps._write_news_urlset(first, site_name)


def test_news_sitemap_hands_refused_text_to_lxml(site: SiteConfig) -> None:
    published = datetime(2023, 9, 10, 19, 40, 5, tzinfo=UTC)
    render_news_sitemap([NewsEntry("https://x.test/a", "fine", "id", published)], site)
    with pytest.raises(ValueError):
        render_news_sitemap([NewsEntry("https://x.test/a", "bad\x01", "id", published)], site)
    with pytest.raises(ValueError):
        named = dataclasses.replace(site, name="bad\x01")
        render_news_sitemap([NewsEntry("https://x.test/a", "fine", "id", published)], named)


def test_empty_news_sitemap(site: SiteConfig, urlset_schema: etree.XMLSchema) -> None:
    data = render_news_sitemap([], site)
    root = etree.fromstring(data)
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    assert len(root) == 0
    assert set(root.nsmap) == {None}
    # An empty urlset is what sitemap consumers accept for "nothing new", but the official
    # schema wants at least one <url>: that must be its only complaint.
    assert not urlset_schema.validate(root)
    assert [e.message for e in urlset_schema.error_log] == [
        "Element '{http://www.sitemaps.org/schemas/sitemap/0.9}urlset': Missing child"
        " element(s). Expected is one of ( ##other{http://www.sitemaps.org/schemas/sitemap/0.9}*,"
        " {http://www.sitemaps.org/schemas/sitemap/0.9}url )."
    ]


# --- robots.txt -----------------------------------------------------------------------------


def test_robots_txt(site: SiteConfig) -> None:
    assert render_robots_txt(site) == (
        b"User-agent: *\n"
        b"Allow: /\n"
        b"\n"
        b"Sitemap: https://www.andalpost.com/sitemap.xml\n"
        b"Sitemap: https://www.andalpost.com/sitemap-news.xml\n"
    )


# --- fragments, cuts, gzip ------------------------------------------------------------------


def test_a_part_is_the_concatenation_of_its_fragments() -> None:
    import re

    given = entries(3, images=2) + entries(2)
    (part,) = render_shard_parts(given)
    # Each cached fragment is exactly what lxml writes for that entry inside a urlset (less the
    # namespace declarations lxml repeats when serialising a child alone).
    written = [
        re.sub(rb' xmlns(:image)?="[^"]*"', b"", etree.tostring(url)) for url in etree.fromstring(part.body)
    ]
    assert [sitemaps.url_fragment(e) for e in given] == written
    assert sitemaps.urlset([sitemaps.url_fragment(e) for e in given]) == part.body
    assert b"image" not in sitemaps.urlset([sitemaps.url_fragment(e) for e in entries(2)])


def test_cuts_end_parts_and_are_about_one_in_part_mean_urls() -> None:
    ids = [f"id-{n}" for n in range(200_000)]
    share = sum(map(sitemaps.ends_part, ids)) / len(ids)
    assert 0.8 / sitemaps.PART_MEAN_URLS < share < 1.2 / sitemaps.PART_MEAN_URLS
    rows = [sitemaps.shard_row(entry, (n, f"id-{n}"), cut=n in (1, 3)) for n, entry in enumerate(entries(6))]
    parts = list(sitemaps.iter_shard_files(rows))
    assert [p.url_count for p in parts] == [2, 2, 2]
    assert [p.cut for p in parts] == [(1, "id-1"), (3, "id-3"), None]


def test_gzip_is_deterministic_without_name_or_time() -> None:
    import gzip

    data = render_sitemap_index([IndexedSitemap("https://www.andalpost.com/sitemaps/2023-09.xml", BASE)])
    packed = sitemaps.gzip_bytes(data)
    assert gzip.decompress(packed) == data
    assert packed == sitemaps.gzip_bytes(data)
    assert packed[4:8] == b"\0\0\0\0"  # mtime 0
    assert not packed[3] & 0x08  # no FNAME


def test_robots_lists_every_given_sitemap(site: SiteConfig) -> None:
    urls = ["https://www.andalpost.com/sitemap.xml", "https://www.andalpost.com/sitemap-2.xml"]
    assert render_robots_txt(site, urls).decode().splitlines()[-2:] == [f"Sitemap: {u}" for u in urls]


def test_news_entries_kept_by_instant_keep_each_offset(site: SiteConfig) -> None:
    # One instant in two offsets: equal datetimes, different entries (a CMS that corrects the
    # offset of an article's date changes its news sitemap entry).
    wib = datetime(2023, 9, 10, 19, 40, 5, tzinfo=timezone(timedelta(hours=7)))
    for published in (wib, wib.astimezone(UTC), wib):
        entries = [NewsEntry("https://x.test/a", "judul", "id", published)]
        rendered = render_news_sitemap(entries, site)
        assert rendered == sitemaps._write_news_urlset(entries, site.name)
        date = etree.fromstring(rendered).findtext(".//{*}publication_date")
        assert date == published.isoformat(timespec="seconds")


# --- one file at once -----------------------------------------------------------------------

_OFFSETS = st.sampled_from([UTC, WIB, timezone(timedelta(hours=-3))])
_SHARD_ENTRY = st.builds(
    SitemapEntry,
    st.sampled_from(
        ["https://www.andalpost.com/a", "https://www.andalpost.com/b?x=1&y=<2>", "https://ñ.id/日本"]
    ),
    st.builds(
        lambda hours, zone: (BASE + timedelta(hours=hours)).astimezone(zone),
        st.integers(0, 3),  # few instants: ties across offsets are common
        _OFFSETS,
    ),
    st.lists(st.builds(SitemapImage, st.just("https://www.andalpost.com/img/1.jpg")), max_size=2).map(tuple),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_SHARD_ENTRY, min_size=1, max_size=8), st.booleans())
def test_one_shard_file_is_what_iter_shard_files_makes_of_the_rows(
    given_entries: list[SitemapEntry], last_is_cut: bool
) -> None:
    rows = [
        sitemaps.shard_row(entry, (n, f"id-{n}"), cut=last_is_cut and n == len(given_entries) - 1)
        for n, entry in enumerate(given_entries)
    ]
    cut = rows[-1].position if last_is_cut else None
    made = sitemaps.one_shard_file([r.fragment for r in rows], [r.lastmod for r in rows], cut)
    assert [made] == list(sitemaps.iter_shard_files(rows))
    # The first of equal instants, whatever its offset: the same offset is written in the index.
    assert made is not None and made.lastmod is not None
    assert made.lastmod.utcoffset() == max(given_entries, key=lambda e: e.lastmod).lastmod.utcoffset()


def test_one_shard_file_leaves_rows_past_a_limit_to_the_split(monkeypatch: pytest.MonkeyPatch) -> None:
    fragments = [sitemaps.url_fragment(entry) for entry in entries(3, images=1)]
    (exact,) = render_shard_parts(entries(3, images=1))
    assert sitemaps.one_shard_file(fragments, [BASE] * 3, None) == exact
    assert sitemaps.one_shard_file([], [], None) is None  # no rows, no file
    monkeypatch.setattr(sitemaps, "SITEMAP_BYTE_LIMIT", len(exact.body) - 1)
    assert sitemaps.one_shard_file(fragments, [BASE] * 3, None) is None
    monkeypatch.setattr(sitemaps, "SITEMAP_BYTE_LIMIT", len(exact.body))
    assert sitemaps.one_shard_file(fragments, [BASE] * 3, None) == exact
    monkeypatch.setattr(sitemaps, "SITEMAP_URL_LIMIT", 2)
    assert sitemaps.one_shard_file(fragments, [BASE] * 3, None) is None
