"""A site config that says what it accepts (issue 15, point 5): unknown tables and keys are
refused naming the nearest known one, every missing key is listed at once, the reference in
docs/configuration.md is generated from the same definition, and `warta config check` checks a
file without publishing."""

from __future__ import annotations

import contextlib
import io
import re
import tomllib
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warta.cli.main import main
from warta.core.config import AmpSpec, ConfigError, FeedProfile, NotifySpec, SitemapSpec, site_from_mapping
from warta.core.config_reference import reference_markdown
from warta.core.config_schema import REQUIRED, SCHEMA, check_config, default

from conftest import EXAMPLE_SITE

REPO = Path(__file__).resolve().parent.parent


def _example() -> dict[str, Any]:
    return tomllib.loads(EXAMPLE_SITE.read_text(encoding="utf-8"))


def test_the_example_config_is_clean() -> None:
    assert check_config(_example()) == []


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda d: d.update(cnd=d.pop("cdn")), "cnd: unknown table; did you mean 'cdn'?"),
        (lambda d: d["feeds"]["home"].update(sise=20), "feeds.home.sise: unknown key; did you mean 'size'?"),
        (
            lambda d: d["sitemaps"].update(news_window_hour=24),
            "sitemaps.news_window_hour: unknown key; did you mean 'news_window_hours'?",
        ),
        (lambda d: d["site"]["logo"].update(wdth=1), "site.logo.wdth: unknown key; did you mean 'width'?"),
        (
            lambda d: d["boilerplate"][1].update(actoin="drop"),
            "boilerplate[1].actoin: unknown key; did you mean 'action'?",
        ),
        (lambda d: d["profiles"]["msn"].update(plain_titles=True), "did you mean 'plain_title'?"),
        (
            lambda d: d["amp"].update(max_page_bytes="2MB"),
            "amp.max_page_bytes: expected an integer, got '2MB'",
        ),
        (lambda d: d["notify"].update(timeout_seconds=True), "notify.timeout_seconds: expected a number"),
        (
            lambda d: d["feeds"]["home"].update(formats=["rss", "xml"]),
            "expected one of rss, atom, json, got 'xml'",
        ),
        (lambda d: d["sections"].update(berita=1), "sections.berita: expected a string, got 1"),
        (lambda d: d.update(amp="x"), "amp: expected a table ([amp]), got 'x'"),
        (lambda d: d.update(boilerplate={"a": 1}), "boilerplate: expected an array of tables"),
        (lambda d: d["cache_control"].pop("robots"), "cache_control.robots: missing"),
        (lambda d: d.pop("sitemaps"), "sitemaps: missing"),
        (lambda d: d["site"].pop("logo"), "site.logo: missing"),
        (lambda d: d.update(xyzzy={}), "xyzzy: unknown table (known: "),
    ],
)
def test_refusals_name_the_key(edit: Any, problem: str) -> None:
    data = _example()
    edit(data)
    problems = check_config(data)
    assert any(problem in found for found in problems), problems
    with pytest.raises(ConfigError, match=re.escape(problem)):
        site_from_mapping(data)


def test_every_missing_key_is_listed_at_once() -> None:
    data = _example()
    for key in ("id", "base_url", "language"):
        data["site"].pop(key)
    data["amp"].pop("path")
    data["feeds"]["home"].pop("select")
    with pytest.raises(ConfigError) as raised:
        site_from_mapping(data)
    message = str(raised.value)
    assert message.startswith("5 problems:")
    for name in ("site.id", "site.base_url", "site.language", "amp.path", "feeds.home.select"):
        assert f"{name}: missing" in message


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_property_a_typo_in_any_key_is_refused_by_name(data: st.DataObject) -> None:
    """Any key of the example, misspelt by one letter into a name the schema does not know, is
    refused naming the misspelt key, and the original is suggested when it is long enough to be
    recognisable."""
    config = _example()
    tables = [("", config)]
    places: list[tuple[str, dict[str, Any], str]] = []
    while tables:
        path, table = tables.pop()
        for name, value in table.items():
            where = f"{path}.{name}" if path else name
            if isinstance(value, dict):
                tables.append((where, value))
            # Keys that are the user's own names (sections, policies, feeds, profiles) excepted.
            if path not in ("sections", "cache_control", "feeds", "profiles") and ".profiles" not in path:
                places.append((path, table, name))
    path, table, name = data.draw(st.sampled_from(places))
    position = data.draw(st.integers(min_value=0, max_value=len(name) - 1))
    letter = data.draw(st.sampled_from("qxz"))
    typo = name[:position] + letter + name[position + 1 :]
    if typo in table or typo == name:
        return
    table[typo] = table.pop(name)
    problems = check_config(config)
    where = f"{path}.{typo}" if path else typo
    named = [p for p in problems if p.startswith(f"{where}: unknown")]
    assert named, problems
    if len(name) >= 6:
        assert f"did you mean {name!r}?" in named[0]


