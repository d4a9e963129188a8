"""`warta rebuild` makes the tree exactly what the index and the config say, locally.

Each kind of stray is planted in a published tree (a page of a taken-down article restored by
hand, a temp file of a killed writer, the pages of an old `amp.path`, a feed no config makes)
beside files that are not the site's (another site sharing the tree, static files); the dry run
lists exactly the strays, the rebuild removes exactly them, and the empty-index guard refuses
to let a new `--state` shrink a published tree.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from warta.cli.main import main

from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE

NOW = "2023-09-12T12:00:00+07:00"
EVENTS = sorted(EXAMPLE_EVENTS.glob("*.json"))
TAKEDOWN = next(p for p in EVENTS if p.name.startswith("022-"))
TAKEN_DOWN_AMP = "amp/hiburan/senandung-kabut-rilis-album-kedua-gema-lembah.html"
NOT_THE_SITES = {
    "kabar/feed/index.xml": b"<rss/>",  # another site sharing the tree (output_prefix kabar/)
    "kabar/amp/nasional/x.html": b"<html></html>",
    "static/app.css": b"body{}",  # files the site never writes
    "index.html": b"<html></html>",
    "amp/notes.txt": b"not an AMP page",  # in the AMP folder, but no amp.path output
    "sitemap-news.xml.bak": b"<urlset/>",  # beside a sitemap, but no sitemap path's output
}


def _run(command: str, tmp: Path, *extra: str, config: Path = EXAMPLE_SITE, state: str = "state") -> int:
    args = [command, "--config", str(config), "--out", str(tmp / "public"), "--state", str(tmp / state)]
    args += ["--now", NOW, "--no-ping"]
    return main([*args, *extra])


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def _config(tmp: Path, amp_path: str) -> Path:
    text = EXAMPLE_SITE.read_text().replace('path = "amp/{path}.html"', f'path = "{amp_path}"')
    path = tmp / f"site-{amp_path.split('/')[0]}.toml"
    path.write_text(text)
    return path


def _plant(public: Path, files: dict[str, bytes]) -> None:
    for name, body in files.items():
        (public / name).parent.mkdir(parents=True, exist_ok=True)
        (public / name).write_bytes(body)


@pytest.fixture
def published(tmp_path: Path) -> Path:
    before = [p for p in EVENTS if p is not TAKEDOWN]
    assert _run("publish", tmp_path, *map(str, before)) == 0
    page = (tmp_path / "public" / TAKEN_DOWN_AMP).read_bytes()
    assert _run("publish", tmp_path, str(TAKEDOWN)) == 0
    assert not (tmp_path / "public" / TAKEN_DOWN_AMP).exists()
    (tmp_path / "public" / TAKEN_DOWN_AMP).write_bytes(page)  # as an S3 version restore would
    return tmp_path


def test_rebuild_removes_exactly_the_strays(published: Path, capsys: pytest.CaptureFixture[str]) -> None:
    public = published / "public"
    strays = {
        TAKEN_DOWN_AMP,
        "feed/atom/.warta-tmp-k1ll3d",  # a writer killed between write and rename
        ".warta-tmp-abc",
        "feed/tag/a-tag-no-article-has.xml",
        "sitemaps/2019-01.xml",
        "sitemaps/2023-09.xml.gz",  # gzip was on once
    }
    _plant(public, {name: b"stray" for name in strays if name != TAKEN_DOWN_AMP})
    _plant(public, NOT_THE_SITES)
    before = _files(public)
    capsys.readouterr()

    assert _run("rebuild", published, "--dry-run") == 0
    out = capsys.readouterr().out
    listed = {line.removeprefix("stray ") for line in out.splitlines() if line.startswith("stray ")}
    assert listed == strays
    assert f"andalpost: {len(strays)} stray files would be removed" in out
    assert _files(public) == before  # a dry run changes nothing

    assert _run("rebuild", published) == 0
    assert f"swept: {len(strays)} stray files removed" in capsys.readouterr().out
    assert _files(public) == before - strays
    for name, body in NOT_THE_SITES.items():
        assert (public / name).read_bytes() == body

    assert _run("rebuild", published, "--dry-run") == 0
    assert "andalpost: 0 stray files would be removed" in capsys.readouterr().out


def test_rebuild_after_an_amp_path_change_removes_every_old_page(tmp_path: Path) -> None:
    assert _run("publish", tmp_path, *map(str, EVENTS)) == 0
    public = tmp_path / "public"
    old = {f for f in _files(public) if f.startswith("amp/")}
    assert len(old) > 10
    moved = _config(tmp_path, "m/{path}.html")
    assert _run("rebuild", tmp_path, config=moved) == 0
    files = _files(public)
    assert not {f for f in files if f.startswith("amp/")}
    assert {f.replace("amp/", "m/", 1) for f in old} == {f for f in files if f.startswith("m/")}


def test_a_takedown_after_an_amp_path_change_removes_every_copy(tmp_path: Path) -> None:
    before = [p for p in EVENTS if p is not TAKEDOWN]
    assert _run("publish", tmp_path, *map(str, before)) == 0
    moved = _config(tmp_path, "m/{path}.html")
    assert _run("publish", tmp_path, str(before[0]), config=moved) == 0  # the new path is in use
    new_copy = TAKEN_DOWN_AMP.replace("amp/", "m/", 1)
    (tmp_path / "public" / new_copy).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "public" / TAKEN_DOWN_AMP, tmp_path / "public" / new_copy)
    assert _run("publish", tmp_path, str(TAKEDOWN), config=moved) == 0
    assert not (tmp_path / "public" / TAKEN_DOWN_AMP).exists()
    assert not (tmp_path / "public" / new_copy).exists()


@pytest.mark.parametrize("command", ["publish", "rebuild"])
def test_a_new_index_beside_a_published_tree_is_refused(
    published: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    public = published / "public"
    before = {name: (public / name).read_bytes() for name in _files(public)}
    capsys.readouterr()
    events = [str(EVENTS[0])] if command == "publish" else []
    assert _run(command, published, *events, state="fresh-state") == 2
    err = capsys.readouterr().err
    assert "index is new or empty" in err and "--new-index" in err and "andalpost" in err
    assert {name: (public / name).read_bytes() for name in _files(public)} == before
    assert _run(command, published, *events, "--new-index", state="fresh-state") == 0


def test_a_new_index_beside_an_empty_tree_publishes(tmp_path: Path) -> None:
    _plant(tmp_path / "public", {"static/app.css": b"body{}"})  # not an output of the site
    assert _run("publish", tmp_path, str(EVENTS[0])) == 0


@pytest.mark.parametrize(
    ("ahead", "code"), [(timedelta(minutes=-5), 0), (timedelta(minutes=5), 2), (timedelta(days=30), 2)]
)
def test_rebuild_refuses_a_clock_ahead_of_the_real_one(
    tmp_path: Path, ahead: timedelta, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    now = (datetime.now(UTC) + ahead).isoformat()
    args = ["--config", str(EXAMPLE_SITE), "--out", str(tmp_path / "p"), "--state", str(tmp_path / "s")]
    assert main(["rebuild", *args, "--now", now, "--no-ping"]) == code
    if code == 2:
        assert "ahead of the real clock" in capsys.readouterr().err
        assert not (tmp_path / "p" / "robots.txt").exists()
