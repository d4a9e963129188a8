"""The plugin on a real WordPress (Debian's packages): MariaDB and WordPress on localhost, the
scenarios through WordPress's own PHP API, delivered to `warta serve`'s webhook; then the site's
export (WordPress's own exporter) through `warta import wordpress` gives the same tree. Then the
admin screens over HTTP (PHP's built-in server), a save while warta hangs, and the plugin's
deactivation, reactivation and uninstall."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import lxml.html
import pytest
from lxml import etree

from warta.cli.main import main
from warta.cli.serve import make_server
from warta.cli.serve_webhook import make_receiver

from conftest import EXAMPLE_SITE

REPO = Path(__file__).resolve().parent.parent
E2E = REPO / "integrations/wordpress/tests/e2e"
DEBIAN_WORDPRESS = Path("/usr/share/wordpress")
SECRET = "e2e-secret"
pytestmark = [
    pytest.mark.skipif(
        not (
            shutil.which("php") and shutil.which("mariadbd") and (DEBIAN_WORDPRESS / "wp-load.php").exists()
        ),
        reason="WordPress, MariaDB or PHP not installed (tools/wordpress/setup.sh installs them as root)",
    ),
    # One WordPress run serves every test here: on one xdist worker (make test: --dist loadgroup).
    pytest.mark.xdist_group("wordpress_real"),
]
WP_CONFIG = """<?php
define('DB_NAME', 'wp'); define('DB_USER', 'root'); define('DB_PASSWORD', '');
define('DB_HOST', 'localhost:{socket}'); define('DB_CHARSET', 'utf8mb4'); define('DB_COLLATE', '');
$table_prefix = 'wp_';
define('DISABLE_WP_CRON', true);  // the test runs the plugin's cron hook itself
// Behind a proxy ending TLS, as WordPress documents it: the admin screens' test requests PHP's
// built-in server in plain HTTP, and WordPress keeps an https site's admin on https.
if (($_SERVER['HTTP_X_FORWARDED_PROTO'] ?? '') === 'https') $_SERVER['HTTPS'] = 'on';
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
    (www / "wp-content/mu-plugins").mkdir(exist_ok=True)
    shutil.copy(E2E / "mu-plugin.php", www / "wp-content/mu-plugins/warta-e2e.php")
    mariadb = _start_mariadb(root, sock)
    try:
        _php(www, "install.php")
        yield www
    finally:
        mariadb.terminate()
        mariadb.wait(timeout=30)


# The server's own options only: Debian's option files name a pid file under /run/mysqld, which a
# fresh machine's container may lack, and name-resolving the host is no concern of a socket-only
# test server.
MARIADB_OPTIONS = ("--no-defaults", "--skip-name-resolve", "--innodb-buffer-pool-size=32M")
MARIADB_READY_SECONDS = 60


