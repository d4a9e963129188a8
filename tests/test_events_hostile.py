"""Issue 14, classes 2 and 6: whatever an event holds, it is accepted or rejected naming the
field, and accepted text obeys the one hygiene table.

Boundary tables per class of input (numbers, nesting, JSON oddities, times, surrogates,
identifiers, image sides, invisible titles), then a hypothesis property over hostile JSON and
hostile text, then every entry point: the CLI (files, stdin), EventBridge, SQS, the webhook
(400, never 500; 401 for any malformed timestamp) and the S3 inbox.
"""

from __future__ import annotations

import io
import json
import sys
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from aws_harness import STATE_BUCKET, AwsHarness, json_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_aws_stack import NOW, aws, moto_endpoint  # noqa: F401  (fixtures)

from warta.cli.main import main
from warta.core.body import build_body
from warta.core.config import load_site
from warta.core.event_errors import QUOTED_CHARS_LIMIT
from warta.core.events import EventRejected, parse_event, state_from_event
from warta.core.text import HYGIENE_TABLE, clean_line, clean_text, is_visible

from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE

SITE = load_site(EXAMPLE_SITE)
BASE = json.loads((EXAMPLE_EVENTS / "002-festival-layang-layang.json").read_text())


def event(**article: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(BASE))
    data["article"].update(article)
    return data


def raw(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=True).encode()


def rejected_field(value: bytes | str | dict[str, Any]) -> str:
    with pytest.raises(EventRejected) as caught:
        parse_event(value)
    assert len(caught.value.reason) <= QUOTED_CHARS_LIMIT + 40
    return caught.value.field


def with_raw_revision(digits: str) -> bytes:
    return raw(event()).replace(
        f'"revision": {BASE["article"]["revision"]}'.encode(), f'"revision": {digits}'.encode()
    )


# --- class 2: numbers, nesting, JSON oddities ---------------------------------------------------


@pytest.mark.parametrize(
    ("revision", "field"),
    [
        ("1", None),
        ("9007199254740991", None),  # 2^53 - 1, the schema's maximum
        ("9007199254740992", "article/revision"),
        ("1" * 21, "article/revision"),
        ("9" * 4_300, "article/revision"),  # Python's int-from-string limit
        ("9" * 5_000, "article/revision"),
        ("-" + "9" * 5_000, "article/revision"),
        ("1e999", "article/revision"),
        ("1.0", None),  # JSON Schema: an integer
        ("NaN", "(event)"),
        ("Infinity", "(event)"),
        ("-Infinity", "(event)"),
    ],
)
def test_numbers(revision: str, field: str | None) -> None:
    body = with_raw_revision(revision)
    if field is None:
        assert isinstance(parse_event(body).revision, int)
    else:
        assert rejected_field(body) == field


@pytest.mark.parametrize("depth", [1, 50, 900, 1_000, 10_000, 100_000])
def test_nesting_at_any_depth_is_a_rejection(depth: int) -> None:
    body = b'{"event_id": "x", "deep": ' + b"[" * depth + b"]" * depth + b"}"
    assert rejected_field(body) in ("(event)", "(root)", "deep")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"", "(event)"),
        (b"[]", "(root)"),
        (b'"text"', "(root)"),
        (b"null", "(root)"),
        (b"\xff\xfe{}", "(event)"),  # not UTF-8
        (b'{"event_id": "a", "event_id": "b"}', "(event)"),  # duplicate keys
        (b"{" * 3, "(event)"),
    ],
)
def test_json_oddities(body: bytes, field: str) -> None:
    assert rejected_field(body) == field


def test_a_utf8_byte_order_mark_is_accepted() -> None:
    assert parse_event(b"\xef\xbb\xbf" + raw(event())).article_id == BASE["article"]["id"]


