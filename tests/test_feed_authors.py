"""Author feeds, and the tag feeds beside them, as the example site configures them.

One feed per author with a visible live article, holding exactly that author's `size` newest
live articles; an article leaves it when its authors change or it is taken down; `warta
validate` knows both kinds. Expected values come from the events, with a slug rule written
apart from warta's (the corpus's author names are plain ASCII).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
from lxml import etree

from warta.cli.main import main
from warta.core.text import clean_tags, slugify

from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE

NOW = "2023-09-21T00:00:00+07:00"  # after every event, 023's schedule included
EVENTS = sorted(EXAMPLE_EVENTS.glob("*.json"))
TAKEDOWN = EXAMPLE_EVENTS / "022-unpublished-016-senandung-kabut.json"
TAKEN_DOWN_ID = "48158"  # by Nadia Puspitasari


def name_slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_bytes())


def live_articles(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The visible live articles at their highest revision, newest first."""
    newest: dict[str, dict[str, Any]] = {}
    for event in events:
        article = event["article"]
        if article["id"] not in newest or article["revision"] > newest[article["id"]]["article"]["revision"]:
            newest[article["id"]] = event
    now = datetime.fromisoformat(NOW)
    live = [
        e["article"]
        for e in newest.values()
        if e["type"] != "article.unpublished" and datetime.fromisoformat(e["article"]["published_at"]) <= now
    ]
    return sorted(live, key=lambda a: (datetime.fromisoformat(a["published_at"]), a["id"]), reverse=True)


def by_author(live: list[dict[str, Any]]) -> dict[str, tuple[dict[str, str], list[str]]]:
    """author slug -> (the author as the newest article names them, their article ids newest first)."""
    feeds: dict[str, tuple[dict[str, str], list[str]]] = {}
    for article in live:
        for author in article["authors"]:
            feeds.setdefault(name_slug(author["name"]), (author, []))[1].append(article["id"])
    return feeds


def publish(root: Path, *events: Path, config: Path = EXAMPLE_SITE) -> None:
    args = ["publish", "--config", str(config), "--out", str(root / "public"), "--state", str(root / "state")]
    assert main([*args, "--now", NOW, "--no-ping", "--progress", "off", *map(str, events)]) == 0


def validate(root: Path) -> dict[str, Any]:
    args = ["validate", "--config", str(EXAMPLE_SITE), "--out", str(root / "public")]
    args += ["--state", str(root / "state"), "--now", NOW, "--json", "--progress", "off", "--no-amp"]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(args)
    return json.loads(out.getvalue())


def guids(path: Path) -> list[str]:
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, (path, parsed.get("bozo_exception"))
    return [entry.id.removeprefix("andalpost:") for entry in parsed.entries]


def author_feeds(root: Path) -> dict[str, list[str]]:
    folder = root / "public" / "feed" / "author"
    return {path.stem: guids(path) for path in sorted(folder.glob("*.xml"))}


def revised(path: Path, **changes: Any) -> dict[str, Any]:
    """The event of `path` as a next revision of its article, with `changes` to the article."""
    event = load(path)
    event["type"] = "article.updated"
    event["event_id"] += "-r2"
    event["article"] = {**event["article"], "revision": event["article"]["revision"] + 1, **changes}
    return event


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("author-feeds")
    publish(root, *EVENTS)
    return root


@pytest.fixture(scope="module")
def live() -> list[dict[str, Any]]:
    return live_articles([load(p) for p in EVENTS])


# --- the demo tree -------------------------------------------------------------------------------


def test_each_author_feed_holds_exactly_their_live_articles_newest_first(
    published: Path, live: list[dict[str, Any]]
) -> None:
    expected = by_author(live)
    assert len(expected) >= 10  # every byline of the corpus, two-author articles included
    assert author_feeds(published) == {slug: ids for slug, (_, ids) in expected.items()}


def test_an_author_feed_is_titled_and_linked_as_the_author(
    published: Path, live: list[dict[str, Any]]
) -> None:
    for slug, (author, _) in by_author(live).items():
        channel = feedparser.parse(
            (published / "public" / "feed" / "author" / f"{slug}.xml").read_bytes()
        ).feed
        assert channel.title == f"Andalpost — {author['name']}"
        assert channel.link == author["url"]
        assert channel.links[-1].href == f"https://www.andalpost.com/feed/author/{slug}.xml"  # atom:link self


def test_every_item_of_an_author_feed_credits_that_author(published: Path) -> None:
    for slug in author_feeds(published):
        rss = etree.parse(str(published / "public" / "feed" / "author" / f"{slug}.xml"))
        for item in rss.xpath("//item"):
            creators = item.xpath("*[local-name()='creator']/text()")
            assert slug in {name_slug(c) for c in creators}, (slug, creators)


