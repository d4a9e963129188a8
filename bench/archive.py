"""The synthetic archive the benches share: its spec, its clock, and a local stack on a folder."""

from __future__ import annotations

import dataclasses
import resource
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SITE = REPO / "examples" / "andalpost" / "site.toml"
PER_DAY = 1_000  # a busy newsroom (the rate)


def spec(articles: int) -> Any:  # -> ArchiveSpec
    from warta.core.config import load_site
    from warta.synthetic import ArchiveSpec

    return ArchiveSpec(load_site(SITE), articles=articles, per_day=PER_DAY)


def after_newest(articles: int) -> datetime:
    """Half an hour after the newest article of the archive: the clock of a rebuild."""
    from warta.synthetic import draft

    archive = spec(articles)
    return draft(archive, archive.articles - 1).published_at + timedelta(minutes=30)


def newcomer(archive: Any, k: int) -> Any:  # -> Draft
    """The k-th article published after the archive (k = 0, 1, ...), at the archive's pace."""
    from warta.synthetic import draft

    grown = dataclasses.replace(archive, articles=archive.articles + k + 1)
    return draft(grown, archive.articles + k)


def stack(workdir: Path) -> tuple[Any, Any]:  # -> (SqliteIndex, DirectoryStore)
    from warta.adapters.directory_store import DirectoryStore
    from warta.adapters.local_stack import INDEX_FILE
    from warta.adapters.sqlite_index import SqliteIndex

    state = workdir / "state"
    return SqliteIndex(state / INDEX_FILE), DirectoryStore(workdir / "public", state / "objects")


def deployment() -> Any:
    from warta.core.config import Deployment, load_site

    site = load_site(SITE)
    return Deployment({site.id: site}, site.id)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
