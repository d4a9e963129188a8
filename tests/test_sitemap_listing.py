"""The sitemap index from kept blocks of entries equals the index rendered from scratch.

`assemble_sitemap_indexes` puts the index files together from one block of `<sitemap>` entries per
period (`ListingBlock`); `render_sitemap_indexes` serialises every listed sitemap. Byte for byte
the same at 0, 1, 50,000 (SITEMAP_INDEX_LIMIT) and 50,001 listed parts, however the parts fall
into periods, and where a limit (count or bytes) falls inside a period's block.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from warta.core.render import sitemaps
from warta.core.views import IndexedSitemap, ListingBlock

from conftest import WIB

BASE = datetime(2023, 9, 1, 8, 0, tzinfo=WIB)


def listed(count: int) -> list[IndexedSitemap]:
    """`count` shard parts as the index lists them; some without a lastmod, one with `&`."""
    return [
        IndexedSitemap(
            f"https://www.andalpost.com/sitemaps/{2000 + n // 360}-{n % 360:03d}{'&x' if n == 3 else ''}.xml",
            None if n % 7 == 0 else BASE + timedelta(minutes=n),
        )
        for n in range(count)
    ]


def blocks(sitemaps_: Sequence[IndexedSitemap], period_sizes: Sequence[int]) -> list[ListingBlock]:
    """The sitemaps cut into consecutive periods of these sizes (cycled)."""
    found: list[ListingBlock] = []
    start, n = 0, 0
    while start < len(sitemaps_):
        size = period_sizes[n % len(period_sizes)]
        chunk = sitemaps_[start : start + size]
        found.append(sitemaps.listing_block(f"p{n:06d}", "stamp", [(s, 3) for s in chunk]))
        start, n = start + size, n + 1
    return found


def from_scratch(sitemaps_: Sequence[IndexedSitemap]) -> list[bytes]:
    return sitemaps.render_sitemap_indexes(sitemaps_) if sitemaps_ else []


@pytest.mark.parametrize("count", [0, 1, sitemaps.SITEMAP_INDEX_LIMIT, sitemaps.SITEMAP_INDEX_LIMIT + 1])
def test_kept_blocks_give_the_same_index_files_at_the_limits(count: int) -> None:
    every = listed(count)
    expected = from_scratch(every)
    for period_sizes in ([30], [count or 1], [1, 49_999, 2]):
        kept = blocks(every, period_sizes)
        assert sitemaps.assemble_sitemap_indexes(kept) == expected, period_sizes
        assert sitemaps.count_sitemap_indexes(kept) == len(expected)
    assert len(expected) == (0 if count == 0 else 1 if count <= sitemaps.SITEMAP_INDEX_LIMIT else 2)


@pytest.mark.parametrize("seed", range(20))
def test_a_limit_inside_a_period_splits_as_from_scratch(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(seed)
    every = listed(rng.randint(0, 60))
    monkeypatch.setattr(sitemaps, "SITEMAP_INDEX_LIMIT", rng.randint(1, 12))
    if rng.random() < 0.5:  # a byte limit some entries in: files end before the count does
        (one,) = sitemaps.render_sitemap_indexes(every[:1] or listed(1))
        monkeypatch.setattr(sitemaps, "SITEMAP_BYTE_LIMIT", len(one) + rng.randint(0, 8) * 110)
    kept = blocks(every, [rng.randint(1, 15) for _ in range(5)])
    expected = from_scratch(every)
    assert sitemaps.assemble_sitemap_indexes(kept) == expected
    assert sitemaps.count_sitemap_indexes(kept) == len(expected)


def test_a_block_keeps_the_url_count_and_the_bounds_of_its_parts() -> None:
    every = listed(5)
    block = sitemaps.listing_block("2023-09", "stamp", [(s, n) for n, s in enumerate(every)])
    assert block.entries == 5 and block.url_count == 0 + 1 + 2 + 3 + 4
    sizes = block.entry_sizes()
    assert sum(length for length, _ in sizes) == len(block.body)
    assert sum(bound for _, bound in sizes) == block.bound
    # Each bound is at least what the entry takes: the split never passes the byte limit.
    assert all(bound >= length for length, bound in sizes)
    empty = sitemaps.listing_block("2023-10", "stamp", [])
    assert (empty.body, empty.entry_sizes(), empty.entries, empty.bound) == (b"", [], 0, 0)
    assert sitemaps.assemble_sitemap_indexes([empty]) == []
