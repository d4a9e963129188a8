"""Text hygiene for plain-text fields and body text (contract README, "text hygiene")."""

from __future__ import annotations

import hashlib
import re
import unicodedata

# XML 1.0 section 2.2 "Char": tab, newline and carriage return are the only C0 controls allowed;
# the contract keeps tab and newline. U+FFFE/U+FFFF and lone surrogates are never characters.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_SPACES = re.compile(r"\s+")


def clean_text(value: str) -> str:
    """Drop characters XML 1.0 cannot hold and normalise to NFC."""
    return unicodedata.normalize("NFC", _XML_ILLEGAL.sub("", value))


def clean_line(value: str) -> str:
    """`clean_text`, with runs of white space (including no-break spaces) folded to one space."""
    return _SPACES.sub(" ", clean_text(value).replace("\xa0", " ")).strip()


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


def slugify(value: str) -> str:
    """A URL path segment for a tag or author name: lower-case ASCII words joined by hyphens.

    A name whose letters do not all reduce to ASCII (智能钱包, Straße) gets a short hash of the
    name as well: without it every Chinese tag would share the one feed `x`.
    """
    decomposed = unicodedata.normalize("NFKD", value)
    ascii_text = decomposed.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if any(c.isalnum() and not c.isascii() for c in decomposed):
        digest = hashlib.blake2s(unicodedata.normalize("NFC", value).encode(), digest_size=4).hexdigest()
        return f"{slug or 'x'}-{digest}"
    return slug or "x"
