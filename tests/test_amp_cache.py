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
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from warta.adapters.amp_cache_keys import file_signer, rsa_signer
from warta.cli.main import main
from warta.cli.serve import make_server
from warta.core.amp_cache import cache_subdomain, fallback_prefix, update_cache_url
from warta.core.config import ConfigError, SiteConfig, load_site, site_from_mapping

from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE

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
        table += "\n[notify.amp_cache]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())
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
