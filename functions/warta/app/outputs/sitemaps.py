"""Sitemap shards, the sitemap index, the Google News sitemap and robots.txt.

A shard key names a period ("2023-09": render all of it) or a position in it
("2023-09/<published_us>/<id>": render only the part holding that position). Parts end where
content says (`core.render.sitemaps.ends_part`), so a positional render re-renders one part in
the common case and falls back to the whole period only when part boundaries moved in a way
that renumbers files; the bytes are the same either way.

The sitemap index and robots.txt list every part, which grows with the archive, so their entries
are kept in the index too: a block of `<sitemap>` entries per period (`ListingBlock`), written
by every render of that period's shard, and the index files are put together from the blocks.
A publish then re-renders one period's entries, not a million articles' thousand parts.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from datetime import datetime, timedelta

from warta.app.outputs.changes import Change, Delete, Put, ShardFacts
from warta.core.config import SiteConfig
from warta.core.output_kinds import KINDS
from warta.core.planner import OutputKey
from warta.core.ports import ArticleIndex, ShardPart
from warta.core.render.sitemaps import (
    NEWS_URL_LIMIT,
    SITEMAP_INDEX_ENTRY_FORMAT,
    assemble_sitemap_indexes,
    count_sitemap_indexes,
    gzip_bytes,
    listing_block,
    render_news_sitemap,
    render_robots_txt,
)
from warta.core.views import IndexedSitemap, ListingBlock, ShardPosition, SitemapPart

XML_CONTENT_TYPE = KINDS["shard"].content_type
TEXT_CONTENT_TYPE = KINDS["robots"].content_type
GZIP_CONTENT_TYPE = "application/gzip"
GZIP_SUFFIX = ".gz"
# The period of the listing block whose presence says every period with shard parts has its
# block kept (an index written before blocks were kept has none, and gets them all at once).
# Its stamp is not read.
LISTING_HEADER = ""


def shard_path(site: SiteConfig, period: str, part: int) -> str:
    if part == 1:
        return site.sitemaps.shard_path.format(period=period)
    return site.sitemaps.shard_part_path.format(period=period, part=part)


def index_path(site: SiteConfig, number: int) -> str:
    if number == 1:
        return site.sitemaps.index_path
    return site.sitemaps.index_part_path.format(part=number)


def listed_path(site: SiteConfig, path: str) -> str:
    """The variant of a sitemap file that indexes and robots.txt point at."""
    return path + GZIP_SUFFIX if site.sitemaps.gzip else path


def parse_shard_name(name: str) -> tuple[str, ShardPosition | None]:
    """A shard key's period, and the position it names (None: the whole period)."""
    period, _, position = name.partition("/")
    if not position:
        return period, None
    published_us, _, article_id = position.partition("/")
    return period, (int(published_us), article_id)


def _puts(
    site: SiteConfig, path: str, body: bytes, content_type: str, policy: str, facts: ShardFacts | None = None
) -> list[Change]:
    changes: list[Change] = [Put(path, body, content_type, policy, facts)]
    if site.sitemaps.gzip:
        changes.append(Put(path + GZIP_SUFFIX, gzip_bytes(body), GZIP_CONTENT_TYPE, policy))
    return changes


def _deletes(path: str) -> list[Change]:
    # The .gz variant goes too, whether or not gzip is on now: it may have been on before.
    return [Delete(path), Delete(path + GZIP_SUFFIX)]


# --- shards ---------------------------------------------------------------------------------


def render_shard_output(key: OutputKey, site: SiteConfig, index: ArticleIndex, now: datetime) -> list[Change]:
    period, position = parse_shard_name(key.name)
    stored = index.shard_parts(site.id, period)
    around = None if position is None else _render_around(position, site, period, index, now, stored)
    if around is None:
        files = index.shard_files(site.id, period, now)
        fresh = dict(enumerate(files, start=1))
        layout = [_record(period, n, part) for n, part in fresh.items()]
    else:
        fresh, layout = around
    # The period's index entries at every render, before its parts: a render that dies between
    # the two leaves the entries ahead, and the render retried writes both again.
    if layout:
        index.put_listing_blocks(site.id, [period_listing(site, period, layout)])
    else:
        index.drop_listing_blocks(site.id, [period])
    if layout != stored:
        index.set_shard_parts(site.id, period, layout)
    changes: list[Change] = []
    for number, part in fresh.items():
        path = shard_path(site, period, number)
        changes += _puts(
            site, path, part.body, XML_CONTENT_TYPE, KINDS["shard"].cache_policy, ShardFacts(part.url_count)
        )
    for number in range(len(layout) + 1, len(stored) + 1):
        changes += _deletes(shard_path(site, period, number))
    return changes


