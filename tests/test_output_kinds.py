"""One table of output kinds (core/output_kinds.py, issue 18 point 1): the planner, the render
step, the config, the validator's layout and the outputs read it, and agree with it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from warta.adapters.local_stack import open_local_stack
from warta.app.outputs.changes import Put
from warta.app.render import RENDERERS, render_key
from warta.core.config import SiteConfig
from warta.core.config_schema import table_for
from warta.core.output_kinds import KINDS, OUTPUT_KINDS, REQUIRED_CACHE_POLICIES, cache_policy_of
from warta.core.planner import OutputKey, site_wide_outputs
from warta.validate.layout import SiteLayout

from conftest import EXAMPLE_SITE
from support.cli_runs import publish_events

NOW = "2023-09-21T00:00:00+07:00"


def test_every_kind_has_a_renderer_and_every_renderer_a_kind() -> None:
    assert set(RENDERERS) == set(KINDS)
    orders = [kind.render_order for kind in OUTPUT_KINDS]
    assert len(set(orders)) == len(orders)
    assert KINDS["shard"].render_order < KINDS["sitemap_index"].render_order  # the index lists shards


def test_the_required_cache_policies_are_the_configs_required_keys(site: SiteConfig) -> None:
    cache_control = table_for("cache_control")
    assert cache_control is not None and cache_control.required_keys == REQUIRED_CACHE_POLICIES
    assert set(REQUIRED_CACHE_POLICIES) <= set(site.cache_control)
    for kind in OUTPUT_KINDS:
        assert cache_policy_of(kind.name, site.cache_control) in site.cache_control


def test_site_wide_outputs_follow_the_table(site: SiteConfig) -> None:
    kinds = {key.kind for key in site_wide_outputs(site)}
    assert kinds == {"sitemap_index", "news_sitemap", "robots", "indexnow_key"}  # no amp_cache here


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import json

    from conftest import EXAMPLE_EVENTS

    tmp = tmp_path_factory.mktemp("kinds")
    events = [json.loads(p.read_text()) for p in sorted(EXAMPLE_EVENTS.glob("*.json"))]
    assert publish_events(tmp, NOW, events)[0] == 0
    return tmp


def test_every_output_has_its_kinds_type_policy_and_layout(published: Path) -> None:
    stack = open_local_stack([EXAMPLE_SITE], published / "public", published / "state")
    site = stack.deployment.sites["andalpost"]
    layout = SiteLayout.of(site)
    now = datetime.fromisoformat(NOW)
    url = next(iter(stack.index.facets(site.id, now).urls))
    keys = [
        OutputKey(site.id, "amp", url),
        OutputKey(site.id, "feed", "home"),
        OutputKey(site.id, "shard", "2023-09"),
    ]
    keys += sorted(site_wide_outputs(site), key=OutputKey.sort_key)
    seen = set()
    for key in keys:
        for change in render_key(key, site, stack.index, now):
            if not isinstance(change, Put):
                continue  # deletes of files that may have existed (a second sitemap index file)
            seen.add(key.kind)
            kind = KINDS[key.kind]
            if key.kind != "feed":  # a feed's type is its format's
                assert change.content_type == kind.content_type, change.path
                assert change.cache_policy == cache_policy_of(key.kind, site.cache_control), change.path
            classified = layout.classify(change.path).kind
            assert classified == (key.kind if key.kind not in ("indexnow_key", "amp_cache_key") else "other")
    assert seen == {"amp", "feed", "shard", "sitemap_index", "news_sitemap", "robots", "indexnow_key"}
