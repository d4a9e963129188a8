"""`warta rebuild --workers N`: AMP pages rendered and written in N processes give the tree, the
metadata, the report and the quarantine a serial rebuild gives, byte for byte, and the pages
are all written before the feeds that link them (the render order's promise)."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from warta.adapters.directory_store import DirectoryStore
from warta.app import render, render_workers
from warta.app.render_workers import MIN_KEYS_FOR_WORKERS, wants_workers
from warta.cli.main import main

from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE
from support.cli_runs import publish_events

NOW = "2023-09-12T12:00:00+07:00"
BASE = json.loads((EXAMPLE_EVENTS / "002-festival-layang-layang.json").read_text())
BLOCKED_URL = "https://www.andalpost.com/nasional/blok/warga-berlari-pagi"


def _rebuild(tmp: Path, *extra: str) -> tuple[int, str]:
    args = ["rebuild", "--config", str(EXAMPLE_SITE), "--out", str(tmp / "public")]
    args += ["--state", str(tmp / "state"), "--now", NOW, "--no-ping", *extra]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(args)
    return code, printed.getvalue()


def _tree(tmp: Path) -> dict[str, tuple[bytes, dict[str, str]]]:
    """Every file of the public tree: its bytes and the metadata the store gives it."""
    store = DirectoryStore(tmp / "public", tmp / "state" / "objects")
    return {path: (store.get(path) or b"", store.metadata(path)) for path in store.list()}


def _published(tmp: Path, *extra_events: dict[str, Any]) -> Path:
    events = [json.loads(p.read_text()) for p in sorted(EXAMPLE_EVENTS.glob("*.json"))]
    code, printed = publish_events(tmp, NOW, [*events, *extra_events])
    assert code == 0, printed
    return tmp


def _article(number: int, url: str) -> dict[str, Any]:
    data = json.loads(json.dumps(BASE))
    data["event_id"] = f"evt-w-{number}"
    data["article"].update(id=f"w{number}", url=url, revision=1, title=f"Berita pekerja {number}")
    return data


@pytest.fixture
def in_workers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Workers for any number of pages, a few keys a task; counts the pages they answer for."""
    answered: list[int] = []
    real = render.render_in_workers

    def counting(*args: Any, **kwargs: Any) -> Iterator[render_workers.KeyResult]:
        for result in real(*args, **kwargs):
            answered.append(1)
            yield result

    monkeypatch.setattr(render_workers, "MIN_KEYS_FOR_WORKERS", 0)
    monkeypatch.setattr(render_workers, "KEYS_PER_TASK", 3)
    monkeypatch.setattr(render, "render_in_workers", counting)
    return answered


@pytest.mark.parametrize("fresh", [True, False], ids=["empty tree", "over the published tree"])
def test_a_rebuild_in_workers_gives_the_serial_tree_byte_for_byte(
    tmp_path: Path, in_workers: list[int], fresh: bool
) -> None:
    serial, parallel = _published(tmp_path / "serial"), tmp_path / "parallel"
    shutil.copytree(serial, parallel)
    for tmp in (serial, parallel):
        if fresh:
            shutil.rmtree(tmp / "public")
            shutil.rmtree(tmp / "state" / "objects")
    code, serial_printed = _rebuild(serial, "--workers", "1")
    assert code == 0 and in_workers == []
    code, parallel_printed = _rebuild(parallel, "--workers", "2")
    assert code == 0
    pages = {path for path in _tree(parallel) if path.startswith("amp/")}
    assert len(in_workers) == len(pages) > 10  # every page, from the workers
    assert _tree(parallel) == _tree(serial)
    assert parallel_printed == serial_printed  # the same counts: written, unchanged
    if fresh:  # every page was written before the first feed
        public = parallel / "public"
        newest_page = max((public / path).stat().st_mtime_ns for path in pages)
        assert newest_page <= min(p.stat().st_mtime_ns for p in (public / "feed").rglob("*.xml"))


@pytest.fixture
def slow_workers(monkeypatch: pytest.MonkeyPatch, in_workers: list[int]) -> None:
    """Workers whose first answer comes after this process has rendered all it may ahead."""
    counting = render.render_in_workers

    def slow(*args: Any) -> Iterator[render_workers.KeyResult]:
        idle = args[5]
        while idle is not None and idle():
            pass
        yield from counting(*args[:5], None)

    monkeypatch.setattr(render, "render_in_workers", slow)