def coalesce_shard_keys(keys: set[OutputKey], index: ArticleIndex, now: datetime) -> set[OutputKey]:
    """The keys with one shard key per shard part: a batch of events in one part renders it once.

    Rendering a position re-renders the part that holds it under the current cuts (and any
    part whose bounds moved), so of several positions in one part any one does; a whole-period
    key covers every position of its period.
    """
    positions: dict[tuple[str, str], list[tuple[ShardPosition, OutputKey]]] = {}
    whole: set[tuple[str, str]] = set()
    for key in keys:
        if key.kind == "shard":
            period, position = parse_shard_name(key.name)
            if position is None:
                whole.add((key.site, period))
            else:
                positions.setdefault((key.site, period), []).append((position, key))
    kept = {key for key in keys if key.kind != "shard" or parse_shard_name(key.name)[1] is None}
    for (site_id, period), found in positions.items():
        if (site_id, period) in whole:
            continue
        if len(found) == 1:
            kept.add(found[0][1])
            continue
        cuts = index.shard_cuts(site_id, period, now)
        first_in_part: dict[int, OutputKey] = {}
        for position, key in sorted(found):
            first_in_part.setdefault(bisect_left(cuts, position), key)
        kept.update(first_in_part.values())
    return kept


def _record(period: str, number: int, part: SitemapPart) -> ShardPart:
    return ShardPart(period, number, part.url_count, part.lastmod, part.cut)


def _render_around(
    position: ShardPosition,
    site: SiteConfig,
    period: str,
    index: ArticleIndex,
    now: datetime,
    stored: list[ShardPart],
) -> tuple[dict[int, SitemapPart], list[ShardPart]] | None:
    """Render only the parts a change at `position` can have changed, or None for all of them.

    Part j (0-based) holds the articles after cut j-1 up to and including cut j; the last,
    open part holds those after the last cut. While the stored cuts are a prefix of the
    current ones, every stored closed part keeps its number and its bounds, so only the part
    holding `position` and the parts from the first new cut on can differ.
    """
    cuts = index.shard_cuts(site.id, period, now)
    closed = [part.cut for part in stored]
    if closed and closed[-1] is None:
        closed.pop()  # the open part
    if None in closed or cuts[: len(closed)] != closed:
        return None  # a limit split a part, or a cut came or went before the end: renumber
    todo = {bisect_left(cuts, position)}
    if len(cuts) > len(closed):
        todo.update(range(len(closed), len(cuts) + 1))
    fresh: dict[int, SitemapPart] = {}
    for j in sorted(todo):
        after = cuts[j - 1] if j > 0 else None
        until = cuts[j] if j < len(cuts) else None
        files = index.shard_files(site.id, period, now, after, until)
        if len(files) > 1 or (until is not None and not files):
            return None  # a part past the sitemaps.org limits, or an index out of step
        if files:
            fresh[j + 1] = files[0]
    # The open part was rendered if it was in `todo`; otherwise it is as stored.
    has_open = len(cuts) + 1 in fresh if len(cuts) in todo else bool(stored) and stored[-1].cut is None
    count = len(cuts) + (1 if has_open else 0)
    layout: list[ShardPart] = []
    for number in range(1, count + 1):
        if number in fresh:
            layout.append(_record(period, number, fresh[number]))
        elif number <= len(stored):
            layout.append(stored[number - 1])
        else:
            return None
    return fresh, layout


# --- index, news, robots --------------------------------------------------------------------


def listed_sitemaps(site: SiteConfig, index: ArticleIndex) -> list[IndexedSitemap]:
    return [
        IndexedSitemap(site.public_url(listed_path(site, shard_path(site, p.period, p.part))), p.lastmod)
        for p in index.shard_parts(site.id)
    ]


def listing_stamp(site: SiteConfig) -> str:
    """What the `<loc>` of a listed part is made of: a block kept under another stamp is stale."""
    maps = site.sitemaps
    return json.dumps(
        [SITEMAP_INDEX_ENTRY_FORMAT, site.public_base_url, maps.shard_path, maps.shard_part_path, maps.gzip]
    )


