"""`warta serve` answers 410 Gone for the AMP page of a taken-down article (issue 15 point 4)."""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from warta.cli.gone import gone_checker
from warta.cli.main import main
from warta.cli.serve import make_server
from warta.cli.serve_guard import foreign_metadata

from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE

AFTER_SCHEDULE = "2023-09-21T00:00:00+07:00"
TAKEN_DOWN = "016-"  # 022 takes it down
LIVE = "001-"


def _amp_path(prefix: str) -> str:
    (event,) = EXAMPLE_EVENTS.glob(f"{prefix}*.json")
    url = json.loads(event.read_text())["article"]["url"]
    return "/amp" + urlsplit(url).path + ".html"  # the example's [amp] path = "amp/{path}.html"


def _publish(tmp: Path, events: list[Path]) -> None:
    args = ["publish", "--config", str(EXAMPLE_SITE), "--out", str(tmp / "public")]
    args += ["--state", str(tmp / "state"), "--now", AFTER_SCHEDULE, "--progress", "off", "--no-ping"]
    assert main([*args, *map(str, events)]) == 0


def _status(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@pytest.fixture
def tree(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """Everything but the takedown published, then a server, as an operator would start it."""
    events = sorted(EXAMPLE_EVENTS.glob("*.json"))
    _publish(tmp_path, [e for e in events if not e.name.startswith("022-")])
    httpd = make_server(
        tmp_path / "public",
        tmp_path / "state" / "objects",
        0,
        is_gone=gone_checker([EXAMPLE_SITE], tmp_path / "state"),
    )
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield tmp_path, httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def test_a_taken_down_amp_page_answers_410_once_taken_down(tree: tuple[Path, int]) -> None:
    tmp, port = tree
    gone = _amp_path(TAKEN_DOWN)
    assert _status(port, gone) == 200
    (takedown,) = EXAMPLE_EVENTS.glob("022-*.json")
    _publish(tmp, [takedown])  # while the server runs
    assert _status(port, gone) == 410
    assert _status(port, _amp_path(LIVE)) == 200
    assert _status(port, "/amp/never/was/here.html") == 404


def test_a_restored_copy_of_a_taken_down_page_still_answers_410(tree: tuple[Path, int]) -> None:
    """A copy put back by hand (as an S3 version restore would) never serves the text again."""
    tmp, port = tree
    gone = _amp_path(TAKEN_DOWN)
    saved = tmp / "saved.html"
    shutil.copy(tmp / "public" / gone.lstrip("/"), saved)
    (takedown,) = EXAMPLE_EVENTS.glob("022-*.json")
    _publish(tmp, [takedown])
    assert _status(port, gone) == 410
    shutil.copy(saved, tmp / "public" / gone.lstrip("/"))
    assert _status(port, gone) == 410
    assert _status(port, _amp_path(LIVE)) == 200


def test_status_without_a_site_config_says_why(tmp_path: Path) -> None:
    """`warta serve` started with no --config and no ./site.toml still serves files; /_status says why."""
    (tmp_path / "public").mkdir()
    (tmp_path / "public" / "robots.txt").write_text("User-agent: *\n")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "warta.cli.main", "serve", "--out", "public", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert server.stdout is not None
        assert b"serving" in server.stdout.readline()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/_status")
        response = conn.getresponse()
        body = response.read().decode()
        conn.close()
        assert response.status == 503
        assert "site.toml: no such site config file" in body
        assert "--config" in body
        assert _status(port, "/robots.txt") == 200
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.parametrize(
    ("tree_files", "meta_files", "refused"),
    [
        (["feed/index.xml"], ["feed/index.xml.json"], False),
        (["amp/a/x.html"], ["amp/a.json"], False),  # its folder's metadata
        (["amp/b/x.html"], ["amp/a.json"], True),
        (["feed/index.xml", "robots.txt"], ["robots.txt.json", "x/gone.xml.json"], False),
        (["other/site.xml"], ["feed/index.xml.json"], True),
        ([], ["feed/index.xml.json"], False),  # an empty tree: nothing to disagree with
        (["feed/index.xml"], [], False),  # a tree copied without state: headers are guessed
    ],
)
def test_serve_refuses_a_state_of_another_tree(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    tree_files: list[str],
    meta_files: list[str],
    refused: bool,
) -> None:
    for root, names in ((tmp_path / "public", tree_files), (tmp_path / "state" / "objects", meta_files)):
        root.mkdir(parents=True, exist_ok=True)
        for name in names:
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text("x")
    reason = foreign_metadata(tmp_path / "public", tmp_path / "state" / "objects")
    assert (reason is not None) == refused
    if refused:
        argv = ["serve", "--out", str(tmp_path / "public"), "--state", str(tmp_path / "state")]
        assert main(argv) == 2
        assert "--state belongs to another --out" in capsys.readouterr().err