@pytest.mark.parametrize("held_ahead", [0, 1, 1 << 40], ids=["none ahead", "one ahead", "all ahead"])
def test_feeds_and_sitemaps_rendered_while_the_workers_work_give_the_serial_tree_and_report(
    tmp_path: Path, slow_workers: None, monkeypatch: pytest.MonkeyPatch, held_ahead: int
) -> None:
    monkeypatch.setattr(render, "HELD_AHEAD_BYTES", held_ahead)
    failing = "feed:tag:banjir-rob"  # an output that cannot be rendered: quarantined at its turn
    real = render.render_key

    def render_key(key: Any, *args: Any) -> Any:
        if f"{key.kind}:{key.name}" == failing:
            raise ValueError("feed cannot be rendered")
        return real(key, *args)

    monkeypatch.setattr(render, "render_key", render_key)
    serial, parallel = _published(tmp_path / "serial"), tmp_path / "parallel"
    shutil.copytree(serial, parallel)
    for tmp in (serial, parallel):
        shutil.rmtree(tmp / "public")
        shutil.rmtree(tmp / "state" / "objects")
    code, serial_printed = _rebuild(serial, "--workers", "1")
    assert code == 0 and "quarantined: 1 outputs" in serial_printed, serial_printed
    code, parallel_printed = _rebuild(parallel, "--workers", "2")
    assert code == 0
    assert _tree(parallel) == _tree(serial)
    assert parallel_printed.replace(str(parallel), "TMP") == serial_printed.replace(str(serial), "TMP")
    public = parallel / "public"
    pages = [public / path for path in _tree(parallel) if path.startswith("amp/")]
    assert max(p.stat().st_mtime_ns for p in pages) <= min(
        p.stat().st_mtime_ns for p in (public / "feed").rglob("*.xml")
    )


def test_an_output_that_fails_in_a_worker_is_quarantined_as_in_a_serial_rebuild(
    tmp_path: Path, in_workers: list[int]
) -> None:
    printed = {}
    for workers in ("1", "2"):
        tmp = _published(tmp_path / workers, _article(1, BLOCKED_URL.replace("blok", "ekonomi")))
        # A file where the page's folder must be: the page cannot be written, the rest goes on.
        shutil.rmtree(tmp / "public" / "amp")
        (tmp / "public" / "amp" / "nasional").mkdir(parents=True)
        (tmp / "public" / "amp" / "nasional" / "blok").write_text("not a folder")
        code, out = publish_events(tmp, NOW, [_article(2, BLOCKED_URL)])
        assert code == 0 and "quarantined: 1" in out, out
        code, out = _rebuild(tmp, "--workers", workers)
        assert code == 0
        printed[workers] = out.replace(str(tmp), "TMP")  # the reason names the blocked path
    assert "quarantined: 1 outputs" in printed["2"] and "warga-berlari-pagi" in printed["2"]
    assert in_workers  # the pages were the workers'
    assert printed["2"] == printed["1"]
    assert _tree(tmp_path / "2") == _tree(tmp_path / "1")


@pytest.mark.parametrize(
    ("workers", "pages", "wanted"),
    [
        (1, 10 * MIN_KEYS_FOR_WORKERS, False),  # one process: the parent renders
        (2, MIN_KEYS_FOR_WORKERS - 1, False),  # too few pages to be worth starting processes
        (2, MIN_KEYS_FOR_WORKERS, True),
        (8, MIN_KEYS_FOR_WORKERS + 1, True),
        (2, 0, False),
    ],
)
def test_when_pages_are_worth_worker_processes(workers: int, pages: int, wanted: bool) -> None:
    assert wants_workers(workers, pages) is wanted