# --- class 2: times ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("published_at", "2023-09-01T10:00:00+14:00", True),
        ("published_at", "2023-09-01T10:00:00-14:00", True),
        ("published_at", "2023-09-01T10:00:00+14:01", False),
        ("published_at", "2023-09-01T10:00:00+23:59", False),
        ("published_at", "2023-09-01T10:00:00-23:59", False),
        ("published_at", "0001-01-01T00:00:00+14:00", False),  # before year 1 in UTC
        ("published_at", "0001-01-01T00:00:00Z", False),
        ("published_at", "0999-12-31T23:59:59Z", False),
        ("published_at", "1000-01-01T00:00:00Z", True),
        ("updated_at", "9998-12-31T00:00:00Z", True),
        ("updated_at", "9998-12-31T00:00:01Z", False),
        ("updated_at", "9999-12-31T23:59:59-12:00", False),  # past year 9999 in UTC
        ("updated_at", "2023-09-01T10:00:00.123456789+07:00", True),
    ],
)
def test_times_every_output_can_write(field: str, value: str, ok: bool) -> None:
    data = event(**{field: value})
    if ok:
        assert parse_event(raw(data))
    else:
        assert rejected_field(raw(data)) == f"article/{field}"


def test_occurred_at_has_the_same_bounds() -> None:
    data = event()
    data["occurred_at"] = "2023-09-01T10:00:00+23:59"
    assert rejected_field(raw(data)) == "occurred_at"


# --- class 2: surrogates and identifiers ------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("event_id",), "evt-\ud800", "event_id"),
        (("event_id",), "evt\tx", "event_id"),
        (("event_id",), "evt\u202ex", "event_id"),
        (
            ("article", "authors"),
            [{"name": "A", "url": "https://www.andalpost.com/\udfff"}],
            "article/authors/0/url",
        ),
        (("article", "id"), "x\ud800", "article/id"),
    ],
)
def test_identifiers_that_are_not_text_are_rejected(path: tuple[str, ...], value: Any, field: str) -> None:
    data = event()
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    assert rejected_field(raw(data)) == field


def test_lone_surrogates_in_text_fields_are_dropped() -> None:
    data = event(title="Judul\ud800 berita", tags=["tag\udc00"], summary="ring\ud83dkas")
    parsed = parse_event(raw(data))
    article = state_from_event(parsed, SITE, build_body)
    assert article.title == "Judul berita"
    assert article.tags[0] == "tag"
    assert article.summary == "ringkas"


@pytest.mark.parametrize(("side", "ok"), [(1, True), (65_535, True), (65_536, False), (10**18, False)])
def test_image_sides(side: int, ok: bool) -> None:
    data = event(image={"url": "https://www.andalpost.com/i.jpg", "width": side, "height": 10})
    if ok:
        assert parse_event(raw(data))
    else:
        assert rejected_field(raw(data)) == "article/image/width"


def test_a_huge_rejected_title_is_not_echoed_whole() -> None:
    with pytest.raises(EventRejected) as caught:
        parse_event(raw(event(title="x" * 3_000_000)))
    assert caught.value.field == "article/title"
    assert len(str(caught.value)) < 600


# --- class 6: one hygiene table -----------------------------------------------------------------

DROPPED_OR_SPACED = {code for _, codes, _ in HYGIENE_TABLE for code in codes}


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("Tayang\x0bPerdana", "Tayang Perdana"),
        ("Tayang\x0cPerdana", "Tayang Perdana"),
        ("Tayang\x00Perdana", "Tayang Perdana"),
        ("Tayang\x85Perdana", "Tayang Perdana"),
        ("Tayang\x9fPerdana", "Tayang Perdana"),
        ("Tayang\u2028Perdana", "Tayang Perdana"),
        ("Tayang\u2029Perdana", "Tayang Perdana"),
        ("Tay\u202eang", "Tayang"),
        ("Tay\u2066ang\u2069", "Tayang"),
        ("\ufeffTayang", "Tayang"),
        ("Tay\ufdd0ang\U0001fffe", "Tayang"),
        ("Tay\ud800ang", "Tayang"),
        ("Tayang\r\nPerdana", "Tayang Perdana"),
        ("كتاب\u200fجديد", "كتاب\u200fجديد"),  # RLM stays: right-to-left text needs it
        ("cafe\u0301", "café"),
    ],
)
def test_hygiene_table(text: str, line: str) -> None:
    assert clean_line(text) == line


