"""Attribute values of CMS HTML as the model takes them: safe absolute URLs and pixel sizes."""

from __future__ import annotations

import re
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from warta.core.text import clean_text
from warta.core.urls import InvalidUrl, http_parts

_URL_TRIM = " \t\n\r\f\v\xa0"
_SAFE_URL_CHARS = "!#$%&'()*+,-./:;=?@[]_~"


def safe_url(raw: str | None, base: str, *, mailto: bool = False) -> str | None:
    """An absolute http(s) URL (or mailto:), or None: `javascript:` and friends never pass.

    lxml has already decoded character references (`&#106;avascript:`), and urlsplit strips
    tabs and newlines the way browsers do, so the scheme seen here is the one a browser sees.
    """
    if raw is None:
        return None
    value = clean_text(raw).strip(_URL_TRIM)
    if not value:
        return None
    try:
        parts = urlsplit(urljoin(base, value))
    except ValueError:  # e.g. an unbalanced "[" in the host
        return None
    scheme, netloc = parts.scheme.lower(), parts.netloc
    if scheme in ("http", "https"):
        try:  # the one rule (core.urls): a real host, a port in range, no userinfo
            _, host, port, _ = http_parts(urlunsplit(parts))
        except InvalidUrl:
            return None
        # The host in ASCII: lxml's HTML serialiser percent-escapes non-ASCII in href and src,
        # which would turn "ü.example" into the non-host "%C3%BC.example".
        netloc = host if port is None else f"{host}:{port}"
    elif not (mailto and scheme == "mailto"):
        return None
    return urlunsplit(
        (
            scheme,
            netloc,
            quote(parts.path, safe=_SAFE_URL_CHARS),
            quote(parts.query, safe=_SAFE_URL_CHARS),
            quote(parts.fragment, safe=_SAFE_URL_CHARS),
        )
    )


def dimension(value: str | None) -> int | None:
    """A width/height attribute as pixels; percentages and junk mean "unknown"."""
    match = re.fullmatch(r"\s*(\d{1,6})(?:\.\d*)?\s*(?:px)?\s*", value or "")
    number = int(match.group(1)) if match else 0
    return number or None
