"""Sitemaps end to end through `warta publish`: schemas, takedowns, periods, robots.txt, gzip, index split."""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from warta.cli.main import main
from warta.core.render import sitemaps
from warta.core.views import IndexedSitemap
from warta.synthetic import ArchiveSpec, iter_events

from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE, shared_path

NOW = "2023-09-21T00:00:00+07:00"
NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}
EVENT_FILES = sorted(EXAMPLE_EVENTS.glob("*.json"))


@pytest.fixture(scope="module")
def urlset_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(shared_path("xsd", "urlset-all.xsd"))))


@pytest.fixture(scope="module")
def index_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(shared_path("xsd", "siteindex.xsd"))))


def publish(tmp: Path, *events: Path, now: str = NOW, config: Path = EXAMPLE_SITE) -> Path:
    args = ["publish", "--config", str(config), "--out", str(tmp / "public"), "--state", str(tmp / "state")]
    assert main([*args, "--now", now, *map(str, events)]) in (0, 2)
    return tmp / "public"


def event(prefix: str) -> dict:
    (path,) = [p for p in EVENT_FILES if p.name.startswith(prefix)]
    return json.loads(path.read_text())


def write_event(tmp: Path, name: str, data: dict) -> Path:
    path = tmp / f"{name}.json"
    path.write_text(json.dumps(data))
    return path


def sitemap_files(public: Path) -> dict[str, bytes]:
    return {
        p.relative_to(public).as_posix(): p.read_bytes()
        for p in sorted(public.rglob("*"))
        if p.is_file() and (p.name.startswith("sitemap") or p.parent.name == "sitemaps")
    }


def locs(data: bytes) -> list[str]:
    return etree.fromstring(data).xpath("s:url/s:loc/text() | s:sitemap/s:loc/text()", namespaces=NS)


def shard_locs(public: Path) -> list[str]:
    return [
        loc
        for path, data in sitemap_files(public).items()
        if path.startswith("sitemaps/")
        for loc in locs(data)
    ]


def gz_config(tmp: Path) -> Path:
    config = tmp / "site.toml"
    config.write_text(EXAMPLE_SITE.read_text().replace("gzip = false", "gzip = true"))
    return config


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return publish(tmp_path_factory.mktemp("corpus"), EXAMPLE_EVENTS)


def test_every_sitemap_of_the_corpus_validates(
    corpus: Path, urlset_schema: etree.XMLSchema, index_schema: etree.XMLSchema
) -> None:
    files = sitemap_files(corpus)
    assert {"sitemap.xml", "sitemaps/2023-09.xml", "sitemap-news.xml"} <= set(files)
    for path, data in files.items():
        root = etree.fromstring(data)
        schema = index_schema if root.tag.endswith("sitemapindex") else urlset_schema
        if len(root) == 0:
            # The news sitemap of a quiet window: written, well-formed, one complaint from XSD.
            assert path == "sitemap-news.xml"
            continue
        assert schema.validate(root), (path, schema.error_log)
    # The index lists exactly the shard files written.
    listed = locs(files["sitemap.xml"])
    assert listed == [f"https://www.andalpost.com/{p}" for p in files if p.startswith("sitemaps/")]


def test_shard_lists_every_live_article_once_with_its_images(corpus: Path) -> None:
    urls = shard_locs(corpus)
    assert len(urls) == len(set(urls)) == 20  # the corpus README's live set, 023 included
    root = etree.fromstring((corpus / "sitemaps" / "2023-09.xml").read_bytes())
    korut = event("020")["article"]
    (url,) = root.xpath("s:url[s:loc = $u]", namespaces=NS, u=korut["url"])
    images = url.xpath("*[local-name() = 'image']/*[local-name() = 'loc']/text()")
    assert images[0] == korut["image"]["url"]
    lastmod = datetime.fromisoformat(url.findtext("s:lastmod", namespaces=NS))
    assert lastmod == datetime.fromisoformat(korut["updated_at"]).replace(microsecond=0)


def test_takedown_and_superseded_urls_vanish_from_shards_and_news(tmp_path: Path) -> None:
    # Inside the 48-hour window, so the news sitemap holds them before they go.
    now = "2023-09-12T12:00:00+07:00"
    moved = event("011")
    moved_r2 = json.loads(json.dumps(moved))
    moved_r2["article"]["revision"] = 2
    moved_r2["article"]["url"] += "-diperbarui"
    before = publish(tmp_path, *EVENT_FILES[:21], now=now)
    taken_down = event("016")["article"]["url"]
    news_before = locs((before / "sitemap-news.xml").read_bytes())
    assert moved["article"]["url"] in news_before
    assert taken_down in shard_locs(before)

    publish(tmp_path, EVENT_FILES[21], write_event(tmp_path, "moved", moved_r2), now=now)
    after = sitemap_files(tmp_path / "public")
    for path, data in after.items():
        assert taken_down.encode() not in data, path
        assert moved["article"]["url"].encode() + b"<" not in data, path
    assert moved_r2["article"]["url"] in shard_locs(tmp_path / "public")
    assert moved_r2["article"]["url"] in locs(after["sitemap-news.xml"])


