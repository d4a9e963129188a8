"""Which paths of the public tree belonged to a taken-down article: `warta serve` answers them 410."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from warta.app.gone import gone_paths
from warta.core.config import load_deployment


def taken_down_paths(config: list[Path], state: Path) -> set[str]:
    """Tree paths (no leading slash) of the AMP pages of every tombstone whose last URL is known."""
    from warta.adapters.local_stack import INDEX_FILE
    from warta.adapters.sqlite_ops import OpsLog

    index_file = state / INDEX_FILE
    if not index_file.is_file():
        return set()
    deployment = load_deployment(config)
    ops = OpsLog(index_file)
    try:
        return gone_paths(deployment, ops.takedowns)
    finally:
        ops.close()


def gone_checker(config: list[Path], state: Path) -> Callable[[str], bool]:
    """Asked on each request, so a takedown made while serving answers 410 at once."""
    return lambda path: path in taken_down_paths(config, state)
