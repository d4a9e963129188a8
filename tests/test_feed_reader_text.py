"""Issue 14, class 4: readers see text as text, in every feed format and profile.

RSS <title> and <description> have no type and readers parse them as HTML, so plain text is
escaped for HTML before the XML serialiser escapes it once more (`feed_fields.html_text`);
Atom says type="text"; JSON Feed's title and summary are plain text by its spec. Judged by
feedparser, the parser most readers in Python use: what a reader shows (the value as text when
the reader says text/plain; the HTML's text when it says text/html) is the original text, and
no reader receives an element.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import feedparser
import lxml.html
import pytest
from feedparser.sanitizer import _sanitize_html
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from warta.core.text import clean_line

from conftest import EXAMPLE_EVENTS
from support.cli_runs import article_event, publish_events

BASE = json.loads((EXAMPLE_EVENTS / "002-festival-layang-layang.json").read_text())
NOW = "2023-09-21T00:00:00+07:00"
ATOM = "http://www.w3.org/2005/Atom"


def publish(tmp: Path, title: str, summary: str) -> Path:
    code, printed = publish_events(
        tmp, NOW, [article_event(BASE, title=title, summary=summary, tags=[title[:100]])]
    )
    assert code == 0, printed
    return tmp / "public"


READ_JS = Path(__file__).resolve().parents[1] / "tools" / "feed-readers" / "read.js"


def rss_parser_items(out: Path) -> dict[str, Any]:
    """Every RSS and Atom file as rss-parser (npm; many Node feed readers) reads it."""
    files = [str(p) for p in sorted((out / "feed").rglob("*.xml"))]
    if shutil.which("node") is None or not (READ_JS.parent / "node_modules" / "rss-parser").is_dir():
        pytest.fail("rss-parser is installed by `make test` (tools/feed-readers, npm ci)")
    proc = subprocess.run(["node", str(READ_JS), *files], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return json.loads(proc.stdout)


def shown(detail: Any) -> str:
    """What a reader displays for a feedparser text construct."""
    value = detail["value"]
    if detail["type"] in ("text/html", "application/xhtml+xml") and value.strip():
        fragment = lxml.html.fragment_fromstring(value, create_parent="div")
        assert not len(fragment), f"markup reached the reader: {value!r}"
        return fragment.text_content()
    return value


def entries(out: Path) -> list[tuple[str, Any]]:
    found = []
    for path in sorted((out / "feed").rglob("*")):
        if path.suffix in (".xml", ".json") and path.is_file():
            parsed = feedparser.parse(path.read_bytes()) if path.suffix == ".xml" else None
            if parsed is not None:
                found += [(path.name, entry) for entry in parsed.entries]
            else:
                found += [(path.name, {"json": item}) for item in json.loads(path.read_text())["items"]]
    return found


def assert_readers_show(out: Path, title: str, summary: str) -> None:
    want_title, want_summary = clean_line(title), clean_line(summary) or clean_line(title)
    seen = 0
    for name, entry in entries(out):
        if "json" in entry:
            item = entry["json"]
            if item["url"] == BASE["article"]["url"]:
                assert item["title"] == want_title, name
                assert item.get("summary") == want_summary, name
                seen += 1
            continue
        if entry.get("link") != BASE["article"]["url"]:
            continue
        assert shown(entry["title_detail"]) == want_title, (name, entry["title_detail"])
        seen += 1
    # RSS <description>: feedparser lets a later media:description stand for the summary, so
    # each item's description goes through feedparser's own HTML handling directly.
    for path in sorted((out / "feed").rglob("*.xml")):
        tree = etree.parse(str(path))
        for description in tree.xpath("//item[link = $url]/description/text()", url=BASE["article"]["url"]):
            sanitized = _sanitize_html(description, "utf-8", "text/html")
            assert shown({"type": "text/html", "value": sanitized}) == want_summary, path
        for summary in tree.xpath(
            "//a:entry[a:link/@href = $url]/a:summary", url=BASE["article"]["url"], namespaces={"a": ATOM}
        ):
            assert summary.get("type") == "text" and summary.text == want_summary, path
    assert seen >= 5, "the article is in the home feed's formats and profiles"


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        ("Rumah <Kaca>", "Rumah <Kaca> dibuka"),
        ("Judul", "</description><script>alert(1)</script>"),
        ("<b>tebal</b> &amp; miring", "a &lt; b &#60; c"),
        ("Ekonomi & Bisnis", "AT&T, R&D, Q&A"),
        ("]]> akhir CDATA", "<![CDATA[ x ]]>"),
        ("\"kutip\" 'tunggal'", "<img src=x onerror=alert(1)>"),
        ("&copy 2023", "&nbsp;&#x3C;script&#x3E;"),
    ],
)
def test_hostile_text_reads_as_the_text_it_is(tmp_path: Path, title: str, summary: str) -> None:
    out = publish(tmp_path, title, summary)
    assert_readers_show(out, title, summary)
    # rss-parser: an RSS item's `content` is its description as HTML and `contentSnippet` that
    # HTML's text; neither may hold an element, and the text is the summary.
    want_title, want_summary = clean_line(title), clean_line(summary) or clean_line(title)
    checked = 0
    for name, items in rss_parser_items(out).items():
        if "/atom/" in name:
            continue  # Atom: content is the article body (type="html"), summary is type="text"
        for item in items:
            if item["link"] != BASE["article"]["url"]:
                continue
            assert shown({"type": "text/html", "value": item["title"]}) == want_title, (name, item["title"])
            assert shown({"type": "text/html", "value": item["content"]}) == want_summary, (name, item)
            assert " ".join(item["contentSnippet"].split()) == " ".join(want_summary.split()), (name, item)
            checked += 1
    assert checked >= 5


TEXT = (
    st.lists(
        st.sampled_from([*"<>&;#'\"/ ]![CDATAxabc", "&amp;", "&lt;", "]]>", "<script>", "&#60;", "é"]),
        min_size=1,
        max_size=30,
    )
    .map("".join)
    .filter(lambda t: clean_line(t))
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=TEXT, summary=TEXT)
def test_property_any_text_reads_as_itself(
    tmp_path_factory: pytest.TempPathFactory, title: str, summary: str
) -> None:
    out = publish(tmp_path_factory.mktemp("reader"), title, summary)
    assert_readers_show(out, title, summary)
