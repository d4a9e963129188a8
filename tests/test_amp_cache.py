"""AMP cache flushes (issue 15, point 4): a takedown asks the AMP caches to drop the AMP page.

A local HTTP server plays the cache. The cache host is configured as `http://cache.test` and
urllib reaches it through the standard `http_proxy` variable, so the server sees the whole
request URL, cache subdomain included. It checks every request as a cache would: it rebuilds
the signed string from the URL and verifies the signature with the public key read from the
published tree's `/.well-known/amphtml/apikey.pub`, so a pass proves that the key warta serves
and the key it signs with are one pair.
"""

from __future__ import annotations

import base64
import http.client
import json
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from aws_harness import SITE_BUCKET
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from warta.adapters.amp_cache_keys import file_signer, rsa_signer
from warta.adapters.http_ping import HttpPinger
from warta.app.notify import Flush, plan_pings, send_pings
from warta.app.render import RenderReport
from warta.cli.main import main
from warta.cli.serve import make_server
from warta.core.amp_cache import cache_subdomain, fallback_prefix, update_cache_url
from warta.core.config import ConfigError, Deployment, SiteConfig, load_site, site_from_mapping
from warta.core.planner import OutputKey

from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE
from support.aws_runs import drain, moto_environment, open_aws
from support.local_http import LocalServers, QuietHandler, StatusScript

NOW = "2023-09-21T00:00:00+07:00"
KEY_FILE = ".well-known/amphtml/apikey.pub"
CACHE_SUFFIX = "cache.test"  # RFC 2606: never resolved; the proxy variable takes it to the server
SIGNATURE = "&amp_url_signature="
EVENTS = sorted(EXAMPLE_EVENTS.glob("*.json"))
PUBLISHED = [p for p in EVENTS if not p.name.startswith(("022", "023"))]
TAKEDOWN = EXAMPLE_EVENTS / "022-unpublished-016-senandung-kabut.json"


# --- keys -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyPair:
    private_pem: bytes
    public_pem: bytes


def make_key_pair() -> KeyPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return KeyPair(private, public)


@pytest.fixture(scope="module")
def keys() -> KeyPair:
    return make_key_pair()


@pytest.fixture(scope="module")
def other_keys() -> KeyPair:
    return make_key_pair()