def test_defaults_are_the_dataclasses_defaults() -> None:
    """core.config's dataclasses and the schema give the same default for every key they share."""
    pairs = [
        (NotifySpec, "notify"),
        (AmpSpec, "amp"),
        (SitemapSpec, "sitemaps"),
        (FeedProfile, "profiles.<profile>"),
    ]
    checked = 0
    for cls, path in pairs:
        for field in fields(cls):
            try:
                wanted = default(path, field.name)
            except KeyError:
                continue
            if wanted is REQUIRED or field.default is MISSING:
                continue
            have = field.default
            if isinstance(wanted, list):
                wanted = tuple(wanted)
            if field.name == "title_length":
                continue  # [min, max] in TOML, a tuple in code; None both ways
            assert have == wanted, f"{path}.{field.name}: dataclass {have!r}, schema {wanted!r}"
            checked += 1
    assert checked >= 20


def test_the_reference_doc_is_generated_from_the_schema() -> None:
    document = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert document == reference_markdown(), "run: .venv/bin/warta config reference > docs/configuration.md"
    for table in SCHEMA:
        assert f"[{table.path}]" in document
        for key in table.keys:
            assert f"| `{key.name}` |" in document


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_config_check_passes_the_example_and_refuses_a_typo(tmp_path: Path) -> None:
    code, out, _ = _run("config", "check", str(EXAMPLE_SITE))
    assert code == 0 and out.startswith("ok: site andalpost")
    broken = tmp_path / "site.toml"
    text = EXAMPLE_SITE.read_text().replace("[cdn]", "[cnd]").replace("size = 50", "sise = 20", 1)
    broken.write_text(text.replace("news_window_hours = 48", "news_window_hour = 24"))
    code, out, err = _run("config", "check", str(broken))
    assert code == 2 and out == ""
    assert "3 problems" in err
    for problem in ("did you mean 'cdn'", "did you mean 'size'", "did you mean 'news_window_hours'"):
        assert problem in err


def test_publish_with_a_broken_config_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "site.toml"
    broken.write_text(EXAMPLE_SITE.read_text().replace("[cdn]", "[cnd]"))
    out = tmp_path / "public"
    code, _, err = _run(
        "publish",
        "--config",
        str(broken),
        "--out",
        str(out),
        "--state",
        str(tmp_path / "state"),
        str(EXAMPLE_SITE),
    )
    assert code == 2
    assert "configuration error" in err and "did you mean 'cdn'" in err
    assert not out.exists() or not any(out.rglob("*"))


def test_config_reference_prints_the_doc() -> None:
    code, out, _ = _run("config", "reference")
    assert code == 0 and out == reference_markdown()


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("wdth", "site.logo.wdth: unknown key"),
        ("x" * 80, f"site.logo.{'x' * 80}: unknown key"),
        ("x" * 81, f"site.logo.{'x' * 80!r}…: unknown key"),
        ("x" * 1_000_000, f"site.logo.{'x' * 80!r}…: unknown key"),
        ("bad\x1b[31mkey", "site.logo.'bad\\x1b[31mkey': unknown key"),
        ("two words", "site.logo.'two words': unknown key"),
    ],
)
def test_an_unknown_key_is_shown_bounded_and_printable(name: str, shown: str) -> None:
    data = _example()
    data["site"]["logo"][name] = 1
    problems = check_config(data)
    assert [p for p in problems if p.startswith(shown)], problems
    assert all(len(p) < 400 and "\x1b" not in p for p in problems)
