"""Quiet days are valid days: with nothing in the news window the tree still passes the sitemap
XSDs, ultimate-sitemap-parser and scrapy's sitemap parser, and `warta validate`.

The rule (docs/operations.md, "Quiet days"): the news sitemap exists while it has an entry.
When the 48-hour window empties it is deleted and robots.txt stops naming it; the next article
in the window brings both back. A site with no live article at all has no sitemap index either
(sitemaps.org: an index lists at least one sitemap) and robots.txt names no sitemap.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from usp.objects.sitemap import InvalidSitemap
from usp.tree import sitemap_from_str

from warta.cli.main import main

from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE, shared_path

EVENTS = sorted(EXAMPLE_EVENTS.glob("*.json"))
NEWEST = datetime.fromisoformat("2023-09-20T06:00:00+07:00")  # 023, the last article published
BASE = "https://www.andalpost.com/"


def _publish(tmp: Path, now: datetime, *events: Path) -> int:
    args = ["--config", str(EXAMPLE_SITE), "--out", str(tmp / "public"), "--state", str(tmp / "state")]
    return main(["publish", *args, "--now", now.isoformat(), "--no-ping", *map(str, events)])


def _validate(tmp: Path, now: datetime, *extra: str) -> int:
    args = ["--config", str(EXAMPLE_SITE), "--out", str(tmp / "public"), "--state", str(tmp / "state")]
    return main(["validate", *args, "--now", now.isoformat(), *extra])


def _robots_sitemaps(public: Path) -> list[str]:
    return list(sitemap_urls_from_robots((public / "robots.txt").read_text(), base_url=BASE))


def _check_sitemaps(public: Path) -> None:
    """Every sitemap robots.txt names exists and every consumer reads it."""
    schemas = {
        "sitemapindex": etree.XMLSchema(etree.parse(str(shared_path("xsd", "siteindex.xsd")))),
        "urlset": etree.XMLSchema(etree.parse(str(shared_path("xsd", "urlset-all.xsd")))),
    }
    for url in _robots_sitemaps(public):
        path = public / url.removeprefix(BASE)
        body = path.read_bytes()
        root = etree.fromstring(body)
        schema = schemas[etree.QName(root).localname]
        assert schema.validate(root), (path, schema.error_log)
        parsed = Sitemap(body)
        assert parsed.type == etree.QName(root).localname
        assert list(parsed), path  # scrapy yields the <url>/<sitemap> entries
        assert not isinstance(sitemap_from_str(body.decode()), InvalidSitemap), path


@pytest.mark.parametrize(
    ("after_newest", "news"),
    [
        (timedelta(0), True),  # published this instant
        (timedelta(hours=48) - timedelta(seconds=1), True),  # the last second of the window
        (timedelta(hours=48), False),  # the window (now - 48 h, now] has just closed
        (timedelta(days=30), False),  # a quiet month
    ],
)
def test_the_news_sitemap_exists_while_the_window_has_an_article(
    tmp_path: Path, after_newest: timedelta, news: bool
) -> None:
    now = NEWEST + after_newest
    assert _publish(tmp_path, now, *EVENTS) == 0
    public = tmp_path / "public"
    assert (public / "sitemap-news.xml").exists() is news
    assert (f"{BASE}sitemap-news.xml" in _robots_sitemaps(public)) is news
    assert f"{BASE}sitemap.xml" in _robots_sitemaps(public)
    _check_sitemaps(public)
    assert _validate(tmp_path, now, "--no-amp") == 0


def test_a_quiet_day_deletes_the_news_sitemap_and_the_next_article_brings_it_back(tmp_path: Path) -> None:
    quiet = NEWEST + timedelta(days=3)
    assert _publish(tmp_path, NEWEST, *EVENTS) == 0
    public = tmp_path / "public"
    assert (public / "sitemap-news.xml").exists()
    assert _publish(tmp_path, quiet, EVENTS[0]) == 0  # a stale resend: only the clock moved
    assert not (public / "sitemap-news.xml").exists()
    assert f"{BASE}sitemap-news.xml" not in _robots_sitemaps(public)
    _check_sitemaps(public)
    event = EVENTS[0].read_text()
    fresh = tmp_path / "fresh.json"
    fresh.write_text(
        event.replace('"revision": 1', '"revision": 5')
        .replace("2023-09-10T19:40:00+07:00", (quiet - timedelta(hours=1)).isoformat())
        .replace('"event_id": "', '"event_id": "fresh-')
    )
    assert _publish(tmp_path, quiet, fresh) == 0
    assert (public / "sitemap-news.xml").exists()
    assert f"{BASE}sitemap-news.xml" in _robots_sitemaps(public)
    _check_sitemaps(public)


def test_a_site_with_no_live_article_validates(tmp_path: Path) -> None:
    published, taken_down = (p for p in EVENTS if p.name[:3] in {"016", "022"})
    now = datetime.fromisoformat("2023-09-12T00:00:00+07:00")
    assert _publish(tmp_path, now, published, taken_down) == 0
    public = tmp_path / "public"
    assert not (public / "sitemap.xml").exists() and not (public / "sitemap-news.xml").exists()
    assert _robots_sitemaps(public) == []
    assert _validate(tmp_path, now) == 0  # the AMP validator too: there is no page to check


def test_the_status_page_of_a_quiet_day_reports_nothing_missing(tmp_path: Path) -> None:
    """The news sitemap is absent by design on a quiet day: the status page must not call it
    missing (robots.txt names only what exists, and its own check catches a named file gone)."""
    from warta.cli.status import status_page

    quiet = NEWEST + timedelta(days=3)
    assert _publish(tmp_path, NEWEST, *EVENTS) == 0
    assert _publish(tmp_path, quiet, EVENTS[0]) == 0
    page = status_page([EXAMPLE_SITE], tmp_path / "public", tmp_path / "state", quiet).decode()
    assert "sitemap-news.xml" not in page or "missing" not in page
    (tmp_path / "public" / "robots.txt").unlink()
    page = status_page([EXAMPLE_SITE], tmp_path / "public", tmp_path / "state", quiet).decode()
    assert "missing" in page  # robots.txt is always expected
