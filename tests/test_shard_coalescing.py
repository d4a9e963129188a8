"""A batch of events in one shard part renders that part once, and gives the same tree as
rendering after every event."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path

import pytest

from warta.adapters.directory_store import DirectoryStore
from warta.adapters.sqlite_index import SqliteIndex
from warta.app import render
from warta.app.ingest import ingest_event
from warta.core.body import build_body
from warta.core.config import Deployment, SiteConfig
from warta.core.planner import OutputKey, shard_period, site_wide_outputs
from warta.synthetic import ArchiveSpec, bulk_load, draft, event_of

ARCHIVE, BATCH = 400, 12


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _publish(
    tmp: Path, site: SiteConfig, one_by_one: bool, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, bytes], int]:
    spec = ArchiveSpec(site, articles=ARCHIVE)
    index = SqliteIndex(tmp / "state" / "index.sqlite3")
    store = DirectoryStore(tmp / "public", tmp / "state" / "objects")
    deployment = Deployment({site.id: site}, site.id)
    bulk_load(index, spec)
    newest = draft(spec, ARCHIVE - 1).published_at + timedelta(minutes=1)
    periods = {shard_period(draft(spec, n).published_at, site) for n in range(ARCHIVE)}
    index.push({OutputKey(site.id, "shard", p) for p in periods} | site_wide_outputs(site))
    render.render_pending(deployment=deployment, index=index, queue=index, store=store, now=newest)
    shard_renders = 0
    original = render.RENDERERS["shard"]

    def counting(*args: object) -> object:
        nonlocal shard_renders
        shard_renders += 1
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setitem(render.RENDERERS, "shard", counting)
    grown = dataclasses.replace(spec, articles=ARCHIVE + BATCH)
    for n in range(ARCHIVE, ARCHIVE + BATCH):
        item = draft(grown, n)
        now = item.published_at + timedelta(minutes=1)
        raw = json.dumps(event_of(spec, item)).encode()
        ingest_event(
            raw, "t", deployment=deployment, index=index, queue=index, now=now, build_body=build_body
        )
        if one_by_one:
            render.render_pending(deployment=deployment, index=index, queue=index, store=store, now=now)
    if not one_by_one:
        render.render_pending(deployment=deployment, index=index, queue=index, store=store, now=now)
    monkeypatch.setitem(render.RENDERERS, "shard", original)
    index.close()
    return _tree(tmp / "public"), shard_renders


def test_a_batch_in_one_part_renders_it_once_with_the_same_bytes(
    tmp_path: Path, site: SiteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    each, each_renders = _publish(tmp_path / "each", site, True, monkeypatch)
    batch, batch_renders = _publish(tmp_path / "batch", site, False, monkeypatch)
    assert each_renders == BATCH
    # The newest articles of a 400-article archive all fall in its open part (cuts are 1 in 1,000).
    assert batch_renders == 1
    assert batch == each
