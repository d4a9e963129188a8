"""The plugin on a real WordPress (Debian's packages): MariaDB and WordPress on localhost, the
scenarios through WordPress's own PHP API, delivered to `warta serve`'s webhook."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from warta.cli.serve import make_server
from warta.cli.serve_webhook import make_receiver

from conftest import EXAMPLE_SITE

REPO = Path(__file__).resolve().parent.parent
E2E = REPO / "integrations/wordpress/tests/e2e"
DEBIAN_WORDPRESS = Path("/usr/share/wordpress")
SECRET = "e2e-secret"
pytestmark = pytest.mark.skipif(
    not (shutil.which("php") and shutil.which("mariadbd") and (DEBIAN_WORDPRESS / "wp-load.php").exists()),
    reason="WordPress, MariaDB or PHP not installed (tools/wordpress/setup.sh installs them as root)",
)
WP_CONFIG = """<?php
define('DB_NAME', 'wp'); define('DB_USER', 'root'); define('DB_PASSWORD', '');
define('DB_HOST', 'localhost:{socket}'); define('DB_CHARSET', 'utf8mb4'); define('DB_COLLATE', '');
$table_prefix = 'wp_';
define('DISABLE_WP_CRON', true);  // the test runs the plugin's cron hook itself
if (!defined('ABSPATH')) define('ABSPATH', __DIR__ . '/');
require_once ABSPATH . 'wp-settings.php';
"""


@pytest.fixture(scope="module")
def wordpress(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("wordpress")
    www = root / "www"
    shutil.copytree(DEBIAN_WORDPRESS, www, symlinks=False)
    sock = root / "db.sock"
    (www / "wp-config.php").write_text(WP_CONFIG.replace("{socket}", str(sock)))
    plugin = www / "wp-content/plugins/warta"
    if plugin.exists() or plugin.is_symlink():
        shutil.rmtree(plugin, ignore_errors=True)
    plugin.parent.mkdir(parents=True, exist_ok=True)
    plugin.symlink_to(REPO / "integrations/wordpress/warta")
    user = ["--user=root"] if os.geteuid() == 0 else []
    subprocess.run(
        ["mariadb-install-db", f"--datadir={root / 'db'}", "--auth-root-authentication-method=normal", *user],
        check=True,
        capture_output=True,
    )
    mariadb = subprocess.Popen(
        ["mariadbd", f"--datadir={root / 'db'}", f"--socket={sock}", "--skip-networking", *user],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            if (
                subprocess.run(
                    ["mariadb", "-S", str(sock), "-uroot", "-e", "CREATE DATABASE wp"], capture_output=True
                ).returncode
                == 0
            ):
                break
            time.sleep(0.1)
        _php(www, "install.php")
        yield www
    finally:
        mariadb.terminate()
        mariadb.wait(timeout=30)


def _php(www: Path, script: str, *args: str) -> str:
    result = subprocess.run(
        ["php", str(E2E / script), *args],
        capture_output=True,
        text=True,
        env=os.environ | {"WP_ROOT": str(www)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_scenarios_end_as_the_posts_say_with_nothing_lost(wordpress: Path, tmp_path: Path) -> None:
    # warta is down: every event stays in the outbox, pending.
    down = f"http://127.0.0.1:{_closed_port()}/_webhook"
    first: dict[str, Any] = json.loads(_php(wordpress, "scenario.php", down, SECRET, "saves"))
    assert first["outbox"] and {row["status"] for row in first["outbox"]} == {"pending"}
    assert first["reason"].endswith("section: no category is a site section and no default section is set")
    ids = first["ids"]
    sent_posts = {int(row["post_id"]) for row in first["outbox"]}
    assert int(ids["draft"]) not in sent_posts and int(ids["unplaced"]) not in sent_posts
    edited = [row for row in first["outbox"] if int(row["post_id"]) == ids["edited"]]
    revisions = [int(row["event_id"].rsplit("-r", 1)[1]) for row in edited]
    assert len(edited) == 2 and revisions[1] > revisions[0]  # two saves in one second, ordered

    # warta comes back: the retries deliver everything, signed, and the tree ends as the posts say.
    out, state = tmp_path / "public", tmp_path / "state"
    out.mkdir()
    args = argparse.Namespace(config=[str(EXAMPLE_SITE)], out=str(out), state=str(state))
    (tmp_path / "secret").write_text(SECRET)
    server = make_server(out, state / "objects", 0, None, make_receiver(args, SECRET.encode()))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/_webhook"
        second = json.loads(_php(wordpress, "scenario.php", url, SECRET, "deliver"))
    finally:
        server.shutdown()
        server.server_close()
    assert {row["status"] for row in second["outbox"]} == {"sent"}, second["outbox"]
    canonicals = {}
    for page in out.rglob("amp/**/*.html"):
        tree = etree.parse(str(page), etree.HTMLParser())
        canonicals[tree.xpath("//link[@rel='canonical']/@href")[0]] = tree.xpath("string(//h1)")
    assert canonicals == {second["permalink"]: "Harga cabai naik: versi kedua di detik yang sama"}
