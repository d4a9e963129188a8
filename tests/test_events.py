"""Event intake: the contract's schema, its site rules and its text hygiene."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from warta.core.articles import Article, Tombstone
from warta.core.body import build_body
from warta.core.config import Deployment, SiteConfig
from warta.core.events import EventRejected, parse_event, site_of, state_from_event

from conftest import EXAMPLE_EVENTS, SHARED, shared_path

EVENT_FILES = sorted(EXAMPLE_EVENTS.glob("*.json"))


def _load(prefix: str) -> dict:
    (path,) = [p for p in EVENT_FILES if p.name.startswith(prefix)]
    return json.loads(path.read_text())


def _state(data: dict, site: SiteConfig) -> Article | Tombstone:
    event = parse_event(json.dumps(data))
    return state_from_event(event, site, build_body)


@pytest.mark.parametrize("path", EVENT_FILES, ids=lambda p: p.name)
def test_every_corpus_event_is_accepted(path: Path, site: SiteConfig) -> None:
    event = parse_event(path.read_bytes())
    state = state_from_event(event, site, build_body)
    assert state.id == event.article_id and state.revision == event.revision


@pytest.mark.parametrize("path", sorted((SHARED / "corpus" / "invalid").glob("*.json")), ids=lambda p: p.name)
def test_every_invalid_event_is_rejected_naming_the_field(path: Path) -> None:
    with pytest.raises(EventRejected) as caught:
        parse_event(path.read_bytes())
    assert caught.value.field
    assert str(caught.value).startswith(caught.value.field + ": ")


def test_rejection_agrees_with_the_reference_validator() -> None:
    """Our intake accepts exactly what jsonschema (format checking on) accepts."""
    schema = json.loads(shared_path("contract", "article-event.schema.json").read_text())
    reference = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    base = _load("001")
    mutations = {
        "occurred_at": "2023-09-10 19:42:11",
        "event_id": "",
        "spec_version": "2",
        "site": "Andalpost",
    }
    article_mutations = {
        "url": "ftp://www.andalpost.com/x",
        "revision": 9007199254740992,
        "tags": ["x"] * 51,
        "language": "indonesian-language-tag-too-long-x",
        "access": "premium",
        "image": {"url": "https://www.andalpost.com/a.jpg", "width": 0},
        "updated_at": "2023-09-10T19:40:00",
    }
    cases = [{**base, key: value} for key, value in mutations.items()]
    for key, value in article_mutations.items():
        case = copy.deepcopy(base)
        case["article"][key] = value
        cases.append(case)
    for case in cases:
        expected_valid = reference.is_valid(case)
        try:
            parse_event(case)
            valid = True
        except EventRejected:
            valid = False
        assert valid == expected_valid, case


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("url", "https://evil.example/internasional/x", "article/url"),
        ("section", {"id": "cuaca", "name": "Cuaca"}, "article/section/id"),
    ],
)
def test_site_rules_reject_with_the_field(field: str, value: object, named: str, site: SiteConfig) -> None:
    data = _load("001")
    data["article"][field] = value
    with pytest.raises(EventRejected) as caught:
        _state(data, site)
    assert caught.value.field == named


def test_unknown_site_is_rejected(site: SiteConfig) -> None:
    data = {**_load("001"), "site": "lainpost"}
    deployment = Deployment(sites={site.id: site}, default_site=site.id)
    with pytest.raises(EventRejected) as caught:
        site_of(parse_event(data), deployment)
    assert caught.value.field == "site"
    assert site_of(parse_event(_load("001")), deployment) is site


def test_plain_text_fields_are_cleaned(site: SiteConfig) -> None:
    article = _state(_load("018"), site)
    assert isinstance(article, Article)
    assert "\x0b" not in article.title and "\x01" not in article.title
    assert "Dompet<Pintar>" in article.title  # text, not markup: kept as characters
    assert "<script>alert('tag')</script>" in article.tags
    assert article.image is not None and "&" in article.image.url


def test_tags_are_trimmed_and_deduplicated_case_insensitively(site: SiteConfig) -> None:
    data = _load("001")
    data["article"]["tags"] = ["  Rusia ", "rusia", "RUSIA", "Cafe\u0301", "Café"]
    article = _state(data, site)
    assert isinstance(article, Article)
    assert article.tags == ("Rusia", "Café")


def test_takedown_becomes_a_tombstone(site: SiteConfig) -> None:
    state = _state(_load("022"), site)
    assert state == Tombstone(site=site.id, id="48158", revision=3)


def test_title_of_only_illegal_characters_is_rejected(site: SiteConfig) -> None:
    data = _load("001")
    data["article"]["title"] = "\x01\x02"
    with pytest.raises(EventRejected) as caught:
        _state(data, site)
    assert caught.value.field == "article/title"


# --- a rejection says everything that is wrong (issue 15 point 6) ------------------------------


def _fields_of_reference_errors(data: dict) -> set[str]:
    schema = json.loads(shared_path("contract", "article-event.schema.json").read_text())
    reference = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return {"/".join(str(p) for p in e.absolute_path) or "(root)" for e in reference.iter_errors(data)}


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_rejection_lists_every_schema_error(count: int) -> None:
    data = _load("001")
    breakages = [
        ("event_id", ""),
        ("spec_version", "2"),
        ("site", "Andalpost"),
        ("occurred_at", "yesterday"),
    ][:count]
    for key, value in breakages:
        data[key] = value
    with pytest.raises(EventRejected) as caught:
        parse_event(data)
    rejected = caught.value
    named = {rejected.field} | {field for field, _ in rejected.others}
    assert named == _fields_of_reference_errors(data) == {key for key, _ in breakages}
    for field in named:
        assert f"{field}: " in str(rejected)


@pytest.mark.parametrize(
    ("value", "says_offset"),
    [
        ("2023-09-10T19:42:11", True),
        ("2023-09-10T19:42:11.5", True),
        ("2023-09-10T00:00", True),
        ("2023-09-10T19:42:11+0700", False),  # an offset, wrongly written: the schema's own words
        ("2023-09-10", False),
        ("yesterday", False),
        ("2023-13-10T19:42:11", False),
    ],
)
def test_a_date_time_without_offset_is_rejected_saying_so(value: str, says_offset: bool) -> None:
    data = _load("001")
    data["occurred_at"] = value
    with pytest.raises(EventRejected) as caught:
        parse_event(data)
    assert caught.value.field == "occurred_at"
    assert ("has no UTC offset" in caught.value.reason) == says_offset
    assert value in caught.value.reason


@pytest.mark.parametrize(
    "value", ["2023-09-10T19:42:11Z", "2023-09-10T19:42:11+07:00", "2023-09-10T12:42:11.25-00:00"]
)
def test_a_date_time_with_offset_is_accepted(value: str) -> None:
    data = _load("001")
    data["occurred_at"] = value
    assert parse_event(data).occurred_at.tzinfo is not None
