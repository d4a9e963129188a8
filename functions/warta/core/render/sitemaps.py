"""Sitemaps: monthly/daily shards split into parts, the sitemap index, the news sitemap, robots.txt.

Everything is written with `lxml.etree.xmlfile` so escaping is lxml's, never ours. A shard
part is a concatenation of per-article `<url>` fragments that the index keeps (rendered once,
when the article is written), so re-rendering a part never re-serialises its entries, and
memory stays bounded by one part whatever the size of the shard or the archive.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from io import BytesIO
from typing import Protocol

from lxml import etree

from warta.core.articles import Article
from warta.core.body.model import iter_images
from warta.core.config import SiteConfig
from warta.core.render.html_out import escape_text
from warta.core.views import (
    IndexedSitemap,
    KeptNewsEntry,
    ListingBlock,
    NewsEntry,
    ShardPosition,
    ShardRow,
    SitemapEntry,
    SitemapPart,
)

SITEMAP_URL_LIMIT = 50_000  # sitemaps.org: at most 50,000 URLs per sitemap file
SITEMAP_BYTE_LIMIT = 52_428_800  # sitemaps.org: at most 50 MiB uncompressed per sitemap file
IMAGES_PER_URL_LIMIT = 1_000  # Google image sitemaps: at most 1,000 image:image per url
NEWS_URL_LIMIT = 1_000  # Google News sitemaps: at most 1,000 news:news URLs per file
SITEMAP_INDEX_LIMIT = 50_000  # sitemaps.org: at most 50,000 sitemaps per index file (and 50 MiB)
# zlib's default trade-off; fixed so that the same input always gives the same .gz bytes.
GZIP_LEVEL = 6

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
IMAGE_NS = "http://www.google.com/schemas/sitemap-image/1.1"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"

_URLSET = f"{{{SITEMAP_NS}}}urlset"
_URL = f"{{{SITEMAP_NS}}}url"
_LOC = f"{{{SITEMAP_NS}}}loc"
_LASTMOD = f"{{{SITEMAP_NS}}}lastmod"
_SITEMAPINDEX = f"{{{SITEMAP_NS}}}sitemapindex"
_SITEMAP = f"{{{SITEMAP_NS}}}sitemap"
_IMAGE = f"{{{IMAGE_NS}}}image"
_IMAGE_LOC = f"{{{IMAGE_NS}}}loc"
_NEWS = f"{{{NEWS_NS}}}news"
_NEWS_PUBLICATION = f"{{{NEWS_NS}}}publication"
_NEWS_NAME = f"{{{NEWS_NS}}}name"
_NEWS_LANGUAGE = f"{{{NEWS_NS}}}language"
_NEWS_DATE = f"{{{NEWS_NS}}}publication_date"
_NEWS_TITLE = f"{{{NEWS_NS}}}title"

_PLAIN_NSMAP = {None: SITEMAP_NS}
_IMAGE_NSMAP = {None: SITEMAP_NS, "image": IMAGE_NS}
_NEWS_NSMAP = {None: SITEMAP_NS, "news": NEWS_NS}

_DECLARATION = b"<?xml version='1.0' encoding='UTF-8'?>\n"
_URLSET_OPEN_PLAIN = _DECLARATION + f'<urlset xmlns="{SITEMAP_NS}">'.encode()
_URLSET_OPEN_IMAGES = _DECLARATION + f'<urlset xmlns="{SITEMAP_NS}" xmlns:image="{IMAGE_NS}">'.encode()
_URLSET_CLOSE = b"</urlset>"
_IMAGE_MARK = b"<image:image>"

# Shard parts end where content says, not where a count falls: an article whose id hashes to 0
# modulo this number closes its part. A part then holds this many URLs on average, a new article
# (the newest of its month) changes only the last part, and inserting or removing an article
# changes only its own part: the file names and bytes of every other part stay put, whatever
# order the events came in. Small enough that re-rendering a part is cheap (about a
# millisecond from cached fragments), large enough that a month of a busy newsroom (30,000
# URLs) is some 30 files.
PART_MEAN_URLS = 1_000
# Bump when `url_fragment` changes its bytes: fragments kept in an index under another number
# are rendered again when read.
SITEMAP_FRAGMENT_FORMAT = 1
# Bump when an index entry's bytes (`<sitemap>…</sitemap>`) change: blocks of entries kept in
# an index under another number are made again (app.outputs.sitemaps.listing_stamp).
SITEMAP_INDEX_ENTRY_FORMAT = 1


def w3c_datetime(value: datetime) -> str:
    """W3C datetime to the second, in the value's own offset (what the article page shows)."""
    return value.isoformat(timespec="seconds")


