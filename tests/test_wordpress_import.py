"""`warta import wordpress`: a WordPress export (WXR) streamed, mapped and published."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest
from lxml import etree

from warta.adapters.wxr_reader import read_posts, read_references
from warta.cli.main import main
from warta.synthetic.archive import ArchiveSpec
from warta.synthetic.wxr import write_wxr

from conftest import EXAMPLE_SITE

NOW = "2026-01-01T00:00:00+00:00"
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}

# As WordPress 6's exporter writes it (export_wp): authors first, the featured image's attachment
# after its post, postmeta pairs, categories and tags as <category domain=...>.
HANDMADE_WXR = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Andalpost</title>
<wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[rina]]></wp:author_login>
<wp:author_display_name><![CDATA[Rina Kusumawardani]]></wp:author_display_name></wp:author>
<item><title>Harga &amp; pasar</title><link>https://www.andalpost.com/ekonomi/harga-pasar/</link>
<dc:creator><![CDATA[rina]]></dc:creator>
<content:encoded><![CDATA[<p>Satu.</p><!--nextpage--><p>Dua.</p>]]></content:encoded>
<excerpt:encoded><![CDATA[Ringkas.]]></excerpt:encoded>
<wp:post_id>10</wp:post_id><wp:post_date_gmt><![CDATA[2025-03-01 02:00:00]]></wp:post_date_gmt>
<wp:post_modified_gmt><![CDATA[2025-03-02 02:00:00]]></wp:post_modified_gmt>
<wp:status><![CDATA[publish]]></wp:status><wp:post_type><![CDATA[post]]></wp:post_type>
<wp:post_password><![CDATA[]]></wp:post_password>
<category domain="category" nicename="ekonomi"><![CDATA[Ekonomi]]></category>
<category domain="post_tag" nicename="harga"><![CDATA[Harga]]></category>
<wp:postmeta><wp:meta_key><![CDATA[_thumbnail_id]]></wp:meta_key><wp:meta_value><![CDATA[11]]></wp:meta_value></wp:postmeta>
<wp:postmeta><wp:meta_key><![CDATA[_warta_revision]]></wp:meta_key><wp:meta_value><![CDATA[1740880800005]]></wp:meta_value></wp:postmeta>
</item>
<item><title>foto</title><wp:post_id>11</wp:post_id><wp:post_type><![CDATA[attachment]]></wp:post_type>
<wp:status><![CDATA[inherit]]></wp:status>
<wp:attachment_url><![CDATA[https://www.andalpost.com/wp-content/uploads/2025/03/a.jpg]]></wp:attachment_url>
<wp:postmeta><wp:meta_key><![CDATA[_wp_attachment_metadata]]></wp:meta_key>
<wp:meta_value><![CDATA[a:5:{s:5:"width";i:1600;s:6:"height";i:900;s:4:"file";s:5:"a.jpg";s:5:"sizes";a:1:{s:5:"thumb";a:2:{s:5:"width";i:150;s:6:"height";i:150;}}}]]></wp:meta_value></wp:postmeta>
<wp:postmeta><wp:meta_key><![CDATA[_wp_attachment_image_alt]]></wp:meta_key><wp:meta_value><![CDATA[Pasar]]></wp:meta_value></wp:postmeta>
</item>
<item><title>Draf</title><link>https://www.andalpost.com/?p=12</link><wp:post_id>12</wp:post_id>
<content:encoded><![CDATA[<p>x</p>]]></content:encoded><wp:status>draft</wp:status><wp:post_type>post</wp:post_type>
<wp:post_date_gmt>0000-00-00 00:00:00</wp:post_date_gmt>
<wp:post_modified_gmt>2025-03-01 00:00:00</wp:post_modified_gmt></item>
<item><title>Rahasia</title><link>https://www.andalpost.com/?p=13</link><wp:post_id>13</wp:post_id>
<content:encoded><![CDATA[<p>x</p>]]></content:encoded><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
<wp:post_password>pw</wp:post_password><wp:post_date_gmt>2025-03-01 00:00:00</wp:post_date_gmt>
<category domain="category" nicename="ekonomi"><![CDATA[Ekonomi]]></category></item>
<item><title>Tentang</title><link>https://www.andalpost.com/tentang/</link><wp:post_id>14</wp:post_id>
<content:encoded><![CDATA[<p>x</p>]]></content:encoded><wp:status>publish</wp:status><wp:post_type>page</wp:post_type></item>
<item><title>Tanpa rubrik</title><link>https://www.andalpost.com/?p=15</link><wp:post_id>15</wp:post_id>
<content:encoded><![CDATA[<p>x</p>]]></content:encoded><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
<wp:post_date_gmt>2025-03-01 00:00:00</wp:post_date_gmt>
<wp:post_modified_gmt>2025-03-01 00:00:00</wp:post_modified_gmt>
<category domain="category" nicename="uncategorized"><![CDATA[Uncategorized]]></category></item>
</channel></rss>
"""


@pytest.fixture
def handmade(tmp_path: Path) -> Path:
    path = tmp_path / "export.xml"
    path.write_text(HANDMADE_WXR)
    return path


def _run(tmp_path: Path, export: Path, *extra: str) -> int:
    return main(
        ["import", "wordpress", str(export), "--config", str(EXAMPLE_SITE), "--out", str(tmp_path / "public"),
         "--state", str(tmp_path / "state"), "--now", NOW, "--progress", "off", *extra]
    )  # fmt: skip


