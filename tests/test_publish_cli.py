"""End to end on the local default: `warta publish` over the corpus, as a newsroom would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from warta.cli.main import main

from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE, shared_path

AFTER_SCHEDULE = "2023-09-21T00:00:00+07:00"  # 023 (scheduled for 2023-09-20 06:00 WIB) is due
BEFORE_SCHEDULE = "2023-09-15T00:00:00+07:00"
EVENT_FILES = sorted(EXAMPLE_EVENTS.glob("*.json"))
LIVE_IDS = {
    "48205",
    "48110",
    "48131",
    "48142",
    "48125",
    "48150",
    "48166",
    "48171",
    "48180",
    "48195",
    "48212",
    "48118",
    "48146",
    "48176",
    "48201",
    "48183",
    "48161",
    "48207",
    "48190",
    "48220",
}


def _event(name_prefix: str) -> dict:
    (path,) = [p for p in EVENT_FILES if p.name.startswith(name_prefix)]
    return json.loads(path.read_text())


def publish(
    tmp: Path, *events: str | Path, now: str = AFTER_SCHEDULE, out: str = "public", command: str = "publish"
) -> int:
    args = [
        command,
        "--config",
        str(EXAMPLE_SITE),
        "--out",
        str(tmp / out),
        "--state",
        str(tmp / f"{out}-state"),
        "--now",
        now,
    ]
    return main(args + [str(e) for e in events])


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def all_text(root: Path) -> str:
    return "\n".join(body.decode("utf-8") for body in tree(root).values())


@pytest.fixture(scope="module")
def forward(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus published once, in file-name order: the reference tree."""
    tmp = tmp_path_factory.mktemp("forward")
    assert publish(tmp, EXAMPLE_EVENTS) == 0
    return tmp / "public"


def test_publish_makes_every_output_kind(forward: Path) -> None:
    files = set(tree(forward))
    assert "feed/index.xml" in files
    sections = {
        _event(p.name[:3])["article"]["section"]["id"]
        for p in EVENT_FILES
        if "section" in _event(p.name[:3])["article"]
    }
    assert {f"feed/{s}.xml" for s in sections} <= files
    assert {"sitemap.xml", "sitemaps/2023-09.xml", "sitemap-news.xml", "robots.txt"} <= files
    amp_pages = {f for f in files if f.startswith("amp/")}
    assert len(amp_pages) == len(LIVE_IDS)


def test_every_live_article_has_its_amp_page(forward: Path) -> None:
    for path in EVENT_FILES:
        event = json.loads(path.read_text())
        article = event["article"]
        if article["id"] not in LIVE_IDS or event["type"] == "article.unpublished":
            continue
        page = forward / "amp" / (article["url"].split("/", 3)[3] + ".html")
        assert page.is_file(), f"no AMP page for {article['id']}"
        html = etree.HTML(page.read_bytes())
        assert html.xpath("//link[@rel='canonical']/@href") == [article["url"]]


def test_home_feed_lists_live_articles_newest_first(forward: Path) -> None:
    rss = etree.parse(str(forward / "feed" / "index.xml"))
    guids = rss.xpath("//item/guid/text()")
    assert {g.split(":")[-1] for g in guids} == LIVE_IDS
    dates = rss.xpath("//item/pubDate/text()")
    from email.utils import parsedate_to_datetime

    moments = [parsedate_to_datetime(d) for d in dates]
    assert moments == sorted(moments, reverse=True)


def test_publishing_again_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert publish(tmp_path, EXAMPLE_EVENTS) == 0
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "public").rglob("*") if p.is_file()}
    capsys.readouterr()
    assert publish(tmp_path, EXAMPLE_EVENTS) == 0
    summary = capsys.readouterr().out
    assert "0 accepted, 24 ignored as stale, 0 rejected" in summary
    assert "outputs: 0 written" in summary and "0 deleted" in summary
    after = {p: p.stat().st_mtime_ns for p in (tmp_path / "public").rglob("*") if p.is_file()}
    assert after == before


def test_reverse_order_gives_the_same_tree(tmp_path: Path, forward: Path) -> None:
    assert publish(tmp_path, *reversed(EVENT_FILES)) == 0
    assert tree(tmp_path / "public") == tree(forward)


def test_one_event_per_call_gives_the_same_tree(tmp_path: Path, forward: Path) -> None:
    for path in EVENT_FILES[::-1]:
        assert publish(tmp_path, path) == 0
    assert tree(tmp_path / "public") == tree(forward)