def signer_of(pair: KeyPair) -> Callable[[bytes], bytes]:
    """RSA-SHA256, PKCS#1 v1.5, made here with `cryptography` and not with warta's adapter."""
    key = serialization.load_pem_private_key(pair.private_pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return lambda message: key.sign(message, padding.PKCS1v15(), hashes.SHA256())


def verifies(public_pem: bytes, signed: str, signature: str) -> bool:
    key = serialization.load_pem_public_key(public_pem)
    assert isinstance(key, rsa.RSAPublicKey)
    raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    try:
        key.verify(raw, signed.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


# --- the cache subdomain: AMP "AMP Cache URL Format", Basic and Fallback Algorithm -------------------


@pytest.mark.parametrize(
    ("domain", "prefix"),
    [
        # The examples of amp.dev's "AMP Cache URL Format and Request Handling", Basic Algorithm.
        ("example.com", "example-com"),
        ("foo.example.com", "foo-example-com"),
        ("foo-example.com", "foo--example-com"),
        ("xn--57hw060o.com", "xn---com-p33b41770a"),  # ⚡😊.com
        ("en-us.example.com", "0-en--us-example-com-0"),  # "--" at positions 3 and 4
        # The tests of the AMP Toolbox (packages/cache-url, spec/AmpUrlSpec.js).
        ("SOMETHING.COM", "something-com"),
        ("hello--world.com", "hello----world-com"),
        ("xn--bcher-kva.ch", "xn--bcher-ch-65a"),  # bücher.ch
        ("xn--4gbrim.xn----rmckbbajlc6dj7bxne2c.xn--wgbh1c", "xn-------i5fvcbaopc6fkc0de0d9jybegt6cd"),
        # Right-to-left and left-to-right letters in one label: no valid DNS label, hashed.
        (
            "hello.xn--4gbrim.xn----rmckbbajlc6dj7bxne2c.xn--wgbh1c",
            "a6h5moukddengbsjm77rvbosevwuduec2blkjva4223o4bgafgla",
        ),
        # Over 63 characters: the Fallback Algorithm.
        (
            "itwasadarkandstormynight.therainfellintorrents.exceptatoccasionalintervalswhenitwas"
            "checkedby.aviolentgustofwindwhichsweptupthestreets.com",
            "dgz4cnrxufaulnwku4ow5biptyqnenjievjht56hd7wqinbdbteq",
        ),
        ("toplevelnohyphens", "qsgpfjzulvuaxb66z77vlhb5gu2irvcnyp6t67cz6tqo5ae6fysa"),  # no dot
        # warta's own sites.
        ("www.andalpost.com", "www-andalpost-com"),
        ("bücher.ch", "xn--bcher-ch-65a"),  # a Unicode host is taken in its IDNA form
    ],
)
def test_cache_subdomain(domain: str, prefix: str) -> None:
    assert cache_subdomain(domain) == prefix


def test_the_63_character_boundary() -> None:
    at_limit = "a" * 59 + ".com"  # 63 characters once the dot is a hyphen
    assert cache_subdomain(at_limit) == "a" * 59 + "-com"
    over = "a" * 60 + ".com"
    assert cache_subdomain(over) == fallback_prefix(over)
    assert len(fallback_prefix(over)) == 52 and "-" not in fallback_prefix(over)
    # Doubled hyphens count: 61 characters of domain make 63 of prefix, 62 make 64.
    fits = "a-b-c" + "d" * 52 + ".com"
    assert cache_subdomain(fits) == "a--b--c" + "d" * 52 + "-com"
    hyphens = "a-b-c" + "d" * 53 + ".com"
    assert len(hyphens) == 62 and cache_subdomain(hyphens) == fallback_prefix(hyphens)


# --- the signed request -----------------------------------------------------------------------------


def test_update_cache_url_is_signed_over_the_path_and_timestamp(keys: KeyPair) -> None:
    now = datetime(2023, 9, 20, 17, 0, 0, tzinfo=UTC)
    page = "https://www.andalpost.com/amp/nasional/berita.html"
    url = update_cache_url(page, now, signer_of(keys))
    signed = "/update-cache/c/s/www.andalpost.com/amp/nasional/berita.html?amp_action=flush&amp_ts=1695229200"
    assert url.startswith(f"https://www-andalpost-com.cdn.ampproject.org{signed}{SIGNATURE}")
    signature = url.rpartition(SIGNATURE)[2]
    assert "=" not in signature and "+" not in signature and "/" not in signature  # web-safe, unpadded
    assert verifies(keys.public_pem, signed, signature)
    assert not verifies(keys.public_pem, signed.replace("1695229200", "1695229201"), signature)


@pytest.mark.parametrize(
    ("page", "signed_start"),
    [
        ("http://www.andalpost.com/amp/a.html", "/update-cache/c/www.andalpost.com/amp/a.html?amp_action"),
        (
            "https://www.andalpost.com/amp/g?value=Hello%20World",
            "/update-cache/c/s/www.andalpost.com/amp/g?value=Hello%20World&amp_action=flush",
        ),
        (
            "https://www.andalpost.com/amp/kopi susu/café.html",
            "/update-cache/c/s/www.andalpost.com/amp/kopi%20susu/caf%C3%A9.html?amp_action",
        ),
        ("https://bücher.ch/amp/a.html", "/update-cache/c/s/xn--bcher-kva.ch/amp/a.html?amp_action"),
    ],
)
def test_update_cache_url_paths(page: str, signed_start: str) -> None:
    url = update_cache_url(page, datetime(2023, 9, 20, tzinfo=UTC), lambda message: b"sig", "cdn.example")
    assert urlsplit(url).netloc.endswith(".cdn.example")
    assert url.partition(".cdn.example")[2].startswith(signed_start)


# --- configs and runs --------------------------------------------------------------------------------


def site_config(tmp_path: Path, keys: KeyPair | None, **amp_cache: Any) -> Path:
    """The example site with [notify] replaced: fast retries, then [notify.amp_cache] with the
    key pair's files beside the config and `amp_cache` keys (no table when keys is None)."""
    text = EXAMPLE_SITE.read_text()
    start, end = text.index("[notify]"), text.index("[amp]")
    table = "[notify]\ntimeout_seconds = 0.5\nattempts = 3\nbackoff_seconds = 0.01\n"
    if keys is not None:
        (tmp_path / "amp-public.pem").write_bytes(keys.public_pem)
        (tmp_path / "amp-private.pem").write_bytes(keys.private_pem)
        values = {
            "public_key_file": "amp-public.pem",
            "private_key_file": "amp-private.pem",
            "cache_hosts": [f"http://{CACHE_SUFFIX}"],
            **amp_cache,
        }
        lines = [f"{k} = {json.dumps(v)}\n" for k, v in values.items() if v is not None]  # None: left out
        table += "\n[notify.amp_cache]\n" + "".join(lines)
    path = tmp_path / "site.toml"
    path.write_text(text[:start] + table + "\n" + text[end:])
    return path


def run(tmp_path: Path, command: str, config: Path, *args: str) -> int:
    common = ["--config", str(config), "--out", str(tmp_path / "public"), "--state", str(tmp_path / "state")]
    return main([command, *common, "--progress", "off", *args])


def publish(tmp_path: Path, config: Path, *events: Path, extra: tuple[str, ...] = ()) -> int:
    return run(tmp_path, "publish", config, "--now", NOW, *extra, *map(str, events))


def amp_pages(tmp_path: Path) -> set[str]:
    amp = tmp_path / "public" / "amp"
    return {p.relative_to(tmp_path / "public").as_posix() for p in amp.rglob("*.html")}


def served_url(path: str) -> str:
    """Where the example site serves a tree path (its public_base_url), percent-encoded."""
    return "https://www.andalpost.com/" + quote(path)


def moved(event: Path, revision: int, url: str) -> dict[str, Any]:
    data = json.loads(event.read_text())
    data["event_id"] += f"-moved-r{revision}"
    data["type"] = "article.updated"
    data["article"].update(revision=revision, url=url)
    return data


def json_log_lines(stderr: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


# --- config ----------------------------------------------------------------------------------------


def example_with(amp_cache: dict[str, Any] | None) -> dict[str, Any]:
    data = tomllib.loads(EXAMPLE_SITE.read_text())
    if amp_cache is not None:
        data["notify"]["amp_cache"] = amp_cache
    return data


def test_the_example_site_has_no_amp_cache(site: SiteConfig) -> None:
    assert site.notify.amp_cache is None


def test_config_files_are_relative_to_the_config(tmp_path: Path, keys: KeyPair) -> None:
    site = load_site(site_config(tmp_path, keys))
    spec = site.notify.amp_cache
    assert spec is not None
    assert spec.public_key == keys.public_pem.decode()
    assert spec.private_key_file == str(tmp_path / "amp-private.pem")
    assert spec.cache_hosts == (f"http://{CACHE_SUFFIX}",)
    inline = site_from_mapping(example_with({"public_key": keys.public_pem.decode()}))
    assert inline.notify.amp_cache is not None
    assert inline.notify.amp_cache.cache_hosts == ("cdn.ampproject.org",)
    assert inline.notify.amp_cache.private_key_file == ""


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ({}, "give public_key"),
        ({"public_key": "PUBLIC", "public_key_file": "k.pem"}, "one of them"),
        ({"public_key": "-----BEGIN PRIVATE KEY-----\nAA\n-----END PRIVATE KEY-----"}, "private key"),
        ({"public_key": "ssh-rsa AAAAB3Nza"}, "expected a PEM public key"),
        ({"public_key_file": "amp-public.pem"}, "relative to no file"),  # a config from S3
        ({"private_key": "x"}, "notify.amp_cache.private_key: unknown key"),
        ({"cache_hosts": "cdn.ampproject.org"}, "cache_hosts"),
        ({"cache_hosts": ["cdn.ampproject.org/update-cache"]}, "cache_hosts"),
    ],
)
def test_a_broken_amp_cache_table_names_the_key(keys: KeyPair, table: dict[str, Any], named: str) -> None:
    if "cache_hosts" in table:
        table = {"public_key": keys.public_pem.decode(), **table}
    with pytest.raises(ConfigError, match=named):
        site_from_mapping(example_with(table))


def test_a_missing_public_key_file_is_a_config_error(tmp_path: Path) -> None:
    config = site_config(tmp_path, make_key_pair())
    (tmp_path / "amp-public.pem").unlink()
    with pytest.raises(ConfigError, match="public_key_file: cannot read"):
        load_site(config)


# --- the signing key --------------------------------------------------------------------------------


def test_a_private_key_that_is_not_the_published_ones_half_is_refused(
    keys: KeyPair, other_keys: KeyPair
) -> None:
    with pytest.raises(ValueError, match="not the half"):
        rsa_signer(other_keys.private_pem, keys.public_pem.decode())
    with pytest.raises(ValueError, match="unusable key"):
        rsa_signer(b"not a key", keys.public_pem.decode())


def test_no_private_key_file_is_a_lookup_error(keys: KeyPair) -> None:
    site = site_from_mapping(example_with({"public_key": keys.public_pem.decode()}))
    with pytest.raises(LookupError, match="private_key_file"):
        file_signer(site)


# --- the public key file ----------------------------------------------------------------------------


def test_the_key_file_is_a_planned_output_served_with_its_cache_control(
    tmp_path: Path, keys: KeyPair, capsys: pytest.CaptureFixture[str]
) -> None:
    config = site_config(tmp_path, keys)
    assert publish(tmp_path, config, *PUBLISHED[:3], extra=("--no-ping",)) == 0
    key_file = tmp_path / "public" / KEY_FILE
    assert key_file.read_bytes() == keys.public_pem
    # A rebuild keeps it: it is planned, not a stray.
    capsys.readouterr()
    assert run(tmp_path, "rebuild", config, "--dry-run") == 0
    assert KEY_FILE not in capsys.readouterr().out
    assert run(tmp_path, "rebuild", config, "--no-ping") == 0
    assert key_file.read_bytes() == keys.public_pem
    # Served as text/plain (AMP "Update AMP Content") with the [cache_control] amp_cache_key.
    server = make_server(tmp_path / "public", tmp_path / "state" / "objects", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        conn = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
        conn.request("GET", "/" + KEY_FILE)
        response = conn.getresponse()
        assert response.read() == keys.public_pem
        conn.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    assert response.status == 200
    assert response.getheader("Content-Type") == "text/plain; charset=utf-8"
    assert response.getheader("Cache-Control") == load_site(config).cache_control["amp_cache_key"]
    # Once the table is gone from the config the file is a stray, and a rebuild removes it.
    plain = site_config(tmp_path, None)
    capsys.readouterr()
    assert run(tmp_path, "rebuild", plain, "--dry-run") == 0
    assert f"stray {KEY_FILE}" in capsys.readouterr().out
    assert run(tmp_path, "rebuild", plain, "--no-ping") == 0
    assert not key_file.exists()


# --- a local AMP cache ------------------------------------------------------------------------------


@dataclass
class CacheRequest:
    subdomain: str  # the label before the cache suffix
    page_url: str  # the publisher URL the request names, scheme restored
    timestamp: int
    verified: bool  # the signature checks out with the tree's apikey.pub


@dataclass
class AmpCache(StatusScript):
    """Answers each GET with the next status of `statuses` (then the last), like an AMP cache
    reached through a proxy: the request line carries the whole URL."""

    statuses: list[int]
    served_key: Callable[[], bytes]  # the site's apikey.pub as published: it checks signatures
    requests: list[CacheRequest] = field(default_factory=list)
    url: str = ""

    def check(self, target: str) -> CacheRequest:
        parts = urlsplit(target)
        subdomain, _, suffix = (parts.hostname or "").partition(".")
        assert suffix == CACHE_SUFFIX, target
        signed, _, signature = f"{parts.path}?{parts.query}".rpartition(SIGNATURE)
        # AMP "Update AMP Content": /update-cache/c/s/<domain>/<path>?amp_action=flush&amp_ts=<ts>
        assert signed.startswith("/update-cache/c/s/"), target
        page, _, query = signed.removeprefix("/update-cache/c/s/").partition("?")
        assert query.startswith("amp_action=flush&amp_ts="), target
        timestamp = int(query.removeprefix("amp_action=flush&amp_ts="))
        return CacheRequest(
            subdomain, f"https://{page}", timestamp, verifies(self.served_key(), signed, signature)
        )


@pytest.fixture
def amp_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    servers = LocalServers()

    def start(*statuses: int, served_key: Callable[[], bytes] | None = None) -> AmpCache:
        tree_key = tmp_path / "public" / KEY_FILE
        state = AmpCache(list(statuses or (200,)), served_key or tree_key.read_bytes)

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                state.requests.append(state.check(self.path))
                self.answer(state.next_status())

        state.url = servers.start(Handler)
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("http_proxy", state.url)
        monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
        return state

    yield start
    servers.stop_all()


# --- what is sent -----------------------------------------------------------------------------------


def configured(keys: KeyPair, **table: Any) -> SiteConfig:
    return site_from_mapping(example_with({"public_key": keys.public_pem.decode(), **table}))


def test_only_deleted_amp_pages_are_flushed_once_per_cache(keys: KeyPair) -> None:
    site = configured(keys, cache_hosts=["cdn.ampproject.org", "cache.example"])
    report = RenderReport()
    report.changed_outputs += [
        (OutputKey(site.id, "amp", "https://www.andalpost.com/a"), "amp/a.html", "written"),
        (OutputKey(site.id, "amp", "https://www.andalpost.com/b"), "amp/b.html", "deleted"),
        (OutputKey(site.id, "amp", "https://www.andalpost.com/b"), "amp/old/b.html", "deleted"),
        (OutputKey(site.id, "feed", "home"), "feed/index.xml", "written"),
    ]
    flushes = [p for p in plan_pings(report, Deployment({site.id: site}, site.id)) if isinstance(p, Flush)]
    assert [(f.cache_host, f.page_url) for f in flushes] == [
        ("cdn.ampproject.org", "https://www.andalpost.com/amp/b.html"),
        ("cdn.ampproject.org", "https://www.andalpost.com/amp/old/b.html"),
        ("cache.example", "https://www.andalpost.com/amp/b.html"),
        ("cache.example", "https://www.andalpost.com/amp/old/b.html"),
    ]
    assert {f.endpoint for f in flushes} == {
        "https://www-andalpost-com.cdn.ampproject.org",
        "https://www-andalpost-com.cache.example",
    }
    unconfigured = site_from_mapping(example_with(None))
    assert not [
        p for p in plan_pings(report, Deployment({site.id: unconfigured}, site.id)) if isinstance(p, Flush)
    ]


def test_a_site_without_a_usable_key_sends_nothing_and_says_why(
    keys: KeyPair, amp_cache: Any, caplog: pytest.LogCaptureFixture
) -> None:
    cache = amp_cache(200)
    site = configured(keys, cache_hosts=[f"http://{CACHE_SUFFIX}"])
    report = RenderReport()
    for name in ("a", "b"):
        key = OutputKey(site.id, "amp", f"https://www.andalpost.com/{name}")
        report.changed_outputs.append((key, f"amp/{name}.html", "deleted"))
    deployment = Deployment({site.id: site}, site.id)
    asked: list[str] = []

    def no_key(asked_for: SiteConfig) -> Any:
        asked.append(asked_for.id)
        raise LookupError("no key here")

    with caplog.at_level("WARNING", logger="warta"):
        result = send_pings(plan_pings(report, deployment), HttpPinger(), deployment, no_key)
    assert cache.requests == [] and result.sent == [] and len(result.failed) == 2
    assert asked == [site.id]  # asked once per run
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["amp_cache ping failed: no signing key: LookupError: no key here"] * 2


# --- end to end: `warta publish` --------------------------------------------------------------------


def test_a_takedown_and_a_moved_url_each_flush_their_old_amp_page(
    tmp_path: Path, keys: KeyPair, amp_cache: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = amp_cache(200)
    config = site_config(tmp_path, keys)
    assert publish(tmp_path, config, *PUBLISHED) == 0
    assert cache.requests == []  # pages appeared: nothing to flush
    before = amp_pages(tmp_path)
    festival = EXAMPLE_EVENTS / "002-festival-layang-layang.json"
    new_url = "https://www.andalpost.com/nasional/festival-layang-layang-dipindah"
    (tmp_path / "moved.json").write_text(json.dumps(moved(festival, 2, new_url)))
    capsys.readouterr()
    started = time.time()
    assert publish(tmp_path, config, TAKEDOWN, tmp_path / "moved.json") == 0
    removed = before - amp_pages(tmp_path)
    assert len(removed) == 2  # the takedown's page and the moved article's old page
    assert sorted(r.page_url for r in cache.requests) == sorted(served_url(p) for p in removed)
    for request in cache.requests:
        assert request.verified, request
        assert request.subdomain == "www-andalpost-com"
        assert started - 60 <= request.timestamp <= time.time() + 60  # the cache's window
    assert "pings: 2 sent, 0 failed" in capsys.readouterr().out
    # Published again, nothing is removed: nothing is flushed.
    cache.requests.clear()
    assert publish(tmp_path, config, TAKEDOWN) == 0
    assert cache.requests == []


def test_a_cache_answering_500_then_200_is_asked_again(tmp_path: Path, keys: KeyPair, amp_cache: Any) -> None:
    config = site_config(tmp_path, keys)
    assert publish(tmp_path, config, *PUBLISHED) == 0
    cache = amp_cache(500, 200)
    assert publish(tmp_path, config, TAKEDOWN) == 0
    assert len(cache.requests) == 2
    assert all(r.verified for r in cache.requests)
    assert cache.requests[0].page_url == cache.requests[1].page_url


def test_a_cache_that_always_fails_never_fails_the_publish(
    tmp_path: Path, keys: KeyPair, amp_cache: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    config = site_config(tmp_path, keys)
    assert publish(tmp_path, config, *PUBLISHED) == 0
    cache = amp_cache(503)
    capsys.readouterr()
    assert publish(tmp_path, config, TAKEDOWN) == 0
    assert len(cache.requests) == 3  # every attempt of [notify] attempts
    printed = capsys.readouterr()
    assert "pings: 0 sent, 1 failed (see the log)" in printed.out
    (line,) = [entry for entry in json_log_lines(printed.err) if entry.get("ping") == "amp_cache"]
    assert line["level"] == "WARNING"
    assert line["subject"] == cache.requests[0].page_url  # the page that could not be flushed
    assert line["error"] == "HTTP 503" and line["attempts"] == 3
    assert line["endpoint"] == f"http://www-andalpost-com.{CACHE_SUFFIX}"


def test_no_ping_flushes_nothing(tmp_path: Path, keys: KeyPair, amp_cache: Any) -> None:
    config = site_config(tmp_path, keys)
    cache = amp_cache(200)
    assert publish(tmp_path, config, *PUBLISHED) == 0
    before = amp_pages(tmp_path)
    assert publish(tmp_path, config, TAKEDOWN, extra=("--no-ping",)) == 0
    assert len(before - amp_pages(tmp_path)) == 1  # a page went, and no cache heard of it
    assert cache.requests == []


# --- on AWS: the render function signs with the key from SSM ----------------------------------------


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    with moto_environment() as endpoint:
        yield endpoint


@pytest.fixture
def fresh_parameters() -> Iterator[None]:
    """Powertools keeps one SSM client (and its values) per process: not one of another module's
    moto server before this test, nor this one's after it."""
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()
    yield
    parameters.clear_caches()


def test_on_aws_a_takedown_flushes_with_the_key_from_ssm(
    moto_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    keys: KeyPair,
    amp_cache: Any,
    fresh_parameters: None,
) -> None:
    # A config read from S3 names no files: the public key is inline, the private one in SSM.
    config = site_config(
        tmp_path, keys, public_key_file=None, private_key_file=None, public_key=keys.public_pem.decode()
    )
    aws = open_aws(moto_endpoint, monkeypatch, datetime.fromisoformat(NOW), site_toml=config)
    prefix = "/warta/amp-cache/"
    monkeypatch.setenv("WARTA_AMP_CACHE_KEY_PREFIX", prefix)
    aws.ssm.put_parameter(Name=f"{prefix}andalpost", Value=keys.private_pem.decode(), Type="SecureString")
    for path in PUBLISHED:
        aws.eventbridge(json.loads(path.read_bytes()))
    drain(aws)
    served = aws.s3.get_object(Bucket=SITE_BUCKET, Key=KEY_FILE)
    assert served["Body"].read() == keys.public_pem
    assert served["ContentType"] == "text/plain; charset=utf-8"
    before = {key for key in aws.bucket_tree() if key.startswith("amp/")}
    cache = amp_cache(
        200, served_key=lambda: aws.s3.get_object(Bucket=SITE_BUCKET, Key=KEY_FILE)["Body"].read()
    )
    aws.eventbridge(json.loads(TAKEDOWN.read_bytes()))
    drain(aws)
    (removed,) = before - {key for key in aws.bucket_tree() if key.startswith("amp/")}
    assert [(r.page_url, r.subdomain, r.verified) for r in cache.requests] == [
        (served_url(removed), "www-andalpost-com", True)
    ]
