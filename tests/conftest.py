"""Shared fixtures (the example site, the corpus, a factory for articles) and the test tiers
(support/tiers.py: every test is unit, local, aws, browser or wordpress; `pytest -m unit`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from warta.core.articles import Article, Author, HeroImage, Section
from warta.core.body.model import Paragraph, Text
from warta.core.config import SiteConfig, load_site

from support import tiers

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_SITE = REPO / "examples" / "andalpost" / "site.toml"
EXAMPLE_EVENTS = REPO / "examples" / "andalpost" / "events"
SHARED = REPO.parent / "shared"
WIB = timezone(timedelta(hours=7))


def pytest_configure(config: pytest.Config) -> None:
    tiers.configure(config)


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by the markers it adds
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tiers.assign(config, items)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """A unit test runs (setup, call, teardown) unable to start processes or open sockets or
    SQLite files."""
    if item.stash.get(tiers.TIER_KEY, None) != "unit":
        return (yield)
    refused: list[str] = []
    with tiers.unit_guard(refused):
        item.stash[tiers.REFUSED_KEY] = refused
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    result = yield
    refused = item.stash.get(tiers.REFUSED_KEY, [])
    if refused:  # refused, and the test caught the error
        raise tiers.NotAUnitTest(f"a unit test {refused[0]}: give it another tier in tests/support/tiers.py")
    return result


def shared_path(*parts: str) -> Path:
    """A path under ../shared; the test skips with a clear message where it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: these tests need the shared contract folder beside the repo")
    return path


@pytest.fixture(autouse=True)
def _findings_logged_afresh() -> None:
    """Each test sees profile findings logged at their level, as a new process does."""
    from warta.app.outputs.feeds import forget_logged_findings

    forget_logged_findings()


@pytest.fixture(scope="session")
def site() -> SiteConfig:
    return load_site(EXAMPLE_SITE)


@pytest.fixture
def make_article(site: SiteConfig) -> Callable[..., Article]:
    def make(**overrides: Any) -> Article:
        article_id = str(overrides.pop("id", "1001"))
        values: dict[str, Any] = {
            "site": site.id,
            "id": article_id,
            "revision": 1,
            "url": f"{site.base_url}/nasional/berita-{article_id}",
            "title": f"Berita nomor {article_id}",
            "summary": "Ringkasan singkat berita.",
            "language": site.language,
            "section": Section("nasional", "Nasional"),
            "tags": ("Jakarta",),
            "authors": (Author("Redaksi Andalpost", f"{site.base_url}/author/redaksi"),),
            "published_at": datetime(2023, 9, 10, 19, 40, tzinfo=WIB),
            "updated_at": None,
            "image": HeroImage(
                f"{site.base_url}/img/{article_id}.jpg", 1200, 675, "Alt", "Keterangan", "CNN"
            ),
            "access": "free",
            "body": (Paragraph((Text("Paragraf pertama."),)),),
            "page_count": 1,
        }
        values.update(overrides)
        return Article(**values)

    return make


@pytest.fixture(scope="session")
def moto() -> Iterator[Any]:
    """A moto server of the contract suites' own (support/contracts.py), started on first use."""
    from support.contracts import moto_server

    with moto_server() as server:
        yield server