def test_every_code_point_of_the_table_and_only_those_is_cleaned() -> None:
    # clean_text skips the translate for text with none of the table's characters: the scan
    # that tells must know exactly the table's code points, every plane included.
    samples = {code: f"a{chr(code)}b" for code in range(0x110000)}
    changed = {code for code, text in samples.items() if clean_text(text) != text}
    # CR (folded to a newline) and what NFC changes alone (singletons) are the other changes.
    nfc = {code for code, text in samples.items() if unicodedata.normalize("NFC", text) != text}
    assert changed == DROPPED_OR_SPACED | nfc | {0x0D}


def test_bodies_keep_line_structure() -> None:
    assert clean_text("a\r\nb\rc\x85d\u2029e") == "a\nb\nc\nd\n\ne"


@pytest.mark.parametrize(
    "title", ["\u200b", "\u3164\u3164", " \u2800 ", "\x0b\x0c", "\u202e\u2066", "\u0301"]
)
def test_invisible_titles_are_rejected(title: str) -> None:
    parsed = parse_event(raw(event(title=title)))
    with pytest.raises(EventRejected) as caught:
        state_from_event(parsed, SITE, build_body)
    assert caught.value.field == "article/title"


@pytest.mark.parametrize("title", ["a", "\u0661", "😀", "漢"])
def test_visible_one_character_titles_are_accepted(title: str) -> None:
    assert is_visible(title)


HOSTILE_CHARS = st.sampled_from(
    [
        *sorted(DROPPED_OR_SPACED - set(range(0xD800, 0xE000)))[:400],
        0xD800,
        0xDFFF,
        0x200B,
        0x3164,
        0x41,
        0x20,
    ]
).map(chr)
HOSTILE_TEXT = st.lists(st.one_of(HOSTILE_CHARS, st.characters()), min_size=1, max_size=40).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=HOSTILE_TEXT, summary=HOSTILE_TEXT, tag=HOSTILE_TEXT, name=HOSTILE_TEXT, page=HOSTILE_TEXT)
def test_property_accepted_text_holds_no_character_the_table_removes(
    title: str, summary: str, tag: str, name: str, page: str
) -> None:
    data = event(
        title=title[:500],
        summary=summary,
        tags=[tag[:100]],
        authors=[{"name": name[:200]}],
        pages=[f"<p>{page}</p>"],
    )
    try:
        parsed = parse_event(raw(data))
        article = state_from_event(parsed, SITE, build_body)
    except EventRejected as exc:
        assert exc.field.startswith(("article/", "(event)")), exc
        return
    texts = [article.title, article.summary, *article.tags, *(a.name for a in article.authors)]
    for text in texts:
        assert not DROPPED_OR_SPACED & {ord(c) for c in text}, repr(text)
    assert is_visible(article.title)


JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(st.characters(), max_size=20)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
FIELD_NAMES = (
    "event_id type occurred_at site spec_version article.id article.revision article.url article.title"
    " article.published_at article.pages article.section article.tags article.image article.authors article"
)
FIELDS = st.sampled_from(FIELD_NAMES.split(" "))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=FIELDS, value=JSON_VALUES, huge=st.integers(min_value=0, max_value=6000))
def test_property_any_value_in_any_field_is_accepted_or_rejected_by_name(
    field: str, value: Any, huge: int
) -> None:
    data = event()
    target: Any = data
    *parents, last = field.split(".")
    for part in parents:
        target = target[part]
    target[last] = value
    body = json.dumps(data).replace('"__HUGE__"', "9" * huge).encode()
    try:
        parsed = parse_event(body)
        state_from_event(parsed, SITE, build_body)
    except EventRejected as exc:
        assert exc.field
    # Anything else (ValueError, RecursionError, OverflowError, UnicodeError...) fails the test.


# --- every entry point --------------------------------------------------------------------------

HOSTILE_BODIES: dict[str, bytes] = {
    "huge-int": with_raw_revision("9" * 5_000),
    "deep": b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "year-1": raw(event(published_at="0001-01-01T00:00:00+14:00")),
    "offset": raw(event(published_at="2023-09-01T10:00:00+23:59")),
    "surrogate-id": raw({**event(), "event_id": "evt-\ud800"}),
    "nan": with_raw_revision("NaN"),
    "not-utf8": b'{"event_id": "\xff"}',
}


