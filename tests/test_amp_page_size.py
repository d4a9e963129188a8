"""An AMP page is at most `[amp] max_page_bytes` (default 2 MiB, what Googlebot indexes of an
HTML file): a longer body is cut at a block, or one long paragraph at a word, and the page ends
with a link to the article for the rest (issue 14, classes 1 and 9: ten 1.9 MB pages, or 25,000
images, made a page the official AMP validator could not even check)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warta.core.articles import Article
from warta.core.body.model import Block, Figure, Image, Paragraph, Text
from warta.core.config import AMP_PAGE_MAX_BYTES, SiteConfig
from warta.core.render.amp import render_amp_page
from warta.validate.amp_checks import find_amp_validator

MakeArticle = Callable[..., Article]


def _limited(site: SiteConfig, limit: int) -> SiteConfig:
    return replace(site, amp=replace(site.amp, max_page_bytes=limit))


def _paragraphs(count: int, words: int) -> tuple[Block, ...]:
    return tuple(Paragraph((Text(f"Paragraf {n}: " + "kata " * words),)) for n in range(count))


def _shown_paragraphs(page: bytes) -> list[str]:
    root = lxml.html.fromstring(page)
    return [p.text_content() for p in root.xpath("//div[@class='content']/p")]


def _continued(page: bytes) -> list[str]:
    return lxml.html.fromstring(page).xpath("//p[@class='continued']/a/@href")


def test_the_default_limit_is_what_googlebot_indexes() -> None:
    assert AMP_PAGE_MAX_BYTES == 2_097_152


@pytest.mark.parametrize(
    ("paragraphs", "limit_over_whole", "cut"),
    [
        (0, 0, False),  # no body at all
        (1, 0, False),  # exactly at the limit: whole
        (40, 0, False),
        (40, -1, True),  # one byte over: cut
        (40, -20_000, True),
        (1, -1, True),  # one paragraph, one byte over: cut at a word
    ],
)
def test_limit_boundaries(
    site: SiteConfig, make_article: MakeArticle, paragraphs: int, limit_over_whole: int, cut: bool
) -> None:
    article = make_article(body=_paragraphs(paragraphs, 1_000))
    whole = render_amp_page(article, site)
    limit = len(whole) + limit_over_whole
    page = render_amp_page(article, _limited(site, limit))
    assert len(page) <= limit
    assert (page != whole) == cut
    assert _continued(page) == ([article.url] if cut else [])
    if cut:
        shown, all_of_it = _shown_paragraphs(page), _shown_paragraphs(whole)
        assert 0 < len(shown) <= len(all_of_it)
        # What is shown is the article's beginning: whole paragraphs, the last maybe cut at a word.
        assert shown[:-1] == all_of_it[: len(shown) - 1]
        assert shown[-1] == all_of_it[len(shown) - 1] or (
            shown[-1].endswith(" …") and all_of_it[len(shown) - 1].startswith(shown[-1][:-2])
        )


def test_the_issue_cases_become_checkable_valid_pages(site: SiteConfig, make_article: MakeArticle) -> None:
    """Four 1.5 MB paragraphs, and 25,000 images: each gives a page under 2 MiB that the official
    validator checks and passes (it ran out of memory on both before)."""
    validator = find_amp_validator()
    if isinstance(validator, str):
        pytest.fail(f"the official AMP validator is installed by `make test`: {validator}")
    long_text = make_article(id="1", body=_paragraphs(4, 300_000))
    images = make_article(
        id="2",
        body=tuple(
            Figure(Image(f"https://www.andalpost.com/img/{n}.jpg", "", 1200, 675), "", "")
            for n in range(25_000)
        ),
    )
    pages = {f"{a.id}.html": render_amp_page(a, site) for a in (long_text, images)}
    for name, page in pages.items():
        assert len(page) <= AMP_PAGE_MAX_BYTES, name
        assert _continued(page), name
    assert validator.validate(pages) == {name: [] for name in pages}


# make_article is a pure factory: nothing to reset between examples.
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sizes=st.lists(st.integers(min_value=1, max_value=3_000), min_size=1, max_size=40),
    limit=st.integers(min_value=12_000, max_value=120_000),
)
def test_property_a_page_never_passes_its_limit_and_shows_the_beginning(
    site: SiteConfig, make_article: MakeArticle, sizes: list[int], limit: int
) -> None:
    body = tuple(Paragraph((Text(f"P{n} " + "ab& " * size),)) for n, size in enumerate(sizes))
    article = make_article(body=body)
    whole = render_amp_page(article, site)
    page = render_amp_page(article, _limited(site, limit))
    assert len(page) <= max(limit, 0) or page == whole
    if len(whole) <= limit:
        assert page == whole
        return
    shown, all_of_it = _shown_paragraphs(page), _shown_paragraphs(whole)
    assert shown[: max(len(shown) - 1, 0)] == all_of_it[: max(len(shown) - 1, 0)]
    assert _continued(page) == [article.url]
