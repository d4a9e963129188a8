"""Text hygiene for plain-text fields and body text (contract README, "text hygiene")."""

from __future__ import annotations

import hashlib
import re
import unicodedata

# The one rule for every piece of text an event carries (contract README, "text hygiene"):
# titles, summaries, names, tags, captions and the body HTML all go through `clean_text`. Each
# row is a class of characters and what becomes of it. A control that stood between two words
# becomes a space, not nothing (`Tayang\x0bPerdana` must not read `TayangPerdana`).
SPACE, NEWLINE, PARAGRAPH, DROP = " ", "\n", "\n\n", ""
HYGIENE_TABLE: tuple[tuple[str, range | tuple[int, ...], str], ...] = (
    # XML 1.0 §2.2 Char: tab and newline are the only C0 controls the contract keeps; CR is
    # folded into newlines before the table applies.
    ("C0 controls but tab and newline", (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)), SPACE),
    (
        "DEL and C1 controls but NEL (the W3C feed validator: bad characters)",
        (0x7F, *range(0x80, 0x85), *range(0x86, 0xA0)),
        SPACE,
    ),
    ("NEL, LINE SEPARATOR: line breaks", (0x85, 0x2028), NEWLINE),
    ("PARAGRAPH SEPARATOR", (0x2029,), PARAGRAPH),
    # Trojan Source (CVE-2021-42574): embeddings, overrides and isolates reorder what a reader
    # sees; LRM/RLM (U+200E/F) stay, Arabic and Hebrew text needs them.
    ("bidi embeddings, overrides and isolates", (*range(0x202A, 0x202F), *range(0x2066, 0x206A)), DROP),
    ("BOM / zero-width no-break space", (0xFEFF,), DROP),
    (
        "noncharacters (Unicode §23.7)",
        (*range(0xFDD0, 0xFDF0), *(plane * 0x10000 + low for plane in range(17) for low in (0xFFFE, 0xFFFF))),
        DROP,
    ),
    ("lone surrogates: never characters", range(0xD800, 0xE000), DROP),
)
_TRANSLATION = {code: action for _, codes, action in HYGIENE_TABLE for code in codes}

# The table's ASCII characters: most text is ASCII with none of them, and a scan in C tells,
# before a translate that looks up every character in a dict (the AMP page and the feeds clean
# every piece of text they write). ASCII text is NFC as it is.
_ASCII_TRANSLATED = re.compile("[" + "".join(re.escape(chr(c)) for c in _TRANSLATION if c < 0x80) + "]")
_SPACES = re.compile(r"\s+")
# Characters that show nothing: a title made only of these is empty to a reader.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"}
_INVISIBLE_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}  # Hangul fillers, braille blank


def clean_text(value: str) -> str:
    """Apply `HYGIENE_TABLE` (carriage returns become newlines first) and normalise to NFC."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if value.isascii():
        return value.translate(_TRANSLATION) if _ASCII_TRANSLATED.search(value) else value
    return unicodedata.normalize("NFC", value.translate(_TRANSLATION))


def clean_line(value: str) -> str:
    """`clean_text`, with runs of white space (including no-break spaces) folded to one space."""
    return _SPACES.sub(" ", clean_text(value).replace("\xa0", " ")).strip()


def is_visible(value: str) -> bool:
    """Whether any character of the text shows something (not only spaces, marks, format chars)."""
    return any(
        unicodedata.category(c) not in _INVISIBLE_CATEGORIES and c not in _INVISIBLE_LETTERS for c in value
    )


def clean_tags(tags: list[str]) -> tuple[str, ...]:
    """Trim, NFC-normalise and de-duplicate case-insensitively; the first spelling wins."""
    seen: set[str] = set()
    kept: list[str] = []
    for raw in tags:
        tag = clean_line(raw)
        key = tag.casefold()
        if tag and key not in seen:
            seen.add(key)
            kept.append(tag)
    return tuple(kept)


# Symbols that make a name another name (C++ is not C, F# is not F); punctuation that only
# separates words (& , . ' " ! ? < > ( ) /) does not, and leaves the slug as it is.
IDENTITY_SYMBOLS = re.compile(r"[+#@$%*=~^|]")
# A slug is a file name (`feed/tag/<slug>.xml`): far under NAME_MAX (255 bytes, POSIX) and
# S3's 1,024-byte keys, with room for the site prefix and the folder.
SLUG_CHARS_LIMIT = 100


def slugify(value: str) -> str:
    """A URL path segment for a tag or author name: lower-case ASCII words joined by hyphens.

    A name whose letters do not all reduce to ASCII (智能钱包, Straße) gets a short hash of the
    name as well: without it every Chinese tag would share the one feed `x`.
    """
    decomposed = unicodedata.normalize("NFKD", value)
    ascii_text = decomposed.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    digest = hashlib.blake2s(unicodedata.normalize("NFC", value).encode(), digest_size=4).hexdigest()
    if len(slug) > SLUG_CHARS_LIMIT:
        # NFKD can multiply a name (100 × "Ⅷ" is 400 letters): the slug keeps its head and a
        # hash of the whole name, so it stays a file name and stays distinct.
        return f"{slug[: SLUG_CHARS_LIMIT - 9].rstrip('-')}-{digest}"
    if any(c.isalnum() and not c.isascii() for c in decomposed):
        return f"{slug or 'x'}-{digest}"
    if IDENTITY_SYMBOLS.search(decomposed):
        # C++, C# and c are three tags: the symbols a slug cannot spell are kept as a hash of
        # the case-folded name (tags match case-insensitively, so C++ and c++ stay one feed).
        folded = hashlib.blake2s(unicodedata.normalize("NFC", value).casefold().encode(), digest_size=4)
        return f"{slug or 'x'}-{folded.hexdigest()}"
    return slug or "x"