def test_cli_publishes_the_good_events_and_names_each_hostile_field(tmp_path: Path, capsys) -> None:
    events = tmp_path / "events"
    events.mkdir()
    for name, body in HOSTILE_BODIES.items():
        (events / f"0-{name}.json").write_bytes(body)
    (events / "9-good.json").write_bytes(raw(event()))
    out, state = tmp_path / "public", tmp_path / "state"
    code = main(["publish", "--config", str(EXAMPLE_SITE), "--out", str(out), "--state", str(state),
                 "--now", NOW, str(events)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2, err
    assert any(p.name.endswith(".html") for p in (out / "amp").rglob("*"))
    for field in ("article/revision", "article/published_at", "event_id", "(event)"):
        assert field in err


def test_stdin_json_lines_with_hostile_lines(tmp_path: Path, monkeypatch, capsys) -> None:
    lines = [b'{"x": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", with_raw_revision("9" * 5_000), raw(event())]
    monkeypatch.setattr(
        sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\n".join(lines) + b"\n"), encoding="utf-8")
    )
    out, state = tmp_path / "public", tmp_path / "state"
    code = main(["publish", "--config", str(EXAMPLE_SITE), "--out", str(out), "--state", str(state),
                 "--now", NOW, "-"])  # fmt: skip
    assert code == 2, capsys.readouterr().err
    assert (out / "feed" / "index.xml").exists()


@pytest.mark.parametrize("name", sorted(HOSTILE_BODIES))
def test_aws_entry_points_reject_hostile_bodies_and_go_on(aws: AwsHarness, name: str) -> None:  # noqa: F811
    body = HOSTILE_BODIES[name]
    good = raw(event())
    # Webhook: 400 naming the field, never 500.
    response = aws.webhook(body, datetime.fromisoformat(NOW))
    assert response["statusCode"] == 400, response
    assert json.loads(response["body"])["field"]
    # SQS: only the hostile record fails, the good one is ingested.
    records, answer = aws.sqs([body.decode("utf-8", "replace"), good.decode()])
    assert answer == {"batchItemFailures": [{"itemIdentifier": records[0]["messageId"]}]}
    # S3 inbox: moved aside with its reason.
    result = aws.inbox(f"{name}.json", body)["results"][0]
    assert result["status"] == "rejected"
    assert aws.s3.head_object(Bucket=STATE_BUCKET, Key=f"rejected/{name}.json")["Metadata"]["reason"]
    aws.drain_render_queue()
    assert any(k.startswith("amp/") for k in aws.bucket_tree())


def test_eventbridge_detail_with_surrogates_and_huge_numbers(aws: AwsHarness) -> None:  # noqa: F811
    from warta.handlers.ingest import RecordRejected

    hostile = event()
    hostile["event_id"] = "evt-\ud800"
    huge = event()
    huge["article"]["revision"] = 10**4000
    # A rejected EventBridge event fails its invocation: EventBridge retries, then the function's
    # dead-letter queue keeps it for on-call. The reason names the field.
    with pytest.raises(RecordRejected, match=r"^event_id: "):
        aws.eventbridge(hostile)
    with pytest.raises(RecordRejected, match=r"^article/revision: "):
        aws.eventbridge(huge)
    assert aws.eventbridge(event())["status"] == "accepted"


@pytest.mark.parametrize(
    "timestamp",
    ["", "abc", "\u0661\u0667\u0660\u0660", "１７００", " 1695229200", "+1695229200", "1695_229_200",
     "9" * 5_000, "-1", "1.5", "1695229200\n", "1e9"],
)  # fmt: skip
def test_webhook_answers_401_to_any_malformed_timestamp(aws: AwsHarness, timestamp: str) -> None:  # noqa: F811
    import hashlib
    import hmac

    body = json_bytes(event())
    # Signed correctly over the header's bytes: only the timestamp's form is wrong.
    digest = hmac.new(b"rahasia-bersama-cms", timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    headers = {
        "content-type": "application/json",
        "x-warta-timestamp": timestamp,
        "x-warta-signature": f"sha256={digest}",
    }
    response = aws.webhook(body, datetime.fromisoformat(NOW), headers=headers)
    assert response["statusCode"] == 401, response
