"""The house rules the code's imports can show (issue 18, point 2): no import cycle between the
subpackages of warta, and `core` imports nothing outside core, the standard library and the
libraries it declares (no boto3, no clock-reading shell, no other warta package)."""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "functions" / "warta"
# What pure code may use besides the standard library: parsers and serialisers, no I/O clients.
CORE_MAY_IMPORT = {"lxml", "feedgen", "jsonschema", "cryptography"}


def _imports(path: Path) -> set[str]:
    """Absolute module names a file imports (relative imports resolved), at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = parts[: len(parts) - node.level]
                found.add(".".join(base + ([node.module] if node.module else [])))
            elif node.module:
                found.add(node.module)
    return found


def _unit(path: Path) -> str:
    """The subpackage (or top-level module) of warta a file belongs to."""
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        unit = _unit(path)
        for name in _imports(path):
            if name.startswith("warta.") and name.split(".")[1] != unit:
                graph[unit].add(name.split(".")[1])
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle_between_subpackages() -> None:
    graph = _graph()
    assert {"app", "adapters", "handlers", "cli", "validate", "status"} <= set(graph)  # the graph is real
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


@pytest.mark.parametrize(
    ("graph", "cycle"),
    [
        ({"a": {"b"}, "b": {"c"}}, None),
        ({"a": {"b"}, "b": {"a"}}, ["a", "b", "a"]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
    ],
)
def test_the_cycle_finder_finds_cycles(graph: dict[str, set[str]], cycle: list[str] | None) -> None:
    assert _cycle(graph) == cycle


def test_core_imports_only_core_the_standard_library_and_its_declared_libraries() -> None:
    wrong = []
    for path in (PACKAGE / "core").rglob("*.py"):
        for name in _imports(path):
            top = name.split(".")[0]
            if name.startswith("warta."):
                if not name.startswith("warta.core"):
                    wrong.append(f"{path.name}: {name}")
            elif top not in sys.stdlib_module_names and top not in CORE_MAY_IMPORT and top != "__future__":
                wrong.append(f"{path.name}: {name}")
    assert wrong == []
