"""The `ArticleIndex` contract's sitemap listing blocks, run against SQLite and DynamoDB on moto.

What the port promises of `sitemap_listing`, `put_listing_blocks` and `drop_listing_blocks`
(core/ports.py): blocks per site and period, in period order with the header ("") first, bytes
as written, and `replace=False` never overwriting a block of the same stamp. Kept apart from
tests/test_contract_index.py only so that suite's other additions merge without this one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from warta.core.config import SiteConfig
from warta.core.ports import ArticleIndex
from warta.core.views import ListingBlock

from support.contracts import INDEXES, dynamodb_index, sqlite_index


@pytest.fixture(params=INDEXES)
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ArticleIndex]:
    if request.param == "sqlite":
        local = sqlite_index(tmp_path)
        yield local
        local.close()
    else:
        yield dynamodb_index(request.getfixturevalue("moto"))


def block(
    period: str, stamp: str = "s1", body: bytes = b"<sitemap>x</sitemap>", parts: int = 1
) -> ListingBlock:
    sizes = ",".join(f"{len(body) // parts}:{len(body)}" for _ in range(parts))
    return ListingBlock(period, stamp, body, sizes, parts, parts * len(body), parts * 10)


def test_blocks_round_trip_in_period_order_per_site(index: ArticleIndex, site: SiteConfig) -> None:
    assert index.sitemap_listing(site.id) == []
    september, header, august = block("2023-09", parts=3), block("", body=b"", parts=0), block("2023-08")
    index.put_listing_blocks(site.id, [september, header])
    index.put_listing_blocks(site.id, [august])
    index.put_listing_blocks("lain", [block("2023-09", stamp="other")])
    assert index.sitemap_listing(site.id) == [header, august, september]
    assert index.sitemap_listing("lain") == [block("2023-09", stamp="other")]


def test_a_block_of_any_size_round_trips_byte_for_byte(index: ArticleIndex, site: SiteConfig) -> None:
    # 5,000 parts of a period (5 million articles in a month): some 700 kB of entries.
    body = (
        b"".join(
            f"<sitemap><loc>https://www.andalpost.com/sitemaps/2023-09-{n}.xml</loc></sitemap>".encode()
            for n in range(5_000)
        )
        + "<sitemap><loc>https://www.andalpost.com/é &amp; ü</loc></sitemap>".encode()
    )
    big = block("2023-09", body=body, parts=5_001)
    index.put_listing_blocks(site.id, [big])
    assert index.sitemap_listing(site.id) == [big]


def test_replace_overwrites_and_keep_overwrites_only_another_stamp(
    index: ArticleIndex, site: SiteConfig
) -> None:
    index.put_listing_blocks(site.id, [block("2023-08"), block("2023-09")])
    index.put_listing_blocks(site.id, [block("2023-09", body=b"<sitemap>y</sitemap>")])
    assert index.sitemap_listing(site.id)[1].body == b"<sitemap>y</sitemap>"
    # replace=False: the same stamp is kept (a newer render wrote it), another is overwritten,
    # an absent period is written.
    index.put_listing_blocks(
        site.id,
        [
            block("2023-09", body=b"<sitemap>old</sitemap>"),
            block("2023-08", stamp="s2", body=b"<sitemap>z</sitemap>"),
            block("2023-07", body=b"<sitemap>w</sitemap>"),
        ],
        replace=False,
    )
    assert [(b.period, b.stamp, b.body) for b in index.sitemap_listing(site.id)] == [
        ("2023-07", "s1", b"<sitemap>w</sitemap>"),
        ("2023-08", "s2", b"<sitemap>z</sitemap>"),
        ("2023-09", "s1", b"<sitemap>y</sitemap>"),
    ]


def test_drop_removes_only_the_named_periods_of_the_site(index: ArticleIndex, site: SiteConfig) -> None:
    index.put_listing_blocks(site.id, [block(""), block("2023-08"), block("2023-09")])
    index.put_listing_blocks("lain", [block("2023-08")])
    index.drop_listing_blocks(site.id, ["2023-08", "2023-01"])  # one absent: no error
    assert [b.period for b in index.sitemap_listing(site.id)] == ["", "2023-09"]
    assert [b.period for b in index.sitemap_listing("lain")] == ["2023-08"]
    index.drop_listing_blocks(site.id, [])
    assert [b.period for b in index.sitemap_listing(site.id)] == ["", "2023-09"]