def _start_mariadb(root: Path, sock: Path) -> subprocess.Popen[bytes]:
    """A MariaDB server on a socket only, with an empty database `wp`. Installing the system
    tables is tried twice (a fresh datadir each time): one failure in CI printed nothing
    (bootstrap output was captured and dropped), so a failure now says what MariaDB said."""
    user = ["--user=root"] if os.geteuid() == 0 else []
    said = []
    for attempt in range(2):
        data = root / f"db{attempt}"
        install = subprocess.run(
            [
                "mariadb-install-db",
                *MARIADB_OPTIONS[:1],
                f"--datadir={data}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                "--force",
                *user,
                *MARIADB_OPTIONS[1:],
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if install.returncode == 0:
            break
        said.append(f"attempt {attempt + 1}, exit {install.returncode}:\n{install.stdout}\n{install.stderr}")
    else:
        pytest.fail("mariadb-install-db failed twice:\n" + "\n".join(said))
    log = root / "mariadbd.log"
    server = subprocess.Popen(
        [
            "mariadbd",
            *MARIADB_OPTIONS,
            f"--datadir={data}",
            f"--socket={sock}",
            f"--pid-file={root / 'mariadbd.pid'}",
            f"--log-error={log}",
            "--skip-networking",
            *user,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + MARIADB_READY_SECONDS
    while True:
        create = subprocess.run(
            ["mariadb", "--no-defaults", "-S", str(sock), "-uroot", "-e", "CREATE DATABASE wp"],
            capture_output=True,
            text=True,
        )
        if create.returncode == 0:
            return server
        if server.poll() is not None or time.monotonic() > deadline:
            server.terminate()
            server.wait(timeout=30)
            text = log.read_text(errors="replace") if log.exists() else "(no log)"
            pytest.fail(f"mariadbd did not take CREATE DATABASE: {create.stderr}\nits log:\n{text[-4000:]}")
        time.sleep(0.1)


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


@contextmanager
def _warta_serve(root: Path) -> Iterator[str]:
    """`warta serve` of the example site publishing into root/public (state in root/state): its
    webhook's URL."""
    out, state = root / "public", root / "state"
    out.mkdir()
    args = argparse.Namespace(config=[str(EXAMPLE_SITE)], out=str(out), state=str(state))
    server = make_server(out, state / "objects", 0, None, make_receiver(args, SECRET.encode()))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/_webhook"
    finally:
        server.shutdown()
        server.server_close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


XML_NS = {"atom": "http://www.w3.org/2005/Atom", "sitemap": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def _text(element: etree._Element, path: str) -> str:
    """The text at a path of local names below element ("link/@href": an attribute)."""
    steps = "/".join(
        step if step.startswith("@") else f"*[local-name()='{step}']" for step in path.split("/")
    )
    return str(element.xpath(f"string({steps})"))


def _reader_view(root: Path) -> dict[str, Any]:
    """What readers of each file of a tree see: feed items (guid or id, link, title), sitemap
    entries (loc, lastmod, news title), AMP pages (canonical, headline, the article's text);
    other files as their bytes."""
    view: dict[str, Any] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        name = path.relative_to(root).as_posix()
        if path.suffix == ".json":
            feed = json.loads(path.read_bytes())
            view[name] = sorted((i["id"], i["url"], i.get("title")) for i in feed["items"])
        elif path.suffix == ".xml":
            tree = etree.parse(str(path))
            rows = [
                ("item", _text(item, "guid") or _text(item, "id"),
                 _text(item, "link") or _text(item, "link/@href"), _text(item, "title"))
                for item in tree.xpath("//item | //atom:entry", namespaces=XML_NS)
            ] + [
                ("entry", _text(entry, "loc"), _text(entry, "lastmod"), _text(entry, "news/title"))
                for entry in tree.xpath("//sitemap:url | //sitemap:sitemap", namespaces=XML_NS)
            ]  # fmt: skip
            view[name] = sorted(rows)
        elif path.suffix == ".html":
            page = etree.parse(str(path), etree.HTMLParser())
            view[name] = (
                page.xpath("string(//link[@rel='canonical']/@href)"),
                page.xpath("string(//h1)"),
                " ".join(" ".join(page.xpath("//body//text()")).split()),
            )
        else:
            view[name] = path.read_bytes()
    return view


TAKEN_DOWN = ("deleted", "privated", "pended", "passworded")  # published, then taken down


@pytest.fixture(scope="module")
def run(wordpress: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The scenarios: saves while warta is down, the retries once it is back (the tree then),
    then takedowns and a scheduled post going live while it is up. What scenario.php printed
    after each phase, and the tree."""
    down = f"http://127.0.0.1:{_closed_port()}/_webhook"
    saves: dict[str, Any] = json.loads(_php(wordpress, "scenario.php", down, SECRET, "saves"))
    root = tmp_path_factory.mktemp("warta")
    out = root / "public"
    with _warta_serve(root) as url:
        deliver = json.loads(_php(wordpress, "scenario.php", url, SECRET, "deliver"))
        delivered_view = _reader_view(out)
        _php(wordpress, "scenario.php", url, SECRET, "later")
        later = json.loads(_php(wordpress, "scenario.php", url, SECRET, "deliver"))
    return {
        "saves": saves,
        "deliver": deliver,
        "delivered_view": delivered_view,
        "later": later,
        "ids": saves["ids"],
        "root": root,
        "out": out,
    }


def _amp_pages(view: dict[str, Any]) -> dict[str, str]:
    """Canonical URL -> headline of every AMP page of a tree."""
    return {page[0]: page[1] for name, page in view.items() if name.startswith("amp/")}


def test_scenarios_end_as_the_posts_say_with_nothing_lost(run: dict[str, Any]) -> None:
    # warta is down: every event stays in the outbox, pending.
    saves, ids = run["saves"], run["ids"]
    assert saves["outbox"] and {row["status"] for row in saves["outbox"]} == {"pending"}
    assert saves["reason"].endswith("section: no category is a site section and no default section is set")
    # One event per save (the featured image given to wp_insert_post is not sent twice); none
    # for the draft, the unplaced post, the protected one.
    sent = Counter(int(row["post_id"]) for row in saves["outbox"])
    once = ("scheduled", "featured", "goes_live", *TAKEN_DOWN)
    assert sent == Counter({ids["edited"]: 2, ids["trashed"]: 2, **{ids[name]: 1 for name in once}})
    edited = [row for row in saves["outbox"] if int(row["post_id"]) == ids["edited"]]
    revisions = [int(row["event_id"].rsplit("-r", 1)[1]) for row in edited]
    assert len(edited) == 2 and revisions[1] > revisions[0]  # two saves in one second, ordered

    # warta comes back: the retries deliver everything, signed, and the tree ends as the posts say.
    assert {row["status"] for row in run["deliver"]["outbox"]} == {"sent"}, run["deliver"]["outbox"]
    published = run["deliver"]["permalinks"]
    assert _amp_pages(run["delivered_view"]) == {
        published["edited"]: "Harga cabai naik: versi kedua di detik yang sama",
        published["featured"]: "Harga & pasokan cabai \u201caman\u201d kata menteri",
        **{published[name]: f"Berita yang nanti {name}" for name in TAKEN_DOWN},
    }
    featured = next(page for name, page in run["delivered_view"].items() if name.startswith("amp/2025/"))
    assert "Halaman satu. Lanjutan. Halaman dua." in featured[2]  # both pages, nothing lost


def test_a_post_deleted_made_private_pending_or_protected_is_nowhere_in_the_tree(run: dict[str, Any]) -> None:
    ids, before = run["ids"], run["deliver"]
    after = run["later"]
    assert {row["status"] for row in after["outbox"]} == {"sent"}, after["outbox"]
    events = [json.loads(row["body"]) for row in after["outbox"][len(before["outbox"]) :]]
    assert [(e["type"], e["article"]["id"]) for e in events] == [
        *(("article.unpublished", f"wp-{ids[name]}") for name in TAKEN_DOWN),
        ("article.published", f"wp-{ids['goes_live']}"),
        ("article.published", f"wp-{ids['edited']}"),  # its featured image, set without a save
    ]
    assert events[-1]["article"]["image"]["alt"] == "Pedagang cabai di Pasar Induk"
    assert after["permalinks"]["deleted"] is None  # wp_delete_post(..., true): gone
    assert set(_amp_pages(_reader_view(run["out"]))) == {
        before["permalinks"]["edited"],
        before["permalinks"]["featured"],
        after["permalinks"]["goes_live"],  # its pretty permalink now, no longer /?p=ID
    }
    # Nothing of a post taken down, trashed, scheduled for 2030, protected or unplaced is left
    # anywhere: no AMP page, no feed item (guid "andalpost:wp-ID"), no sitemap entry.
    tree = b"".join(path.read_bytes() for path in run["out"].rglob("*") if path.is_file())
    assert f"?p={ids['goes_live']}".encode() not in tree
    for name in ("trashed", "scheduled", "draft", "unplaced", "protected", *TAKEN_DOWN):
        assert f"andalpost:wp-{ids[name]}<".encode() not in tree, name
        assert f'"andalpost:wp-{ids[name]}"'.encode() not in tree, name
        for link in {before["permalinks"][name], run["later"]["permalinks"][name]} - {None}:
            assert link.encode() not in tree, (name, link)


def test_the_sites_export_imported_into_an_empty_tree_gives_the_same_tree(
    run: dict[str, Any], wordpress: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """WordPress's own exporter (Tools -> Export -> All content), then `warta import wordpress`
    of it into an empty tree with the same config, on the real clock as the webhook: the same
    tree, byte for byte. Event ids and revisions agree (the import reads the plugin's
    _warta_revision meta), and no file carries the build time (feeds' dates and sitemaps' lastmod
    are the articles'), so no byte may differ; what readers see is compared first, for a
    readable failure."""
    root, out = run["root"], run["out"]
    export = root / "export.xml"
    export.write_text(_php(wordpress, "export.php"))
    imported = root / "imported"
    now = datetime.now(UTC).isoformat(timespec="seconds")
    capsys.readouterr()
    code = main(
        ["import", "wordpress", str(export), "--config", str(EXAMPLE_SITE), "--out", str(imported),
         "--state", str(root / "imported-state"), "--now", now, "--progress", "off", "--no-ping"]
    )  # fmt: skip
    summary = capsys.readouterr().out
    # The unplaced post and WordPress's "Hello world!" (in Uncategorized, saved before the plugin
    # was active) are reported with the reason the plugin shows the editor; the rest go on.
    assert code == 2, summary
    assert f"rejected export.xml:post {run['ids']['unplaced']}: {run['saves']['reason']}\n" in summary
    # Accepted: the edited, featured and gone-live posts, and the one scheduled for 2030 (shown
    # nowhere yet, as in the plugin's tree).
    assert "events: 4 accepted, 0 ignored as stale, 2 rejected" in summary, summary
    assert _reader_view(imported) == _reader_view(out)
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {p.relative_to(imported).as_posix() for p in imported.rglob("*") if p.is_file()} == files
    for name in sorted(files):
        assert (imported / name).read_bytes() == (out / name).read_bytes(), name


# The admin screens and the plugin's lifecycle. These change the site (new posts, options), so
# they come after the export -> import test, and the lifecycle test (which uninstalls the plugin)
# comes last: pytest runs a module's tests in file order.


class _Browser:
    """One user's browser on the site over HTTP: its cookies; redirects are not followed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies = {"wordpress_test_cookie": "WP%20Cookie%20check"}  # wp-login.php's check

    def request(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
        """GET path, or POST the form to it: the status, the Location header and the body."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {
            "Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items()),
            "X-Forwarded-Proto": "https",  # the site is https: see WP_CONFIG
        }
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(
                "GET" if form is None else "POST", path, None if form is None else urlencode(form), headers
            )
            response = connection.getresponse()
            body = response.read().decode()
        finally:
            connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value
        return response.status, response.headers.get("Location", ""), body

    def log_in(self, login: str) -> None:
        form = {"log": login, "pwd": "pw", "testcookie": "1", "redirect_to": "/wp-admin/"}
        status, _, body = self.request("/wp-login.php", form)
        assert status == 302, body


@pytest.fixture(scope="module")
def admin(run: dict[str, Any], wordpress: Path) -> Iterator[dict[str, _Browser]]:
    """The site served by PHP's built-in server, after the scenarios: the browsers of an
    administrator ("chief") and of an editor ("desk", without manage_options), each logged in
    through wp-login.php."""
    _php(wordpress, "admin.php", "users")
    port = _closed_port()
    server = subprocess.Popen(
        ["php", "-S", f"127.0.0.1:{port}", "-t", str(wordpress)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            assert server.poll() is None, f"php -S 127.0.0.1:{port} exited"
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        browsers = {login: _Browser(port) for login in ("chief", "desk")}
        for login, browser in browsers.items():
            browser.log_in(login)
        yield browsers
    finally:
        server.terminate()
        server.wait(timeout=30)


def _settings_form(page: str) -> dict[str, str]:
    """The settings page's form as the browser would submit it (hidden fields included)."""
    forms = lxml.html.document_fromstring(page).xpath("//form[@action='options.php']")
    assert len(forms) == 1, page
    return dict(forms[0].form_values())


def _submit_settings(browser: _Browser, form: dict[str, str]) -> tuple[dict[str, str], str]:
    """POSTs the settings form to options.php and follows its redirect back to the settings page:
    that page's notices (the settings errors, by id: their text) and the page."""
    status, location, body = browser.request("/wp-admin/options.php", form)
    assert status == 302 and "settings-updated=true" in location, (status, body)
    back = urlsplit(location)
    status, _, page = browser.request(f"{back.path}?{back.query}")
    assert status == 200, page
    notices = lxml.html.document_fromstring(page).xpath("//div[contains(@class, 'settings-error')]")
    return {notice.get("id"): " ".join(notice.text_content().split()) for notice in notices}, page


def test_the_settings_page_shows_the_settings_but_not_the_secret_and_refuses_invalid_input(
    admin: dict[str, _Browser], wordpress: Path
) -> None:
    chief, desk = admin["chief"], admin["desk"]
    saved = json.loads(_php(wordpress, "admin.php", "options"))  # as admin.php "users" set them
    status, location, page = chief.request("/wp-admin/options-general.php?page=warta")
    assert status == 200, (location, page)
    form = _settings_form(page)
    assert {name: form[name] for name in saved} == {**saved, "warta_secret": ""}
    assert saved["warta_secret"] not in page  # never sent back, not even masked
    secret = lxml.html.document_fromstring(page).xpath("//input[@name='warta_secret']")[0]
    assert (secret.get("type"), secret.get("autocomplete")) == ("password", "new-password")
    assert form["option_page"] == "warta" and form["_wpnonce"]  # the settings API's nonce

    # Saved through options.php: site.toml's quoted names unquoted, the secret taken as typed.
    changed = {
        "warta_webhook_url": "https://hooks.andalpost.test:8443/prod/_webhook?site=andalpost&v=2",
        "warta_secret": "n3w <secret> %41",  # sanitize_text_field would strip the tag and "%41"
        "warta_post_types": "post",
        "warta_sections": 'nasional = "Nasional"\r\ngaya-hidup = "Gaya Hidup"\r\n',
        "warta_default_section": "gaya-hidup",
    }
    notices, page = _submit_settings(chief, form | changed)
    assert notices == {"setting-error-settings_updated": "Settings saved."}, notices
    expected = changed | {"warta_sections": "nasional = Nasional\ngaya-hidup = Gaya Hidup"}
    assert json.loads(_php(wordpress, "admin.php", "options")) == expected

    # Invalid input is refused with a settings error naming it, escaped, and the value before
    # kept; an empty secret keeps the secret.
    invalid = {
        "warta_webhook_url": "warta <b>webhook</b>",
        "warta_secret": "",
        "warta_post_types": "post, berita",
        "warta_sections": "nasional = Nasional\nGaya Hidup",
        "warta_default_section": "gaya hidup",
    }
    notices, page = _submit_settings(chief, _settings_form(page) | invalid)
    assert set(notices) == {f"setting-error-{name}" for name in invalid} - {"setting-error-warta_secret"}
    assert "not an http(s) URL: warta <b>webhook</b>" in notices["setting-error-warta_webhook_url"]
    assert "<b>webhook</b>" in lxml.html.document_fromstring(page).text_content()  # shown as text
    assert "not registered on this site: berita" in notices["setting-error-warta_post_types"]
    assert "Gaya Hidup" in notices["setting-error-warta_sections"]
    assert "gaya hidup is not the id of one of the sections" in notices["setting-error-warta_default_section"]
    assert json.loads(_php(wordpress, "admin.php", "options")) == expected
    shown = _settings_form(page)
    assert {name: shown[name] for name in expected} == expected | {"warta_secret": ""}
    assert "n3w" not in page

    # An editor (no manage_options) gets no page, and options.php refuses their form.
    status, _, page = desk.request("/wp-admin/options-general.php?page=warta")
    assert status == 403 and "Sorry, you are not allowed to access this page." in page, page
    assert "warta_webhook_url" not in page
    status, _, page = desk.request("/wp-admin/options.php", form | {"warta_webhook_url": "http://x.test/"})
    assert status == 403, page
    assert json.loads(_php(wordpress, "admin.php", "options")) == expected


def test_the_outbox_screen_shows_the_counts_and_the_last_errors_escaped(
    admin: dict[str, _Browser], wordpress: Path, tmp_path: Path
) -> None:
    down = f"http://127.0.0.1:{_closed_port()}/_webhook"
    with _warta_serve(tmp_path) as url:
        outbox = json.loads(_php(wordpress, "admin.php", "outbox", url, down, SECRET))
    ids = {name: str(post_id) for name, post_id in outbox["ids"].items()}
    rows = {row["post_id"]: row for row in outbox["rows"]}
    assert rows[ids["sent"]]["status"] == "sent"
    rejected = rows[ids["rejected"]]
    assert (rejected["status"], rejected["last_error"]) == (
        "failed",
        "HTTP 400: article/section/id: unknown section 'daerah'",  # warta's own answer
    )
    pending = rows[ids["pending"]]
    assert pending["status"] == "pending" and "refused" in pending["last_error"], pending
    planted = rows[ids["planted"]]
    assert planted["last_error"] == 'HTTP 400: <script>alert("warta")</script> & <b>more</b>'

    status, _, page = admin["chief"].request("/wp-admin/tools.php?page=warta-outbox")
    assert status == 200, page
    wrap = lxml.html.document_fromstring(page).xpath("//div[@class='wrap']")[0]
    counts = dict(re.findall(r"(Pending|Failed|Sent): (\d+)", wrap.text_content()))
    by_status = {status: int(row["n"]) for status, row in outbox["counts"].items()}
    assert counts == {name: str(by_status.get(name.lower(), 0)) for name in ("Pending", "Failed", "Sent")}
    assert int(counts["Pending"]) >= 1 and int(counts["Failed"]) >= 2 and int(counts["Sent"]) >= 1
    errors = {
        cells[0]: cells
        for cells in ([td.text_content() for td in tr.xpath("td")] for tr in wrap.xpath(".//tbody/tr"))
    }
    assert ids["sent"] not in errors
    for name in ("rejected", "pending", "planted"):
        row = rows[ids[name]]
        assert errors[ids[name]][:4] == [row["post_id"], row["event_id"], row["status"], row["attempts"]]
        assert errors[ids[name]][-1] == row["last_error"]  # the reason, shown as text
    assert '<script>alert("warta")' not in page and "&lt;script&gt;alert(" in page

    status, _, page = admin["desk"].request("/wp-admin/tools.php?page=warta-outbox")
    assert status == 403 and "Sorry, you are not allowed to access this page." in page, page


def test_saving_a_post_never_waits_on_warta(run: dict[str, Any], wordpress: Path) -> None:
    """The webhook accepts connections and never answers: the saves, and the whole request with
    its shutdown hooks, end well before the plugin's HTTP timeout, the events pending."""
    with socket.socket() as hanging:
        hanging.bind(("127.0.0.1", 0))
        hanging.listen(16)  # the kernel completes the handshakes; nothing reads or answers
        url = f"http://127.0.0.1:{hanging.getsockname()[1]}/_webhook"
        saved = json.loads(_php(wordpress, "admin.php", "save", url))
    limit = saved["timeout_seconds"] / 5
    assert saved["insert_seconds"] < limit and saved["update_seconds"] < limit, saved
    assert saved["request_seconds"] < limit, saved
    assert [(row["status"], row["attempts"]) for row in saved["rows"]] == [("pending", "0")] * 2


def test_deactivating_keeps_the_outbox_reactivating_sends_it_and_uninstalling_removes_it(
    admin: dict[str, _Browser], wordpress: Path, tmp_path: Path
) -> None:
    """Last: it uninstalls the plugin. Each lifecycle.php phase prints what is left after it."""

    def lifecycle(*phase: str) -> dict[str, Any]:
        return dict(json.loads(_php(wordpress, "lifecycle.php", *phase)))

    with _warta_serve(tmp_path) as url:
        before = lifecycle("save", url, SECRET)
        assert before["active"] and before["tables"] == ["wp_warta_outbox"]
        assert {"post_id": str(before["post"]), "status": "pending"} in before["rows"]
        off = lifecycle("deactivate")
        assert not off["active"] and off["hooks"] == []  # no retries while off...
        kept = ("tables", "rows", "options", "meta")
        assert {name: off[name] for name in kept} == {name: before[name] for name in kept}  # ...all kept
        assert {"warta_webhook_url", "warta_secret", "warta_db_version"} <= set(off["options"])

        assert lifecycle("activate")["hooks"] == ["warta_deliver_outbox"]
        status, _, body = admin["chief"].request("/wp-cron.php")  # WP-Cron's run, as a page view starts it
        assert status == 200, body
        on = lifecycle("state")
    assert on["active"] and [row["status"] for row in on["rows"]] == [
        "sent" if row["status"] == "pending" else row["status"] for row in before["rows"]
    ]
    pages = [path.read_text() for path in (tmp_path / "public/amp").rglob("*.html")]
    assert any("Kereta cepat menambah jadwal" in page for page in pages)

    lifecycle("uninstall")
    gone = lifecycle("state")  # a request of its own: nothing put back by a later page load
    assert {name: gone[name] for name in ("active", "tables", "rows", "options", "hooks")} == {
        "active": False,
        "tables": [],
        "rows": None,
        "options": [],
        "hooks": [],
    }
    # The editor's "not sent" reasons go; the revision counter and what warta shows stay.
    assert set(before["meta"]) == {"_warta_reason", "_warta_revision", "_warta_public"}
    assert gone["meta"] == {name: before["meta"][name] for name in ("_warta_revision", "_warta_public")}