def test_an_article_just_after_midnight_wib_is_in_octobers_shard(tmp_path: Path) -> None:
    october = event("011")
    october["article"]["published_at"] = "2023-10-01T00:30:00+07:00"  # 2023-09-30T17:30Z
    public = publish(tmp_path, write_event(tmp_path, "oct", october), now="2023-10-02T00:00:00+07:00")
    assert locs((public / "sitemaps" / "2023-10.xml").read_bytes()) == [october["article"]["url"]]
    assert not (public / "sitemaps" / "2023-09.xml").exists()
    assert locs((public / "sitemap.xml").read_bytes()) == ["https://www.andalpost.com/sitemaps/2023-10.xml"]


def test_robots_lists_the_index_and_the_news_sitemap(corpus: Path) -> None:
    lines = (corpus / "robots.txt").read_text().splitlines()
    assert [line for line in lines if line.startswith("Sitemap:")] == [
        "Sitemap: https://www.andalpost.com/sitemap.xml",
        "Sitemap: https://www.andalpost.com/sitemap-news.xml",
    ]
    assert not [p for p in sitemap_files(corpus) if p.endswith(".gz")]


def _gzip_header(data: bytes) -> tuple[int, int]:
    flags = data[3]
    mtime = int.from_bytes(data[4:8], "little")
    return flags, mtime


def test_gzip_variants_are_deterministic_and_listed(tmp_path: Path, corpus: Path) -> None:
    config = gz_config(tmp_path)
    public = publish(tmp_path / "a", *EVENT_FILES, config=config)
    files = sitemap_files(public)
    plain = {p: d for p, d in files.items() if not p.endswith(".gz")}
    assert plain == sitemap_files(corpus) | {
        "sitemap.xml": plain["sitemap.xml"]  # the index lists the .gz shards instead
    }
    for path, data in plain.items():
        packed = files[path + ".gz"]
        assert gzip.decompress(packed) == data
        flags, mtime = _gzip_header(packed)
        assert mtime == 0 and not flags & 0x08, path  # no mtime, no file name: same bytes any day
    assert locs(plain["sitemap.xml"]) == ["https://www.andalpost.com/sitemaps/2023-09.xml.gz"]
    robots = (public / "robots.txt").read_text()
    assert "Sitemap: https://www.andalpost.com/sitemap.xml.gz\n" in robots
    assert "Sitemap: https://www.andalpost.com/sitemap-news.xml.gz\n" in robots
    # Another order of events, another run: the same bytes, .gz included.
    again = publish(tmp_path / "b", *reversed(EVENT_FILES), config=config)
    assert sitemap_files(again) == files


def test_the_index_splits_past_its_limit_and_robots_lists_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, site, index_schema: etree.XMLSchema
) -> None:
    monkeypatch.setattr(sitemaps, "SITEMAP_INDEX_LIMIT", 2)
    # Five months of a quiet site: five shard files, so three index files of at most two.
    spec = ArchiveSpec(site, articles=5, per_day=1 / 30)
    events = [write_event(tmp_path, f"e{n}", e) for n, e in enumerate(iter_events(spec))]
    public = publish(tmp_path, *events, now="2021-01-01T00:00:00+07:00")
    shards = sorted(p for p in sitemap_files(public) if p.startswith("sitemaps/"))
    assert len(shards) == 5
    indexes = ["sitemap.xml", "sitemap-2.xml", "sitemap-3.xml"]
    listed = []
    for name in indexes:
        root = etree.fromstring((public / name).read_bytes())
        assert index_schema.validate(root), index_schema.error_log
        assert 1 <= len(root) <= 2
        listed += locs((public / name).read_bytes())
    assert listed == [f"https://www.andalpost.com/{p}" for p in shards]
    robots = (public / "robots.txt").read_text()
    # A quiet site (nothing in the last 48 hours): no news sitemap, and robots.txt names none.
    assert not (public / "sitemap-news.xml").exists()
    assert [line for line in robots.splitlines() if line.startswith("Sitemap:")] == [
        f"Sitemap: https://www.andalpost.com/{name}" for name in indexes
    ]
    # Back under the limit: the surplus index goes, and robots.txt follows.
    monkeypatch.setattr(sitemaps, "SITEMAP_INDEX_LIMIT", 4)
    args = [
        "rebuild",
        "--config",
        str(EXAMPLE_SITE),
        "--out",
        str(public),
        "--state",
        str(tmp_path / "state"),
    ]
    assert main([*args, "--now", "2021-01-01T00:00:00+07:00"]) == 0
    assert (public / "sitemap-2.xml").exists() and not (public / "sitemap-3.xml").exists()
    assert "sitemap-3.xml" not in (public / "robots.txt").read_text()


def test_split_index_counts_listed_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    listed = [IndexedSitemap(f"https://www.andalpost.com/sitemaps/{n}.xml", None) for n in range(10)]
    (whole,) = sitemaps.render_sitemap_indexes(listed[:3])
    monkeypatch.setattr(sitemaps, "SITEMAP_BYTE_LIMIT", len(whole))
    bodies = sitemaps.render_sitemap_indexes(listed)
    assert all(len(body) <= len(whole) for body in bodies)
    assert [loc for body in bodies for loc in locs(body)] == [s.loc for s in listed]