def test_dry_run_prints_the_mapped_events_and_reports_the_unplaceable(
    tmp_path: Path, handmade: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(tmp_path, handmade, "--dry-run") == 2  # post 15 has no section: rejected input
    captured = capsys.readouterr()
    events = [json.loads(line) for line in captured.out.splitlines()]
    assert [e["article"]["id"] for e in events] == ["wp-10"]
    article = events[0]["article"]
    assert article["revision"] == 1740880800005  # the plugin's counter, kept
    assert article["title"] == "Harga & pasar"
    assert article["pages"] == ["<p>Satu.</p>", "<p>Dua.</p>"]
    assert article["authors"] == [{"name": "Rina Kusumawardani"}]
    assert article["section"] == {"id": "ekonomi", "name": "Ekonomi"}
    assert article["image"] == {
        "url": "https://www.andalpost.com/wp-content/uploads/2025/03/a.jpg",
        "width": 1600,
        "height": 900,
        "alt": "Pasar",
    }
    assert "post 15: section:" in captured.err
    assert "1 password-protected" in captured.err and "1 status draft" in captured.err
    assert "1 post type page" in captured.err
    assert not (tmp_path / "public").exists()


def test_default_section_places_the_unplaced_post(
    tmp_path: Path, handmade: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(tmp_path, handmade, "--dry-run", "--default-section", "nasional") == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["article"]["id"] for e in events] == ["wp-10", "wp-15"]
    assert events[1]["article"]["section"]["id"] == "nasional"


def test_unknown_default_section_is_rejected_naming_the_option(tmp_path: Path, handmade: Path) -> None:
    assert _run(tmp_path, handmade, "--dry-run", "--default-section", "nope") == 2


def test_synthetic_export_of_1000_posts_publishes_every_public_post(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from conftest import load_site

    export = tmp_path / "export.xml"
    with export.open("w") as out:
        write_wxr(ArchiveSpec(load_site(EXAMPLE_SITE), articles=1000, per_day=50), out, draft_every=10)
    assert _run(tmp_path, export, "--no-ping") == 0
    assert "events: 900 accepted, 0 ignored as stale, 0 rejected" in capsys.readouterr().out
    locations = set()
    for sitemap in (tmp_path / "public" / "sitemaps").glob("*.xml"):
        locations.update(etree.parse(str(sitemap)).xpath("//s:url/s:loc/text()", namespaces=SITEMAP_NS))
    assert len(locations) == 900
    assert len(list((tmp_path / "public" / "amp").rglob("*.html"))) == 900


def test_reading_an_export_keeps_memory_flat(tmp_path: Path) -> None:
    """Peak Python allocations while streaming 2,000 posts stay near those for 200: nothing per
    post is kept (libxml2's own memory is measured by bench/wordpress_import.py as peak RSS)."""
    from conftest import load_site

    site = load_site(EXAMPLE_SITE)
    peaks = []
    for articles in (200, 2000):
        export = tmp_path / f"export-{articles}.xml"
        with export.open("w") as out:
            write_wxr(ArchiveSpec(site, articles=articles), out)
        references = read_references(export)
        tracemalloc.start()
        for _ in read_posts(export, references):
            pass
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < peaks[0] * 3


def test_plain_permalinks_get_one_amp_page_per_post(tmp_path: Path) -> None:
    export = tmp_path / "export.xml"
    export.write_text(
        HANDMADE_WXR.replace(
            "https://www.andalpost.com/ekonomi/harga-pasar/", "https://www.andalpost.com/?p=10"
        )
    )
    assert _run(tmp_path, export, "--default-section", "nasional", "--no-ping") == 0
    pages = sorted((tmp_path / "public" / "amp").rglob("*.html"))
    canonicals = [
        etree.parse(str(page), etree.HTMLParser()).xpath("//link[@rel='canonical']/@href")[0]
        for page in pages
    ]
    assert sorted(canonicals) == ["https://www.andalpost.com/?p=10", "https://www.andalpost.com/?p=15"]


def test_co_authors_plus_bylines_are_display_names_as_the_plugin_sends_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Co-Authors Plus exports a post's bylines as "author" terms named by login; the plugin
    sends get_coauthors()'s display names. The import resolves a login through the export's
    authors (wp:author) and guest authors (guest-author items, here after the post)."""
    byline = (
        '<category domain="author" nicename="cap-rina"><![CDATA[rina]]></category>'
        '<category domain="author" nicename="cap-tamu-budi"><![CDATA[tamu-budi]]></category>'
        '<category domain="author" nicename="cap-gone"><![CDATA[gone]]></category>'
    )
    guest = (
        "<item><title>Budi</title><wp:post_id>20</wp:post_id><wp:status>publish</wp:status>"
        "<wp:post_type>guest-author</wp:post_type>"
        "<wp:postmeta><wp:meta_key>cap-user_login</wp:meta_key>"
        "<wp:meta_value>tamu-budi</wp:meta_value></wp:postmeta>"
        "<wp:postmeta><wp:meta_key>cap-display_name</wp:meta_key>"
        "<wp:meta_value>Budi Santoso</wp:meta_value></wp:postmeta>"
        "</item>"
    )
    export = tmp_path / "export.xml"
    export.write_text(
        HANDMADE_WXR.replace(
            '<category domain="post_tag"', byline + '<category domain="post_tag"', 1
        ).replace("</channel>", guest + "</channel>")
    )
    _run(tmp_path, export, "--dry-run")
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert events[0]["article"]["authors"] == [
        {"name": "Rina Kusumawardani"},
        {"name": "Budi Santoso"},
        {"name": "gone"},  # a login the export does not name: as it is
    ]
