"""Every test has exactly one tier (tests/support/tiers.py), so a new module cannot slip through
untiered and `pytest -m unit` stays the pure, fast tier."""

from __future__ import annotations

import ast
import socket
import sqlite3
import subprocess
from pathlib import Path

import pytest

from support import tiers

TESTS = Path(__file__).resolve().parent


def _modules() -> dict[str, Path]:
    return {path.stem: path for path in TESTS.rglob("test_*.py") if "support" not in path.parts}


def test_every_test_module_has_a_tier() -> None:
    untiered = sorted(set(_modules()) - set(tiers.MODULE_TIERS))
    assert not untiered, f"give these modules a tier in tests/support/tiers.py MODULE_TIERS: {untiered}"


def test_every_tier_entry_names_a_module_or_test_that_exists() -> None:
    modules = _modules()
    assert sorted(set(tiers.MODULE_TIERS) - set(modules)) == []
    missing = []
    for key in tiers.TEST_TIERS:
        module, function = key.split("::")
        path = modules.get(module)
        defined = (
            {node.name for node in ast.parse(path.read_text()).body if isinstance(node, ast.FunctionDef)}
            if path
            else set()
        )
        if function not in defined:
            missing.append(key)
    assert missing == []


def test_every_entry_is_a_tier() -> None:
    assert set(tiers.MODULE_TIERS.values()) | set(tiers.TEST_TIERS.values()) <= set(tiers.TIERS)


def test_every_collected_test_has_exactly_one_tier(request: pytest.FixtureRequest) -> None:
    """Of this run's tests, before `-m` chose among them."""
    problems = request.config.stash.get(tiers.PROBLEMS_KEY, [])
    assert problems == []


@pytest.mark.parametrize(
    "act",
    [
        lambda: subprocess.run(["true"], check=False),
        lambda: sqlite3.connect("/nonexistent/index.sqlite3"),
        lambda: socket.create_connection(("127.0.0.1", 9)),
    ],
    ids=["process", "sqlite-file", "socket"],
)
def test_the_unit_guard_refuses_and_restores(act: object) -> None:
    before = (subprocess.Popen.__init__, sqlite3.connect, socket.socket.connect, socket.socket.bind)
    refused: list[str] = []
    with tiers.unit_guard(refused), pytest.raises(tiers.NotAUnitTest):
        act()  # type: ignore[operator]
    assert len(refused) == 1
    with tiers.unit_guard(refused):
        sqlite3.connect(":memory:").close()  # a database in memory is pure
    assert len(refused) == 1
    assert (subprocess.Popen.__init__, sqlite3.connect, socket.socket.connect, socket.socket.bind) == before
