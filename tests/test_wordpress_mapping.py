"""The WordPress post -> event mapping: the shared vectors, the contract, the limits."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warta.core.wordpress import TITLE_MAX_CHARS, MappingSettings, map_post

REPO = Path(__file__).resolve().parent.parent
VECTORS = json.loads((REPO / "integrations/wordpress/tests/vectors/mapping.json").read_text())
SCHEMA = json.loads((REPO / "functions/warta/contract/article-event.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(
    SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)
SETTINGS = MappingSettings(
    sections=VECTORS["settings"]["sections"],
    default_section=VECTORS["settings"]["default_section"],
    post_types=tuple(VECTORS["settings"]["post_types"]),
)


def _post(**fields: Any) -> dict[str, Any]:
    base = {
        "ID": 1,
        "post_type": "post",
        "post_status": "publish",
        "revision": 1,
        "post_title": "T",
        "post_content": "<p>x</p>",
        "post_date_gmt": "2024-05-01 00:00:00",
        "post_modified_gmt": "2024-05-01 00:00:00",
        "permalink": "https://example.com/t/",
        "categories": [{"slug": "news", "name": "News"}],
    }
    return base | fields


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=[v["name"] for v in VECTORS["vectors"]])
def test_vector(vector: dict[str, Any]) -> None:
    mapped = map_post(vector["post"], SETTINGS)
    assert mapped.event == vector.get("event")
    assert mapped.reason == vector.get("reason")
    if mapped.event is not None:
        VALIDATOR.validate(mapped.event)


@pytest.mark.parametrize(
    ("length", "kept"),
    [
        (1, 1),
        (TITLE_MAX_CHARS - 1, TITLE_MAX_CHARS - 1),
        (TITLE_MAX_CHARS, TITLE_MAX_CHARS),
        (TITLE_MAX_CHARS + 1, TITLE_MAX_CHARS),
        (5000, TITLE_MAX_CHARS),
    ],
)
def test_title_length_boundaries(length: int, kept: int) -> None:
    event = map_post(_post(post_title="t" * length), SETTINGS).event
    assert event is not None and len(event["article"]["title"]) == kept
    VALIDATOR.validate(event)


def test_default_section_places_a_post_without_a_section_category() -> None:
    mapped = map_post(
        _post(categories=[]), MappingSettings(sections={"news": "News"}, default_section="news")
    )
    assert mapped.event is not None and mapped.event["article"]["section"] == {"id": "news", "name": "News"}


def test_two_saves_in_one_second_are_distinct_events_ordered_by_revision() -> None:
    first = map_post(_post(revision=41), SETTINGS).event
    second = map_post(_post(revision=42, post_title="T2"), SETTINGS).event
    assert first is not None and second is not None
    assert first["occurred_at"] == second["occurred_at"]
    assert first["event_id"] != second["event_id"]
    assert second["article"]["revision"] > first["article"]["revision"]


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)


@settings(max_examples=150, deadline=None)
@given(
    title=_text,
    content=_text,
    excerpt=_text,
    tags=st.lists(_text, max_size=70),
    authors=st.lists(_text, max_size=25),
    status=st.sampled_from(["publish", "future", "draft", "pending", "private", "trash"]),
    was_public=st.booleans(),
    password=st.sampled_from(["", "pw"]),
)
def test_every_post_maps_to_a_valid_event_or_a_reason(
    title: str,
    content: str,
    excerpt: str,
    tags: list[str],
    authors: list[str],
    status: str,
    was_public: bool,
    password: str,
) -> None:
    post = _post(
        post_title=title,
        post_content=content,
        post_excerpt=excerpt,
        tags=tags,
        authors=authors,
        post_status=status,
        was_public=was_public,
        post_password=password,
    )
    mapped = map_post(post, SETTINGS)
    assert (mapped.event is None) != (mapped.reason is None)
    if mapped.event is not None:
        VALIDATOR.validate(mapped.event)
        if mapped.event["type"] == "article.published":
            assert status in ("publish", "future") and not password


PHP = shutil.which("php")


@pytest.mark.skipif(PHP is None, reason="php-cli not installed (make test-wordpress installs it)")
def test_the_plugins_php_mapping_passes_the_same_vectors() -> None:
    result = subprocess.run(
        [str(PHP), str(REPO / "integrations/wordpress/tests/run-vectors.php")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert f"{len(VECTORS['vectors'])} vectors, 0 failed" in result.stdout
