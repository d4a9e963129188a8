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
