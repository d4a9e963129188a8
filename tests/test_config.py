"""Site configuration: the example site loads, and a broken config names the key."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from warta.core.config import ConfigError, SiteConfig, load_deployment, load_site, site_from_mapping

from conftest import EXAMPLE_SITE


def _example() -> dict[str, Any]:
    return tomllib.loads(EXAMPLE_SITE.read_text())


def test_example_site_matches_the_contract(site: SiteConfig) -> None:
    assert site.id == "andalpost"
    assert site.base_url == "https://www.andalpost.com"
    assert site.language == "id"
    assert str(site.timezone) == "Asia/Jakarta"
    assert (site.logo.width, site.logo.height) == (600, 60)
    assert set(site.sections) == {
        "nasional",
        "internasional",
        "ekonomi",
        "olahraga",
        "teknologi",
        "hiburan",
        "gaya-hidup",
        "opini",
    }
    assert {rule.name for rule in site.boilerplate} == {
        "telegram-promo",
        "baca-juga",
        "page-continuation",
    }
    assert site.caption_credit is not None
    match = site.caption_credit.search("Putin dan Kim Sumber: BBC")
    assert match is not None and match["credit"] == "BBC"


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda d: d["site"].pop("base_url"), "site.base_url: missing"),
        (lambda d: d["site"].update(timezone="Mars/Olympus"), "site.timezone"),
        (lambda d: d["feeds"]["home"].update(select="everything"), "feeds.home.select"),
        (lambda d: d["sitemaps"].update(shard_period="week"), "sitemaps.shard_period"),
        (lambda d: d["cache_control"].pop("amp"), "cache_control.amp: missing"),
        (lambda d: d["boilerplate"][0].update(pattern="(unclosed"), "boilerplate[0].pattern"),
        (lambda d: d["site"]["logo"].update(width="600"), "site.logo.width: expected an integer"),
        (lambda d: d["site"].update(output_prefix="../escape"), "site.output_prefix"),
        # Every author would write the same file; a {tag} in an author feed cannot be filled.
        (lambda d: d["feeds"]["author"].update(path="feed/author.xml"), "feeds.author: path"),
        (lambda d: d["feeds"]["author"].update(path="feed/author/{tag}.xml"), "feeds.author: path"),
        (lambda d: d["feeds"]["section"]["paths"].update(json="feed/json/all.json"), "feeds.section: path"),
        (lambda d: d["feeds"]["home"].update(path="feed/{section}.xml"), "feeds.home: path"),
    ],
)
def test_a_broken_config_names_the_key(edit: Any, named: str) -> None:
    data = _example()
    edit(data)
    with pytest.raises(ConfigError, match=named.replace("[", r"\[").replace("]", r"\]")):
        site_from_mapping(data)


def test_several_sites_the_first_is_the_default(tmp_path: Path) -> None:
    other = EXAMPLE_SITE.read_text().replace('id = "andalpost"', 'id = "lainpost"')
    (tmp_path / "lain.toml").write_text(other)
    deployment = load_deployment([EXAMPLE_SITE, tmp_path / "lain.toml"])
    assert deployment.default_site == "andalpost"
    assert deployment.site(None) is deployment.sites["andalpost"]
    assert deployment.site("lainpost") is deployment.sites["lainpost"]
    assert deployment.site("unknown") is None


def test_the_same_site_twice_is_an_error() -> None:
    with pytest.raises(ConfigError, match="configured twice"):
        load_deployment([EXAMPLE_SITE, EXAMPLE_SITE])


def test_unparsable_toml_names_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "site.toml"
    broken.write_text("[site\n")
    with pytest.raises(ConfigError, match=str(broken)):
        load_site(broken)


@pytest.mark.parametrize(("table", "expected"), [({}, "takedowns"), ({"invalidate": "changes"}, "changes")])
def test_cdn_invalidation_policy(table: dict[str, str], expected: str) -> None:
    data = _example()
    data["cdn"] = table
    assert site_from_mapping(data).cdn_invalidate == expected
    data["cdn"] = {"invalidate": "everything"}
    with pytest.raises(ConfigError, match=r"cdn\.invalidate"):
        site_from_mapping(data)