def test_four_concurrent_processes_give_the_same_tree(tmp_path: Path, forward: Path) -> None:
    groups = [EVENT_FILES[i::4] for i in range(4)]
    base = [
        sys.executable,
        "-m",
        "warta.cli.main",
        "publish",
        "--config",
        str(EXAMPLE_SITE),
        "--out",
        str(tmp_path / "public"),
        "--state",
        str(tmp_path / "public-state"),
        "--now",
        AFTER_SCHEDULE,
    ]
    env = {**os.environ, "PYTHONHASHSEED": "random"}
    procs = [
        subprocess.Popen([*base, *map(str, group)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for group in groups
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, (out, err)
    assert tree(tmp_path / "public") == tree(forward)


def test_takedown_and_superseded_text_appear_nowhere(forward: Path) -> None:
    text = all_text(forward)
    taken_down = _event("016")["article"]
    assert taken_down["url"] not in text
    assert taken_down["title"] not in text
    assert "Semarak Ulang Tahun Korea Utara Ke-75, Rusia Turut Merayakan" not in text
    assert "Juru bicara Kremlin Dmitry Peskov" not in text
    assert _event("004")["article"]["summary"] not in text
    assert _event("020")["article"]["title"] in text
    assert _event("021")["article"]["summary"] in text


def test_scheduled_article_appears_only_once_due(tmp_path: Path, forward: Path) -> None:
    scheduled = _event("023")["article"]
    assert publish(tmp_path, EXAMPLE_EVENTS, now=BEFORE_SCHEDULE) == 0
    early = all_text(tmp_path / "public")
    assert scheduled["url"] not in early
    assert scheduled["title"] not in early
    # Time passes: any later run releases it, and the tree matches one published late.
    assert publish(tmp_path, now=AFTER_SCHEDULE, command="rebuild") == 0
    late = tree(tmp_path / "public")
    assert scheduled["url"] in all_text(tmp_path / "public")
    assert late == tree(forward)


def _invalid_files() -> list[Path]:
    return sorted(shared_path("corpus", "invalid").glob("*.json"))


INVALID_FIELDS = {
    "missing-url-on-published.json": "article: 'url' is a required property",
    "published-at-without-offset.json": "article/published_at",
    "revision-zero.json": "article/revision",
    "unknown-type-article-deleted.json": "type:",
    "pages-empty-array.json": "article/pages",
    "title-empty-string.json": "article/title",
    "extra-unknown-field-in-article.json": "'slug' was unexpected",
    "extra-unknown-field-top-level.json": "'priority' was unexpected",
    "section-id-uppercase.json": "article/section/id",
    "not-json-at-all.json": "not valid JSON",
    "truncated-json.json": "not valid JSON",
    "unpublished-missing-revision.json": "article: 'revision' is a required property",
}


@pytest.mark.parametrize("name", sorted(INVALID_FIELDS))
def test_invalid_event_is_rejected_and_changes_nothing(
    name: str, forward: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    invalid = shared_path("corpus", "invalid", name)
    assert publish(tmp_path, EXAMPLE_EVENTS) == 0
    before = tree(tmp_path / "public")
    capsys.readouterr()
    assert publish(tmp_path, invalid) == 2
    out = capsys.readouterr().out
    assert f"rejected {invalid}: " in out
    assert INVALID_FIELDS[name] in out
    assert tree(tmp_path / "public") == before


def test_invalid_events_do_not_stop_valid_ones(tmp_path: Path, forward: Path) -> None:
    mixed = [*_invalid_files(), *EVENT_FILES]
    assert publish(tmp_path, *mixed) == 2
    assert tree(tmp_path / "public") == tree(forward)
    assert len(_invalid_files()) == len(INVALID_FIELDS)


def test_private_state_never_lands_in_the_public_tree(forward: Path) -> None:
    assert not [p for p in tree(forward) if "sqlite" in p or p.startswith(".")]


def test_events_from_stdin_as_json_lines(
    tmp_path: Path, forward: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    lines = b"".join(json.dumps(json.loads(p.read_bytes())).encode() + b"\n" for p in EVENT_FILES)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(lines)))
    assert publish(tmp_path, "-") == 0
    assert tree(tmp_path / "public") == tree(forward)


def test_several_sites_publish_into_their_own_trees(tmp_path: Path) -> None:
    other = (
        EXAMPLE_SITE.read_text()
        .replace('id = "andalpost"', 'id = "lainpost"')
        .replace("https://www.andalpost.com", "https://www.lainpost.com")
        .replace('output_prefix = ""', 'output_prefix = "lainpost"')
    )
    (tmp_path / "lain.toml").write_text(other)
    event = _event("001")
    event["site"] = "lainpost"
    event["article"]["url"] = event["article"]["url"].replace("www.andalpost.com", "www.lainpost.com")
    (tmp_path / "lain-event.json").write_text(json.dumps(event))
    args = [
        "publish",
        "--config",
        str(EXAMPLE_SITE),
        "--config",
        str(tmp_path / "lain.toml"),
        "--out",
        str(tmp_path / "public"),
        "--state",
        str(tmp_path / "state"),
        "--now",
        AFTER_SCHEDULE,
    ]
    assert main([*args, str(tmp_path / "lain-event.json"), str(EVENT_FILES[1])]) == 0
    files = set(tree(tmp_path / "public"))
    assert "lainpost/feed/index.xml" in files and "feed/index.xml" in files
    lain_feed = (tmp_path / "public" / "lainpost" / "feed" / "index.xml").read_text()
    assert "www.lainpost.com/internasional/" in lain_feed
    assert "andalpost.com/nasional" not in lain_feed
    # An event for a site the deployment does not publish is rejected, naming the field.
    event["site"] = "tidakada"
    (tmp_path / "unknown.json").write_text(json.dumps(event))
    assert main([*args, str(tmp_path / "unknown.json")]) == 2
