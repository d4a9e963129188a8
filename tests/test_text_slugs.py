"""Slugs for tag and author feed paths: readable where the name is Latin, never shared by
different names that only a non-Latin script tells apart."""

from __future__ import annotations

import re

import pytest

from warta.core.text import slugify


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Jawa Barat", "jawa-barat"),
        ("Café Kopi", "cafe-kopi"),  # an accent is not a letter of its own
        ("  Piala   Dunia 2022 ", "piala-dunia-2022"),
        ("", "x"),
        ("!!!", "x"),
    ],
)
def test_latin_names_give_readable_slugs(name: str, slug: str) -> None:
    assert slugify(name) == slug


@pytest.mark.parametrize("name", ["智能钱包", "Dompet 智能", "Ёлка", "Straße"])
def test_names_with_letters_beyond_ascii_carry_a_hash(name: str) -> None:
    slug = slugify(name)
    assert re.fullmatch(r"[a-z0-9-]+-[0-9a-f]{8}", slug), slug
    assert slug == slugify(name)  # stable: the feed path of a tag never moves


def test_different_non_latin_names_get_different_feeds() -> None:
    names = ["智能钱包", "智能手机", "钱包", "Ёлка", "Ёлки"]
    assert len({slugify(n) for n in names}) == len(names)


@pytest.mark.parametrize("letters", [1, 99, 100, 101, 400, 5_000])
def test_slugs_stay_file_names_and_distinct(letters: int) -> None:
    from warta.core.text import SLUG_CHARS_LIMIT

    name = "a" * letters
    slug = slugify(name)
    assert 0 < len(slug.encode()) <= SLUG_CHARS_LIMIT
    assert slugify(name + "b") != slug


def test_nfkd_growth_is_capped() -> None:
    from warta.core.text import SLUG_CHARS_LIMIT

    slug = slugify("Ⅷ" * 100)  # NFKD: "VIII" × 100, 400 letters
    assert len(slug) <= SLUG_CHARS_LIMIT
    assert slug != slugify("Ⅷ" * 101)