def ends_part(article_id: str) -> bool:
    """Whether this article closes its shard part (stable across processes and releases)."""
    digest = hashlib.blake2b(article_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % PART_MEAN_URLS == 0


def sitemap_image_urls(article: Article) -> list[str]:
    """The images of an article's `<url>`, as the indexes keep them: the hero, then the body's
    images other than the hero, at most IMAGES_PER_URL_LIMIT."""
    images = [article.image.url] if article.image else []
    images += [image.src for image in iter_images(article.body) if image.src not in images]
    return images[:IMAGES_PER_URL_LIMIT]


# --- shards ---------------------------------------------------------------------------------


def _write_urlset(entries: Iterable[SitemapEntry], has_images: bool) -> bytes:
    buf = BytesIO()
    with etree.xmlfile(buf, encoding="UTF-8") as xf:
        xf.write_declaration()
        element, write = xf.element, xf.write
        with element(_URLSET, nsmap=_IMAGE_NSMAP if has_images else _PLAIN_NSMAP):
            for entry in entries:
                with element(_URL):
                    with element(_LOC):
                        write(entry.url)
                    with element(_LASTMOD):
                        write(w3c_datetime(entry.lastmod))
                    for image in entry.images[:IMAGES_PER_URL_LIMIT]:
                        with element(_IMAGE), element(_IMAGE_LOC):
                            write(image.url)
    return buf.getvalue()


def url_fragment(entry: SitemapEntry) -> bytes:
    """The exact `<url>…</url>` bytes of one entry, as they stand in any part.

    lxml writes it (so escaping is lxml's) inside a root that declares the image prefix; the
    fragment is the same whether or not its part declares that prefix, since an entry without
    images never uses it. The index keeps these bytes, so a part is a concatenation.
    """
    whole = _write_urlset((entry,), has_images=True)
    return whole[len(_URLSET_OPEN_IMAGES) : -len(_URLSET_CLOSE)]


def urlset(fragments: Sequence[bytes]) -> bytes:
    """A `<urlset>` file of these fragments, declaring the image prefix only where it is used."""
    has_images = any(_IMAGE_MARK in fragment for fragment in fragments)
    opening = _URLSET_OPEN_IMAGES if has_images else _URLSET_OPEN_PLAIN
    return b"".join((opening, *fragments, _URLSET_CLOSE))


class _Part:
    """The fragments of the part being filled, and the bytes it will take."""

    __slots__ = ("fragments", "has_images", "lastmod", "size")

    def __init__(self) -> None:
        self.fragments: list[bytes] = []
        self.size = len(_URLSET_OPEN_PLAIN) + len(_URLSET_CLOSE)
        self.has_images = False
        self.lastmod: datetime | None = None

    def growth(self, fragment: bytes, has_images: bool) -> int:
        if has_images and not self.has_images:
            return len(fragment) + len(_URLSET_OPEN_IMAGES) - len(_URLSET_OPEN_PLAIN)
        return len(fragment)

    def add(self, row: ShardRow, has_images: bool, growth: int) -> None:
        self.fragments.append(row.fragment)
        self.size += growth
        self.has_images = self.has_images or has_images
        if self.lastmod is None or row.lastmod > self.lastmod:
            self.lastmod = row.lastmod

    def render(self, cut: ShardPosition | None) -> SitemapPart:
        opening = _URLSET_OPEN_IMAGES if self.has_images else _URLSET_OPEN_PLAIN
        body = b"".join((opening, *self.fragments, _URLSET_CLOSE))
        return SitemapPart(body=body, url_count=len(self.fragments), lastmod=self.lastmod, cut=cut)


def iter_shard_files(rows: Iterable[ShardRow]) -> Iterator[SitemapPart]:
    """Rows (oldest first) as `<urlset>` files: one per part, cut after every row that ends one.

    A part that would pass 50,000 URLs or 52,428,800 bytes is split there too (the part's
    `cut` is then None). Streams: one part is in memory at a time. No rows, no files.
    """
    part = _Part()
    for row in rows:
        has_images = _IMAGE_MARK in row.fragment
        growth = part.growth(row.fragment, has_images)
        full = len(part.fragments) >= SITEMAP_URL_LIMIT or part.size + growth > SITEMAP_BYTE_LIMIT
        # An entry alone always gets a part: it cannot pass 50 MB within the 2,048-character
        # loc and 1,000 images the formats allow.
        if full and part.fragments:
            yield part.render(cut=None)
            part = _Part()
            growth = part.growth(row.fragment, has_images)
        part.add(row, has_images, growth)
        if row.cut:
            yield part.render(cut=row.position)
            part = _Part()
    if part.fragments:
        yield part.render(cut=None)


def one_shard_file(
    fragments: Sequence[bytes], lastmods: Iterable[datetime], cut: ShardPosition | None
) -> SitemapPart | None:
    """The file `iter_shard_files` makes of rows (oldest first) of which only the last may end a
    part (`cut`: its position, or None), given their fragments and lastmods; None when they
    would pass a file's limits (the caller splits them row by row with `iter_shard_files`).

    The same bytes without the per-row bookkeeping, which for an open part of thousands of
    URLs costs more than reading them: a part's size is its file's length, and neither limit
    can be passed by the whole without being passed where `iter_shard_files` would cut.
    """
    if not fragments or len(fragments) > SITEMAP_URL_LIMIT:
        return None
    body = urlset(fragments)
    if len(body) > SITEMAP_BYTE_LIMIT:
        return None
    # The first of the newest, as `_Part.add` keeps it (equal instants in two offsets differ).
    lastmod: datetime | None = None
    for moment in lastmods:
        if lastmod is None or moment > lastmod:
            lastmod = moment
    return SitemapPart(body=body, url_count=len(fragments), lastmod=lastmod, cut=cut)


def shard_row(entry: SitemapEntry, position: ShardPosition = (0, ""), cut: bool = False) -> ShardRow:
    return ShardRow(position=position, fragment=url_fragment(entry), lastmod=entry.lastmod, cut=cut)


def render_shard_parts(entries: Iterable[SitemapEntry]) -> list[SitemapPart]:
    """Entries (in the caller's order) as `<urlset>` files within the sitemaps.org limits.

    A new part starts when the next entry would pass 50,000 URLs or 52,428,800 bytes. The
    image namespace is declared only in parts that have images. No entries, no parts.
    """
    return list(iter_shard_files(shard_row(entry) for entry in entries))


# --- index ----------------------------------------------------------------------------------


def _write_sitemap_index(sitemaps: Sequence[IndexedSitemap]) -> bytes:
    buf = BytesIO()
    with etree.xmlfile(buf, encoding="UTF-8") as xf:
        xf.write_declaration()
        element, write = xf.element, xf.write
        with element(_SITEMAPINDEX, nsmap=_PLAIN_NSMAP):
            for sitemap in sitemaps:
                with element(_SITEMAP):
                    with element(_LOC):
                        write(sitemap.loc)
                    if sitemap.lastmod is not None:
                        with element(_LASTMOD):
                            write(w3c_datetime(sitemap.lastmod))
    return buf.getvalue()


_SITEMAPINDEX_OPEN = _DECLARATION + f'<sitemapindex xmlns="{SITEMAP_NS}">'.encode()
_SITEMAPINDEX_CLOSE = b"</sitemapindex>"


@functools.lru_cache(maxsize=SITEMAP_INDEX_LIMIT)
def _index_fragment(sitemap: IndexedSitemap) -> bytes:
    """One `<sitemap>…</sitemap>` entry as lxml writes it; kept, since a publish changes one."""
    whole = _write_sitemap_index((sitemap,))
    return whole[len(_SITEMAPINDEX_OPEN) : -len(_SITEMAPINDEX_CLOSE)]


def render_sitemap_index(sitemaps: Sequence[IndexedSitemap]) -> bytes:
    """The `<sitemapindex>` listing every sitemap file, with lastmod where known."""
    if not sitemaps:
        return _write_sitemap_index(())
    return b"".join((_SITEMAPINDEX_OPEN, *map(_index_fragment, sitemaps), _SITEMAPINDEX_CLOSE))


_INDEX_EMPTY_BYTES = len(render_sitemap_index(()))


def split_sitemap_index(sitemaps: Sequence[IndexedSitemap]) -> list[Sequence[IndexedSitemap]]:
    """The sitemaps each index file lists: at most 50,000 and 52,428,800 bytes per file.

    At least one group, even for no sitemaps.
    """
    groups: list[Sequence[IndexedSitemap]] = []
    start, size = 0, _INDEX_EMPTY_BYTES
    for n, sitemap in enumerate(sitemaps):
        entry_bytes = _index_entry_bytes(sitemap)
        if n > start and (n - start >= SITEMAP_INDEX_LIMIT or size + entry_bytes > SITEMAP_BYTE_LIMIT):
            groups.append(sitemaps[start:n])
            start, size = n, _INDEX_EMPTY_BYTES
        size += entry_bytes
    groups.append(sitemaps[start:])
    return groups


def render_sitemap_indexes(sitemaps: Sequence[IndexedSitemap]) -> list[bytes]:
    """Every sitemap file listed by as many index files as the sitemaps.org limits need."""
    return [render_sitemap_index(group) for group in split_sitemap_index(sitemaps)]


def _index_entry_bytes(sitemap: IndexedSitemap) -> int:
    # Index entries are tiny and few next to a shard's: an upper bound (every character
    # escaped to at most 6 bytes) keeps the split safe without serialising twice.
    lastmod = len("<lastmod></lastmod>") + 25 if sitemap.lastmod is not None else 0
    loc = len(sitemap.loc) if sitemap.loc.isascii() and "&" not in sitemap.loc else 6 * len(sitemap.loc)
    return len("<sitemap><loc></loc></sitemap>") + loc + lastmod


def listing_block(period: str, stamp: str, entries: Sequence[tuple[IndexedSitemap, int]]) -> ListingBlock:
    """The index entries of one period's parts (each with its URL count), kept between renders."""
    fragments = [_index_fragment(sitemap) for sitemap, _ in entries]
    bounds = [_index_entry_bytes(sitemap) for sitemap, _ in entries]
    return ListingBlock(
        period=period,
        stamp=stamp,
        body=b"".join(fragments),
        sizes=",".join(f"{len(f)}:{b}" for f, b in zip(fragments, bounds, strict=True)),
        entries=len(fragments),
        bound=sum(bounds),
        url_count=sum(count for _, count in entries),
    )


def _index_groups(blocks: Iterable[ListingBlock]) -> list[list[bytes]]:
    """The entries of each index file, split as `split_sitemap_index` splits the same sitemaps.

    A block that fits whole in the file being filled is taken as it is; only a block that
    crosses a limit is walked entry by entry, so the common case is one step per period.
    """
    groups: list[list[bytes]] = []
    current: list[bytes] = []
    count, size = 0, _INDEX_EMPTY_BYTES
    for block in blocks:
        if count + block.entries <= SITEMAP_INDEX_LIMIT and size + block.bound <= SITEMAP_BYTE_LIMIT:
            current.append(block.body)
            count, size = count + block.entries, size + block.bound
            continue
        offset = 0
        for length, bound in block.entry_sizes():
            if count and (count >= SITEMAP_INDEX_LIMIT or size + bound > SITEMAP_BYTE_LIMIT):
                groups.append(current)
                current, count, size = [], 0, _INDEX_EMPTY_BYTES
            current.append(block.body[offset : offset + length])
            offset += length
            count, size = count + 1, size + bound
    if count:
        groups.append(current)
    return groups


def assemble_sitemap_indexes(blocks: Sequence[ListingBlock]) -> list[bytes]:
    """`render_sitemap_indexes` of the sitemaps the blocks list (in order), from their kept bytes.

    No listed sitemap, no file (an index lists at least one).
    """
    return [b"".join((_SITEMAPINDEX_OPEN, *group, _SITEMAPINDEX_CLOSE)) for group in _index_groups(blocks)]


def count_sitemap_indexes(blocks: Sequence[ListingBlock]) -> int:
    """How many index files `assemble_sitemap_indexes` makes of these blocks."""
    return len(_index_groups(blocks))


# --- news -----------------------------------------------------------------------------------


class NewsItem(Protocol):
    """What the news sitemap reads of an article (an `Article` or a `NewsEntry`)."""

    @property
    def url(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def language(self) -> str: ...

    @property
    def published_at(self) -> datetime: ...


def news_language(language: str) -> str:
    """The publication language as Google News wants it: ISO 639, or zh-cn / zh-tw."""
    tag = language.strip().lower().replace("_", "-")
    if tag in ("zh-cn", "zh-tw"):
        return tag
    return tag.split("-", 1)[0]


# A site's articles come in a few languages: each one's news tag, escaped, is made once.
_news_languages: dict[str, str] = {}
NEWS_LANGUAGES_KEPT = 256


def _escaped_news_language(language: str) -> str:
    found = _news_languages.get(language)
    if found is None:
        if len(_news_languages) >= NEWS_LANGUAGES_KEPT:
            _news_languages.clear()
        found = _news_languages[language] = escape_text(news_language(language))
    return found


def _write_news_urlset(articles: Sequence[NewsItem], site_name: str) -> bytes:
    buf = BytesIO()
    with etree.xmlfile(buf, encoding="UTF-8") as xf:
        xf.write_declaration()
        element, write = xf.element, xf.write
        with element(_URLSET, nsmap=_NEWS_NSMAP if articles else _PLAIN_NSMAP):
            for article in articles:
                with element(_URL):
                    with element(_LOC):
                        write(article.url)
                    with element(_NEWS):
                        with element(_NEWS_PUBLICATION):
                            with element(_NEWS_NAME):
                                write(site_name)
                            with element(_NEWS_LANGUAGE):
                                write(news_language(article.language))
                        with element(_NEWS_DATE):
                            write(w3c_datetime(article.published_at))
                        with element(_NEWS_TITLE):
                            write(article.title)
    return buf.getvalue()


# Character data is escaped as lxml writes it in UTF-8 (`html_out.escape_text`: & < > and CR,
# every other character it allows as it is). Text with a character lxml refuses (C0 controls
# but tab and newline, lone surrogates, U+FFFE, U+FFFF) is handed to lxml itself, which raises
# as it always did.
_REFUSED_BY_LXML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# Where a kept entry's bytes take the site's name (`news_fragment`): NUL, which no entry holds
# (XML allows it nowhere, and lxml refuses it: `_REFUSED_BY_LXML`), so an index keeps entries
# that no site config change makes stale.
NEWS_NAME_SLOT = b"\x00"
_NEWS_PUBLICATION_SLOT = f"<news:publication><news:name>{NEWS_NAME_SLOT.decode()}</news:name>"
# Bump when `news_fragment` changes its bytes: entries kept in an index under another number
# are made again from their fields when read.
NEWS_FRAGMENT_FORMAT = 1


def _news_entry(url: str, title: str, language: str, published_at: datetime, publication: str) -> str:
    """One entry's `<url>…</url>` as lxml writes it inside a news `<urlset>`, for text lxml
    allows; `publication` opens the site's part: its name, or the slot for it (`news_fragment`)."""
    return (
        f"<url><loc>{escape_text(url)}</loc><news:news>{publication}"
        f"<news:language>{_escaped_news_language(language)}</news:language>"
        f"</news:publication><news:publication_date>{w3c_datetime(published_at)}</news:publication_date>"
        f"<news:title>{escape_text(title)}</news:title></news:news></url>"
    )


def _news_fragment_by_lxml(
    url: str, title: str, language: str, published_at: datetime, site_name: str
) -> bytes:
    """An entry's bytes as lxml alone writes them (tests compare `news_fragment`'s to these)."""
    whole = _write_news_urlset((NewsEntry(url, title, language, published_at),), site_name)
    return whole[len(_NEWS_URLSET_OPEN) : -len(_URLSET_CLOSE)]


def news_fragment(entry: NewsItem) -> bytes | None:
    """An entry's bytes with `NEWS_NAME_SLOT` for the site's name, as an index keeps them
    beside the article (a cold process splices 1,000 of them instead of making them); None for
    text lxml refuses, which a sitemap hands to lxml to raise."""
    if _REFUSED_BY_LXML.search(f"{entry.url}\n{entry.title}\n{entry.language}"):
        return None  # the newlines between them are characters lxml allows
    return _news_entry(
        entry.url, entry.title, entry.language, entry.published_at, _NEWS_PUBLICATION_SLOT
    ).encode()


_NEWS_URLSET_OPEN = _DECLARATION + f'<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">'.encode()


def render_news_sitemap(entries: Sequence[NewsItem | KeptNewsEntry], site: SiteConfig) -> bytes:
    """The Google News sitemap of the newest articles (the caller picks the 48 h window).

    Only the elements Google still reads: publication name and language, publication date
    and title (genres, keywords and access are deprecated). With no articles it is an empty
    `<urlset>`: well-formed and what crawlers take for "nothing new", though the strict
    sitemaps.org schema wants at least one `<url>`. Entries are lxml's bytes, one entry at a
    time: the index's kept ones (`KeptNewsEntry`) spliced, the others made from the template,
    so a file is a concatenation of fragments that earlier calls mostly rendered.
    """
    entries = entries[:NEWS_URL_LIMIT]
    if not entries:
        return _write_news_urlset((), site.name)
    site_name = site.name
    if _REFUSED_BY_LXML.search(site_name):  # lxml would refuse it in every entry
        raise ValueError(f"the site's name holds a character XML does not allow: {site_name!r}")
    # Made entries are kept by their inputs, as consecutive news sitemaps share all but a few
    # (forgotten all at once past twice a sitemap's worth). The key holds the offset: datetimes
    # of one instant in two offsets are equal, but their entries differ.
    kept = _kept_news_entries
    if len(kept) > 2 * NEWS_URL_LIMIT:
        kept.clear()
    fragments: list[bytes] = []
    for entry in entries:
        if isinstance(entry, KeptNewsEntry):
            fragments.append(entry.fragment)
            continue
        key = (entry.url, entry.title, entry.language, entry.published_at, entry.published_at.utcoffset())
        fragment = kept.get(key)
        if fragment is None:
            fragment = news_fragment(entry)
            if fragment is None:  # text lxml refuses: handed to lxml, which raises as it always did
                args = (entry.url, entry.title, entry.language, entry.published_at, site_name)
                fragments.append(_news_fragment_by_lxml(*args))  # the name in it, not the slot
                continue
            kept[key] = fragment
        fragments.append(fragment)
    body = b"".join(fragments).replace(NEWS_NAME_SLOT, escape_text(site_name).encode())
    return b"".join((_NEWS_URLSET_OPEN, body, _URLSET_CLOSE))


# The entries `render_news_sitemap` made, with the site's name left out, by their inputs (at
# most three sitemaps' worth).
_kept_news_entries: dict[tuple[str, str, str, datetime, timedelta | None], bytes] = {}


# --- robots.txt -----------------------------------------------------------------------------


def render_robots_txt(site: SiteConfig, sitemap_urls: Sequence[str] | None = None) -> bytes:
    """Allow everything and point crawlers at the sitemap index(es) and the news sitemap.

    `sitemap_urls` defaults to the one index and the news sitemap at their configured paths.
    """
    if sitemap_urls is None:
        maps = site.sitemaps
        sitemap_urls = [site.public_url(maps.index_path), site.public_url(maps.news_path)]
    lines = ["User-agent: *", "Allow: /", "", *(f"Sitemap: {url}" for url in sitemap_urls)]
    return ("\n".join(lines) + "\n").encode()


# --- gzip -----------------------------------------------------------------------------------


def gzip_bytes(data: bytes) -> bytes:
    """Deterministic gzip: no file name, mtime 0, fixed level, so equal input gives equal bytes."""
    buf = BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=GZIP_LEVEL, mtime=0) as out:
        out.write(data)
    return buf.getvalue()