@pytest.mark.parametrize("value", ["0", "-2", "two"])
def test_workers_must_be_a_positive_whole_number(
    tmp_path: Path, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        _rebuild(tmp_path, "--workers", value)
    assert exit_info.value.code == 2
    assert "--workers" in capsys.readouterr().err


def _worker_pages(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every page key of the published example, rendered by a worker's own function here
    (in this process), into an empty tree."""
    from datetime import datetime

    from warta.adapters.local_stack import INDEX_FILE, LocalStores
    from warta.app.rebuild import all_outputs
    from warta.core.config import load_deployment
    from warta.core.planner import OutputKey

    deployment, now = load_deployment([EXAMPLE_SITE]), datetime.fromisoformat(NOW)
    opener = LocalStores(tmp / "state" / INDEX_FILE, tmp / "public", tmp / "state" / "objects")
    shutil.rmtree(tmp / "public")
    shutil.rmtree(tmp / "state" / "objects")
    monkeypatch.setattr(render_workers, "_worker", None)  # as it was, after the test
    render_workers._start(opener, deployment, now)
    keys = all_outputs(deployment.default_site, deployment, opener()[0], now)
    return sorted((key for key in keys if key.kind == "amp"), key=OutputKey.sort_key)


@pytest.mark.parametrize(
    ("held_bytes", "pages_per_read"), [(0, 1), (1, 2), (20_000, 3), (16 * 1024 * 1024, 20), (1 << 62, 1_000)]
)
def test_a_task_renders_then_writes_in_runs_with_the_same_results_and_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, held_bytes: int, pages_per_read: int
) -> None:
    expected_dir, tmp = _published(tmp_path / "each"), tmp_path / "runs"
    shutil.copytree(expected_dir, tmp)
    monkeypatch.setattr(render_workers, "HELD_BYTES", 1 << 62)
    monkeypatch.setattr(render_workers, "PAGES_PER_READ", 1)
    keys = _worker_pages(expected_dir, monkeypatch)
    expected = [render_workers._render_keys([key])[0] for key in keys]  # one key at a time
    monkeypatch.setattr(render_workers, "HELD_BYTES", held_bytes)
    monkeypatch.setattr(render_workers, "PAGES_PER_READ", pages_per_read)
    assert _worker_pages(tmp, monkeypatch) == keys
    assert render_workers._render_keys(keys) == expected
    assert _tree(tmp) == _tree(expected_dir) and len(keys) > 10


def test_a_page_that_cannot_be_rendered_is_its_own_fault_and_the_others_are_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    tmp = _published(tmp_path)
    keys = _worker_pages(tmp, monkeypatch)
    real, broken = render.render_key, keys[1]

    def render_key(key: Any, *args: Any) -> Any:
        if key == broken:
            raise ValueError("no page for this one")
        return real(key, *args)

    monkeypatch.setattr(render, "render_key", render_key)
    results = render_workers._render_keys(keys)
    assert [r.key for r in results] == keys
    assert [r.fault for r in results if r.fault] == ["ValueError: no page for this one"]
    assert results[1].applied == [] and all(r.applied for r in results if r.key != broken)
    pages = {path for path in _tree(tmp) if path.startswith("amp/")}
    assert len(pages) == len(keys) - 1

    def index_gone(*_: Any) -> Any:
        raise sqlite3.OperationalError("disk I/O error")

    # The index failing is no page's fault: the task fails, as a serial rebuild does.
    monkeypatch.setattr(render, "render_key", index_gone)
    with pytest.raises(sqlite3.OperationalError):
        render_workers._render_keys(keys)


def test_an_article_that_cannot_be_read_is_its_page_s_fault_and_its_run_s_others_are_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from warta.adapters.local_stack import INDEX_FILE

    tmp = _published(tmp_path)
    keys = _worker_pages(tmp, monkeypatch)
    broken = keys[1]
    with contextlib.closing(sqlite3.connect(tmp / "state" / INDEX_FILE)) as db, db:
        db.execute("UPDATE articles SET doc = '{\"not\": ' WHERE url = ?", (broken.name,))
    results = render_workers._render_keys(keys)  # the first run holds the broken article
    assert [r.key for r in results if r.fault] == [broken]
    assert all(r.applied for r in results if r.key != broken)
    assert len({path for path in _tree(tmp) if path.startswith("amp/")}) == len(keys) - 1


def test_a_rebuild_that_dies_after_its_pages_leaves_only_the_rest_queued(
    tmp_path: Path, in_workers: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from warta.adapters.local_stack import INDEX_FILE
    from warta.adapters.sqlite_index import SqliteIndex

    tmp = _published(tmp_path)
    monkeypatch.setattr(render, "DONE_AT_ONCE", 2)
    real = render.render_key

    def index_gone_after_pages(key: Any, *args: Any) -> Any:
        if key.kind == "shard":
            raise sqlite3.OperationalError("disk I/O error")  # no output's fault: the run dies
        return real(key, *args)

    monkeypatch.setattr(render, "render_key", index_gone_after_pages)
    code, _ = _rebuild(tmp, "--workers", "2")
    assert code != 0
    index = SqliteIndex(tmp / "state" / INDEX_FILE)
    left = {key for key, _ in index.take()}
    index.close()
    assert in_workers and not any(key.kind == "amp" for key in left)  # every page answered: done
    assert {key.kind for key in left} >= {"feed", "shard", "sitemap_index"}  # the rest still owed


def test_a_worker_reads_the_index_through_a_memory_map_and_a_publish_does_not(tmp_path: Path) -> None:
    """A worker reads rows all over the file (mapped). The stack's own index is not: mapped in
    every reader, a 20,000-article publish was 2-4 ms faster but a 1,000,000-article one (a 6 GB
    file, mapped in part) 2-4 ms slower, and its mapped pages counted in its resident size."""
    from warta.adapters.local_stack import INDEX_FILE, WORKER_MAPPED_BYTES, LocalStores
    from warta.adapters.sqlite_index import SqliteIndex

    worker_index, _ = LocalStores(tmp_path / "state" / INDEX_FILE, tmp_path / "public", tmp_path / "meta")()
    own_index = SqliteIndex(tmp_path / "state" / INDEX_FILE)
    try:
        (mapped,) = worker_index._db.execute("PRAGMA mmap_size").fetchone()
        (unmapped,) = own_index._db.execute("PRAGMA mmap_size").fetchone()
    finally:
        worker_index.close()
        own_index.close()
    assert 0 < mapped <= WORKER_MAPPED_BYTES and unmapped == 0
