"""Issue 14, class 5: subscriber text never leaks.

Rules: a plain-text body (WordPress's classic editor stores blank-line paragraphs) is split
into paragraphs as wpautop does (`core.body.parse.autop`); the AMP teaser of a subscriber
article is bounded by paragraph count and by length (`[amp] subscriber_teaser_chars`); feeds
never carry a subscriber body.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warta.cli.main import main
from warta.core.body import build_body
from warta.core.body.model import Paragraph
from warta.core.config import load_site
from warta.core.events import parse_event, state_from_event
from warta.core.render.amp import render_amp_page

from amp_validator import validate_amp, validator_problem
from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE

SITE = load_site(EXAMPLE_SITE)
BASE = json.loads((EXAMPLE_EVENTS / "002-festival-layang-layang.json").read_text())


def subscriber(pages: list[str], site: Any = SITE) -> Any:
    data = json.loads(json.dumps(BASE))
    data["article"].update(pages=pages, access="subscriber")
    return state_from_event(parse_event(json.dumps(data)), site, build_body)


def shown_text(page: bytes) -> str:
    doc = lxml.html.fromstring(page)
    (content,) = doc.xpath('//div[@class="content"]')
    for paywall in content.xpath('.//*[contains(@class, "paywall")]'):
        paywall.getparent().remove(paywall)
    return " ".join(content.text_content().split())


def paragraphs(count: int, words: int = 30) -> list[str]:
    return [" ".join(f"rahasia{n}kata{w}" for w in range(words)) for n in range(count)]


def test_a_plain_text_body_becomes_paragraphs() -> None:
    article = subscriber(["\n\n".join(paragraphs(10)) + "\nbaris terakhir"])
    assert sum(isinstance(b, Paragraph) for b in article.body) == 10


def test_a_plain_text_subscriber_body_shows_only_the_teaser() -> None:
    text = paragraphs(10, words=8)
    page = render_amp_page(subscriber(["\n\n".join(text)]), SITE)
    shown = shown_text(page)
    assert "rahasia0kata0" in shown
    for n in range(SITE.amp.subscriber_teaser_paragraphs, 10):
        assert f"rahasia{n}kata" not in page.decode()


@pytest.mark.parametrize(
    ("limit", "first", "second"),
    [
        (0, False, False),
        (1, False, False),  # not even one word fits
        (30, True, False),  # "rahasia0kata0 rahasia0kata1 …": a cut first paragraph
        (1_200, True, True),
        (10_000, True, True),
    ],
)
def test_teaser_length_boundaries(limit: int, first: bool, second: bool) -> None:
    site = dataclasses.replace(SITE, amp=dataclasses.replace(SITE.amp, subscriber_teaser_chars=limit))
    page = render_amp_page(subscriber(["\n\n".join(paragraphs(5, words=10))], site), site)
    shown = shown_text(page)
    assert len(shown) <= limit + 2  # the " …" that marks a cut
    assert ("rahasia0kata0" in shown) is first
    assert ("rahasia1kata0" in shown) is second
    assert "rahasia4" not in page.decode()


def test_one_long_paragraph_is_cut_at_a_word() -> None:
    page = render_amp_page(subscriber([" ".join(f"kata{n}" for n in range(5000))]), SITE)
    shown = shown_text(page)
    assert len(shown) <= SITE.amp.subscriber_teaser_chars + 2
    assert shown.endswith("…") and "kata4999" not in page.decode()


@pytest.mark.skipif(validator_problem() is not None, reason="the AMP validator is installed by make test")
def test_a_cut_teaser_page_is_valid_amp() -> None:
    page = render_amp_page(subscriber([" ".join(f"kata{n}" for n in range(5000))]), SITE)
    assert validate_amp({"teaser.html": page}) == {"teaser.html": []}


def test_feeds_never_carry_a_subscriber_body(tmp_path: Path) -> None:
    data = json.loads(json.dumps(BASE))
    data["article"].update(pages=["\n\n".join(paragraphs(6))], access="subscriber")
    (tmp_path / "e.json").write_text(json.dumps(data))
    with contextlib.redirect_stdout(io.StringIO()):
        args = ["--config", str(EXAMPLE_SITE), "--out", str(tmp_path / "p"), "--state", str(tmp_path / "s")]
        assert main(["publish", *args, "--now", "2023-09-21T00:00:00+07:00", str(tmp_path / "e.json")]) == 0
    for path in (tmp_path / "p" / "feed").rglob("*"):
        if path.is_file():
            assert "rahasia" not in path.read_text(), path


BODIES = st.lists(
    st.lists(st.sampled_from(["rahasia", "kata", "panjang", "x" * 40, "é"]), min_size=1, max_size=60).map(
        " ".join
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=BODIES, separator=st.sampled_from(["\n\n", "\n \n", "\r\n\r\n", "\n\n\n"]))
def test_property_a_subscriber_page_never_shows_more_than_the_teaser(body: list[str], separator: str) -> None:
    marked = [f"p{n}start {text} p{n}end" for n, text in enumerate(body)]
    page = render_amp_page(subscriber([separator.join(marked)]), SITE).decode()
    shown = shown_text(page.encode())
    assert len(shown) <= SITE.amp.subscriber_teaser_chars + 2
    for n in range(SITE.amp.subscriber_teaser_paragraphs, len(marked)):
        assert f"p{n}start" not in page
