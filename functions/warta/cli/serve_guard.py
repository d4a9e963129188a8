"""`warta serve` refuses a --state whose object metadata belongs to another tree.

The metadata (content type, cache control) sits beside the index, keyed by tree path. A --state
meant for another --out would serve every file with guessed headers and no takedown knowledge.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

SAMPLE = 1_000  # files looked at on each side: enough to see agreement, bounded on a 1M tree
META_SUFFIX = ".json"


def _files(root: Path) -> Iterator[Path]:
    for folder, _, names in os.walk(root):
        for name in sorted(names):
            yield Path(folder, name)


def _has_metadata(meta_root: Path, rel: Path) -> bool:
    own = meta_root / rel.parent / (rel.name + META_SUFFIX)
    folder = meta_root / rel.parent.parent / (rel.parent.name + META_SUFFIX)
    return own.is_file() or (rel.parent != Path(".") and folder.is_file())


def _names_a_file_or_folder(root: Path, meta: Path) -> bool:
    named = root / str(meta)[: -len(META_SUFFIX)]
    return meta.name.endswith(META_SUFFIX) and (named.is_file() or named.is_dir())


def foreign_metadata(root: Path, meta_root: Path) -> str | None:
    """Why the metadata is another tree's, or None when it is this tree's (or either is empty)."""
    tree = list(itertools.islice(_files(root), SAMPLE)) if root.is_dir() else []
    meta = list(itertools.islice(_files(meta_root), SAMPLE)) if meta_root.is_dir() else []
    if not tree or not meta:
        return None
    # A file's metadata is its own `<name>.json` or its folder's (adapters/directory_store.py).
    if any(_has_metadata(meta_root, p.relative_to(root)) for p in tree):
        return None
    if any(_names_a_file_or_folder(root, m.relative_to(meta_root)) for m in meta):
        return None
    return (
        f"the object metadata in {meta_root} names none of the files in {root}:"
        " --state belongs to another --out"
    )
