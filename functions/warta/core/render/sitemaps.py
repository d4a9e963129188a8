"""Sitemaps: monthly/daily shards split into parts, the sitemap index, the news sitemap, robots.txt.

Everything is written with `lxml.etree.xmlfile` so escaping is lxml's, never ours, and memory
stays bounded by one part whatever the size of the shard.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from io import BytesIO

from lxml import etree

from warta.core.articles import Article
from warta.core.config import SiteConfig
from warta.core.views import IndexedSitemap, SitemapEntry, SitemapPart

SITEMAP_URL_LIMIT = 50_000  # sitemaps.org: at most 50,000 URLs per sitemap file
SITEMAP_BYTE_LIMIT = 52_428_800  # sitemaps.org: at most 50 MiB uncompressed per sitemap file
IMAGES_PER_URL_LIMIT = 1_000  # Google image sitemaps: at most 1,000 image:image per url
NEWS_URL_LIMIT = 1_000  # Google News sitemaps: at most 1,000 news:news URLs per file

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

# The exact bytes xmlfile writes around the data of a part, so a part can be cut before it
# would pass the byte limit without serialising anything twice. test_render_sitemaps checks
# these against real output.
_DECLARATION = "<?xml version='1.0' encoding='UTF-8'?>\n"
_ROOT_BYTES = len(f'{_DECLARATION}<urlset xmlns="{SITEMAP_NS}"></urlset>')
_IMAGE_NS_BYTES = len(f' xmlns:image="{IMAGE_NS}"')
_URL_BYTES = len("<url><loc></loc><lastmod></lastmod></url>")
_IMAGE_BYTES = len("<image:image><image:loc></image:loc></image:image>")


def w3c_datetime(value: datetime) -> str:
    """W3C datetime to the second, in the value's own offset (what the article page shows)."""
    return value.isoformat(timespec="seconds")


def _text_bytes(text: str) -> int:
    """How many bytes lxml writes for `text` as UTF-8 character data."""
    size = len(text) if text.isascii() else len(text.encode())
    # lxml escapes these in text nodes: & as &amp;, < as &lt;, > as &gt;, CR as &#13;.
    return size + 4 * text.count("&") + 3 * (text.count("<") + text.count(">")) + 4 * text.count("\r")


def _entry_bytes(entry: SitemapEntry, lastmod: str) -> int:
    size = _URL_BYTES + _text_bytes(entry.url) + len(lastmod)
    for image in entry.images[:IMAGES_PER_URL_LIMIT]:
        size += _IMAGE_BYTES + _text_bytes(image.url)
    return size


# --- shards ---------------------------------------------------------------------------------


class _Part:
    """The entries of the part being filled, and the bytes it will take."""

    __slots__ = ("entries", "has_images", "lastmod", "size")

    def __init__(self) -> None:
        self.entries: list[tuple[SitemapEntry, str]] = []
        self.size = _ROOT_BYTES
        self.has_images = False
        self.lastmod: datetime | None = None

    def growth(self, entry: SitemapEntry, entry_bytes: int) -> int:
        if entry.images and not self.has_images:
            return entry_bytes + _IMAGE_NS_BYTES
        return entry_bytes

    def add(self, entry: SitemapEntry, lastmod: str, growth: int) -> None:
        self.entries.append((entry, lastmod))
        self.size += growth
        self.has_images = self.has_images or bool(entry.images)
        if self.lastmod is None or entry.lastmod > self.lastmod:
            self.lastmod = entry.lastmod

    def render(self) -> SitemapPart:
        body = _write_urlset(self.entries, self.has_images)
        return SitemapPart(body=body, url_count=len(self.entries), lastmod=self.lastmod)


def _write_urlset(entries: list[tuple[SitemapEntry, str]], has_images: bool) -> bytes:
    buf = BytesIO()
    with etree.xmlfile(buf, encoding="UTF-8") as xf:
        xf.write_declaration()
        element, write = xf.element, xf.write
        with element(_URLSET, nsmap=_IMAGE_NSMAP if has_images else _PLAIN_NSMAP):
            for entry, lastmod in entries:
                with element(_URL):
                    with element(_LOC):
                        write(entry.url)
                    with element(_LASTMOD):
                        write(lastmod)
                    for image in entry.images[:IMAGES_PER_URL_LIMIT]:
                        with element(_IMAGE), element(_IMAGE_LOC):
                            write(image.url)
    return buf.getvalue()


def render_shard_parts(entries: Iterable[SitemapEntry]) -> list[SitemapPart]:
    """Entries (in the caller's order) as `<urlset>` files within the sitemaps.org limits.

    A new part starts when the next entry would pass 50,000 URLs or 52,428,800 bytes. The
    image namespace is declared only in parts that have images. No entries, no parts.
    """
    parts: list[SitemapPart] = []
    part = _Part()
    for entry in entries:
        lastmod = w3c_datetime(entry.lastmod)
        entry_bytes = _entry_bytes(entry, lastmod)
        growth = part.growth(entry, entry_bytes)
        full = len(part.entries) >= SITEMAP_URL_LIMIT or part.size + growth > SITEMAP_BYTE_LIMIT
        # An entry alone always gets a part: it cannot pass 50 MB within the 2,048-character
        # loc and 1,000 images the formats allow.
        if full and part.entries:
            parts.append(part.render())
            part = _Part()
            growth = part.growth(entry, entry_bytes)
        part.add(entry, lastmod, growth)
    if part.entries:
        parts.append(part.render())
    return parts


# --- index ----------------------------------------------------------------------------------


def render_sitemap_index(sitemaps: Sequence[IndexedSitemap]) -> bytes:
    """The `<sitemapindex>` listing every sitemap file, with lastmod where known."""
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


# --- news -----------------------------------------------------------------------------------


def news_language(language: str) -> str:
    """The publication language as Google News wants it: ISO 639, or zh-cn / zh-tw."""
    tag = language.strip().lower().replace("_", "-")
    if tag in ("zh-cn", "zh-tw"):
        return tag
    return tag.split("-", 1)[0]


def render_news_sitemap(articles: Sequence[Article], site: SiteConfig) -> bytes:
    """The Google News sitemap of the newest articles (the caller picks the 48 h window).

    Only the elements Google still reads: publication name and language, publication date
    and title (genres, keywords and access are deprecated).
    """
    articles = articles[:NEWS_URL_LIMIT]
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
                                write(site.name)
                            with element(_NEWS_LANGUAGE):
                                write(news_language(article.language))
                        with element(_NEWS_DATE):
                            write(w3c_datetime(article.published_at))
                        with element(_NEWS_TITLE):
                            write(article.title)
    return buf.getvalue()


# --- robots.txt -----------------------------------------------------------------------------


def render_robots_txt(site: SiteConfig) -> bytes:
    """Allow everything and point crawlers at the sitemap index and the news sitemap."""
    maps = site.sitemaps
    return (
        "User-agent: *\n"
        "Allow: /\n"
        "\n"
        f"Sitemap: {site.public_url(maps.index_path)}\n"
        f"Sitemap: {site.public_url(maps.news_path)}\n"
    ).encode()