def period_listing(site: SiteConfig, period: str, parts: list[ShardPart]) -> ListingBlock:
    """The index entries of one period's shard parts."""
    return listing_block(
        period,
        listing_stamp(site),
        [
            (
                IndexedSitemap(
                    site.public_url(listed_path(site, shard_path(site, p.period, p.part))), p.lastmod
                ),
                p.url_count,
            )
            for p in parts
        ],
    )


def current_listing(site: SiteConfig, index: ArticleIndex) -> list[ListingBlock]:
    """Every period's index entries, in period order, as the index keeps them.

    Blocks kept under another config are made again from their period's shard parts; an index
    without the header (from before blocks were kept) gets every period's block from all the
    shard parts, once. Blocks are written only where none of the current stamp is kept, so a
    shard render meanwhile (which writes its period's block from newer parts) always wins.
    """
    kept = index.sitemap_listing(site.id)
    stamp = listing_stamp(site)
    has_header = bool(kept) and kept[0].period == LISTING_HEADER
    blocks = kept[1:] if has_header else kept
    if has_header and all(block.stamp == stamp for block in blocks):
        return blocks
    stale = [block.period for block in blocks if block.stamp != stamp]
    if has_header:
        parts = [part for period in stale for part in index.shard_parts(site.id, period)]
    else:
        parts = index.shard_parts(site.id)
    by_period: dict[str, list[ShardPart]] = {}
    for part in parts:
        by_period.setdefault(part.period, []).append(part)
    fresh = [period_listing(site, period, found) for period, found in by_period.items()]
    index.put_listing_blocks(site.id, fresh, replace=False)
    index.drop_listing_blocks(site.id, [period for period in stale if period not in by_period])
    if not has_header:
        index.put_listing_blocks(site.id, [ListingBlock(LISTING_HEADER, stamp, b"", "", 0, 0, 0)])
    return [block for block in index.sitemap_listing(site.id) if block.period != LISTING_HEADER]


def render_sitemap_index_output(
    key: OutputKey, site: SiteConfig, index: ArticleIndex, now: datetime
) -> list[Change]:
    bodies = assemble_sitemap_indexes(current_listing(site, index))
    changes: list[Change] = []
    for number, body in enumerate(bodies, start=1):
        changes += _puts(
            site, index_path(site, number), body, XML_CONTENT_TYPE, KINDS["sitemap_index"].cache_policy
        )
    # sitemaps.org: an index lists at least one sitemap, so with no shards there is none. An
    # index file beyond the last one left over from a larger archive goes too (the count moves
    # one file per 50,000 shard files, so one step covers any single render).
    if not bodies:
        changes += _deletes(index_path(site, 1))
    changes += _deletes(index_path(site, len(bodies) + 1)) if bodies else []
    return changes


def render_news_sitemap_output(
    key: OutputKey, site: SiteConfig, index: ArticleIndex, now: datetime
) -> list[Change]:
    """The news sitemap, or its removal on a quiet day.

    sitemaps.org wants at least one `<url>` in a `<urlset>`, and some sitemap parsers reject
    an empty one; so with nothing in the window the file is deleted and robots.txt stops
    naming it, and both come back with the next article in the window.
    """
    recent = index.news_entries(site.id, news_window_start(site, now), now, NEWS_URL_LIMIT)
    if not recent:
        return _deletes(site.sitemaps.news_path)
    body = render_news_sitemap(recent, site)
    return _puts(site, site.sitemaps.news_path, body, XML_CONTENT_TYPE, KINDS["news_sitemap"].cache_policy)


def news_window_start(site: SiteConfig, now: datetime) -> datetime:
    return now - timedelta(hours=site.sitemaps.news_window_hours)


def has_news(site: SiteConfig, index: ArticleIndex, now: datetime) -> bool:
    """Whether the news sitemap has an entry now (and so exists, and robots.txt names it)."""
    return bool(index.news_entries(site.id, news_window_start(site, now), now, 1))


def render_robots_output(
    key: OutputKey, site: SiteConfig, index: ArticleIndex, now: datetime
) -> list[Change]:
    # No shard, no sitemap index (it must list one sitemap): robots.txt names none then.
    count = count_sitemap_indexes(current_listing(site, index))
    urls = [site.public_url(listed_path(site, index_path(site, n))) for n in range(1, count + 1)]
    if has_news(site, index, now):
        urls.append(site.public_url(listed_path(site, site.sitemaps.news_path)))
    return [
        Put(
            site.sitemaps.robots_path,
            render_robots_txt(site, urls),
            TEXT_CONTENT_TYPE,
            KINDS["robots"].cache_policy,
        )
    ]