def test_tag_feeds_are_in_the_demo_tree_with_their_live_articles(
    published: Path, live: list[dict[str, Any]]
) -> None:
    expected: dict[str, list[str]] = {}
    for article in live:
        for tag in clean_tags(article["tags"]):
            ids = expected.setdefault(slugify(tag), [])
            if article["id"] not in ids:  # two tags may share a slug
                ids.append(article["id"])
    folder = published / "public" / "feed" / "tag"
    assert {p.stem: guids(p) for p in sorted(folder.glob("*.xml"))} == expected
    # A tag of the taken-down article alone has no feed.
    assert not (folder / "senandung-kabut.xml").exists()


def test_the_demo_tree_with_tag_and_author_feeds_validates(
    published: Path, live: list[dict[str, Any]], tmp_path: Path
) -> None:
    report = validate(published)
    assert report["failures"] == []
    feeds = {p for p in (published / "public").rglob("*") if p.is_file() and "/feed/" in p.as_posix()}
    assert report["checked"]["feed"] == len(feeds)
    assert len(list((published / "public" / "feed" / "author").glob("*.xml"))) == len(by_author(live))


def test_validate_finds_a_live_article_missing_from_its_author_feed(published: Path, tmp_path: Path) -> None:
    shutil.copytree(published, tmp_path, dirs_exist_ok=True)
    path = tmp_path / "public" / "feed" / "author" / "rina-kusumawardani.xml"
    rss = etree.parse(str(path))
    first = rss.xpath("//item")[0]
    gone = first.findtext("link")
    first.getparent().remove(first)
    path.write_bytes(etree.tostring(rss, xml_declaration=True, encoding="utf-8"))
    report = validate(tmp_path)
    reasons = [f["reason"] for f in report["failures"] if f["path"] == "feed/author/rina-kusumawardani.xml"]
    assert any("missing from the feed" in r and gone in r for r in reasons), reasons


def test_validate_finds_an_author_feed_of_nobody(published: Path, tmp_path: Path) -> None:
    shutil.copytree(published, tmp_path, dirs_exist_ok=True)
    folder = tmp_path / "public" / "feed" / "author"
    shutil.copy(folder / "arif-rahmanto.xml", folder / "penulis-lama.xml")
    report = validate(tmp_path)
    assert [f["check"] for f in report["failures"] if f["path"] == "feed/author/penulis-lama.xml"] == [
        "index"
    ]


# --- changes -----------------------------------------------------------------------------------------


def test_an_author_change_leaves_the_old_authors_feed_on_the_next_publish(tmp_path: Path) -> None:
    publish(tmp_path, *EVENTS)
    before = author_feeds(tmp_path)
    assert before["arif-rahmanto"] == ["48180"] and "48212" in before["rina-kusumawardani"]
    maya = {"name": "Maya Larasati", "url": "https://www.andalpost.com/author/maya-larasati"}
    bagus = {"name": "Bagus Hariyanto", "url": "https://www.andalpost.com/author/bagus-hariyanto"}
    changes = tmp_path / "changes"
    changes.mkdir()
    (changes / "1.json").write_text(json.dumps(revised(EVENTS[8], authors=[maya])))  # 009: 48180
    (changes / "2.json").write_text(json.dumps(revised(EVENTS[10], authors=[bagus])))  # 011: 48212
    publish(tmp_path, changes)

    after = author_feeds(tmp_path)
    assert "arif-rahmanto" not in after  # his only article went to Maya: his feed is deleted
    assert "48212" not in after["rina-kusumawardani"] and after["rina-kusumawardani"]
    events = [load(p) for p in EVENTS] + [load(p) for p in sorted(changes.glob("*.json"))]
    assert after == {slug: ids for slug, (_, ids) in by_author(live_articles(events)).items()}
    # The index and the tree still agree.
    assert validate(tmp_path)["failures"] == []


def test_a_takedown_leaves_its_authors_feeds(tmp_path: Path) -> None:
    publish(tmp_path, *(p for p in EVENTS if p != TAKEDOWN))
    assert TAKEN_DOWN_ID in author_feeds(tmp_path)["nadia-puspitasari"]
    publish(tmp_path, TAKEDOWN)
    nadia = author_feeds(tmp_path)["nadia-puspitasari"]
    assert nadia and TAKEN_DOWN_ID not in nadia  # her other articles keep the feed
    feed = (tmp_path / "public" / "feed" / "author" / "nadia-puspitasari.xml").read_text()
    assert "senandung-kabut" not in feed and "Senandung Kabut" not in feed


def test_an_author_feed_holds_only_its_size_newest(tmp_path: Path, live: list[dict[str, Any]]) -> None:
    toml = EXAMPLE_SITE.read_text(encoding="utf-8")
    head, table, rest = toml.partition("[feeds.author]\n")
    assert table and rest.index("size = 50") < rest.index("\n\n")  # the table's own size line
    config = tmp_path / "site.toml"
    config.write_text(head + table + rest.replace("size = 50", "size = 2", 1), encoding="utf-8")
    publish(tmp_path, *EVENTS, config=config)
    yoga = by_author(live)["yoga-prasetyo"][1]
    assert len(yoga) > 2
    assert author_feeds(tmp_path)["yoga-prasetyo"] == yoga[:2]
