"""The AMP caches' update-cache request: a signed GET that makes a cache drop its copy of a page.

Pure: the clock and the signature come from the caller (`sign` is RSA-SHA256 PKCS#1 v1.5 with
the site's private key, whose public half the site serves at `AMP_CACHE_KEY_PATH`).

Sources:
* AMP, "Update AMP Content" (developers.google.com/amp/cache/update-cache): the request
  `https://<domain prefix>.<cache suffix>/update-cache/c/s/<publisher URL without scheme>
  ?amp_action=flush&amp_ts=<unix seconds>&amp_url_signature=<web-safe base64 signature>`, the
  signature over the path from `/update-cache/` up to and including `amp_ts` (the cache host
  is left out so one signed request suits every cache), the public key in PEM as text/plain at
  `/.well-known/amphtml/apikey.pub`.
* AMP, "AMP Cache URL Format and Request Handling" (amp.dev, guides-and-tutorials/learn/
  amp-caches-and-cors/amp-cache-urls): the domain prefix, "Basic Algorithm" and "Fallback
  Algorithm", and the URL path (`/c`, then `/s` only for https publisher URLs).
"""

from __future__ import annotations

import base64
import hashlib
import unicodedata
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote

from warta.core.urls import http_parts

# "Update AMP Content": where the cache fetches the key that checks the signature.
AMP_CACHE_KEY_PATH = ".well-known/amphtml/apikey.pub"
# caches.json, `updateCacheApiDomainSuffix` of the Google AMP Cache (the only cache listed).
GOOGLE_AMP_CACHE = "cdn.ampproject.org"
UPDATE_CACHE_PREFIX = "/update-cache"
CONTENT_SERVING = "/c"  # "URL Path": an AMP document served as a standalone page
SECURE_INFIX = "/s"  # "URL Path": present only when the publisher URL is https
FLUSH_ACTION = "amp_action=flush"
TIMESTAMP_PARAM = "amp_ts"
SIGNATURE_PARAM = "amp_url_signature"
MAX_LABEL_CHARS = 63  # RFC 2181 section 11, quoted by "AMP Cache URL Format" for the prefix
# "Basic Algorithm" step 4 (amphtml issue 26205): "--" at positions 3 and 4 is the mark of an
# IDNA A-label ("xn--"), so such a prefix is wrapped in "0-" ... "-0".
RESERVED_HYPHENS = slice(2, 4)
WRAP_PREFIX, WRAP_SUFFIX = "0-", "-0"
ACE_PREFIX = "xn--"  # RFC 3490 section 5: a punycode-encoded label

Signer = Callable[[bytes], bytes]  # message -> RSA-SHA256 (PKCS#1 v1.5) signature


def _punycode_decode(domain: str) -> str:
    """RFC 3492 decoding of every `xn--` label; other labels as they are."""
    labels = []
    for label in domain.split("."):
        if label.startswith(ACE_PREFIX):
            labels.append(label[len(ACE_PREFIX) :].encode("ascii").decode("punycode"))
        else:
            labels.append(label)
    return ".".join(labels)


def _punycode_encode(label: str) -> str:
    return label if label.isascii() else ACE_PREFIX + label.encode("punycode").decode("ascii")


def _mixes_directions(text: str) -> bool:
    """Left-to-right and right-to-left letters in one label: RFC 5893 (the Bidi Rule) forbids
    it, so such a prefix is no valid DNS label (the AMP Toolbox falls back on it too)."""
    classes = {unicodedata.bidirectional(char) for char in text}
    return "L" in classes and bool(classes & {"R", "AL"})


def fallback_prefix(domain: str) -> str:
    """The prefix of the "Fallback Algorithm": SHA-256 of the domain, base32, without its four
    padding characters (52 characters, lower case as the AMP caches serve them)."""
    digest = hashlib.sha256(domain.encode("ascii")).digest()
    return base64.b32encode(digest).decode("ascii").rstrip("=").lower()


def cache_subdomain(domain: str) -> str:
    """The AMP cache domain prefix of a publisher domain ("Combined Algorithm").

    The basic algorithm: punycode-decode, every "-" to "--", every "." to "-", wrap in "0-" and
    "-0" when positions 3 and 4 are both "-", punycode-encode. When that is no valid DNS label
    (over 63 characters, or mixing writing directions) the fallback hash is the prefix. Also
    the fallback for a domain without a dot, as the AMP Toolbox's reference implementation
    (amp-toolbox, packages/cache-url) does: a prefix must not look like a publisher domain.
    """
    domain = domain.lower().rstrip(".")
    if not domain.isascii():
        domain = domain.encode("idna").decode("ascii")
    if "." not in domain:
        return fallback_prefix(domain)
    try:
        prefix = _punycode_decode(domain).replace("-", "--").replace(".", "-")
    except UnicodeError:  # an `xn--` label that is no punycode
        return fallback_prefix(domain)
    if prefix[RESERVED_HYPHENS] == "--":
        prefix = WRAP_PREFIX + prefix + WRAP_SUFFIX
    if _mixes_directions(prefix):
        return fallback_prefix(domain)
    encoded = _punycode_encode(prefix)
    return encoded if len(encoded) <= MAX_LABEL_CHARS else fallback_prefix(domain)


# RFC 3986 section 3.3 pchar and "/": kept as they are; "%" keeps escapes that are there.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


def cache_origin(page_url: str, cache_host: str) -> str:
    """Where a cache answers for the page's domain: `https://<domain prefix>.<cache host>`.

    `cache_host` is a cache's update-cache domain suffix (caches.json); written as
    `http://host` it is asked over plain HTTP (a test double: the AMP caches take https only).
    """
    scheme, _, host = cache_host.rpartition("://")
    return f"{scheme or 'https'}://{cache_subdomain(http_parts(page_url).host)}.{host}"


def signed_path(page_url: str, now: datetime) -> str:
    """What is signed: `/update-cache/c[/s]/<host><path>[?query]` with the flush action and
    `amp_ts`, the page's path and query percent-encoded (UTF-8) where they are not already."""
    scheme, host, port, parts = http_parts(page_url)
    netloc = host if port is None else f"{host}:{port}"
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    query = quote(parts.query, safe=_QUERY_SAFE)
    served = CONTENT_SERVING + (SECURE_INFIX if scheme == "https" else "")
    params = f"{FLUSH_ACTION}&{TIMESTAMP_PARAM}={int(now.timestamp())}"
    return f"{UPDATE_CACHE_PREFIX}{served}/{netloc}{path}?{query + '&' if query else ''}{params}"


def web_safe_base64(data: bytes) -> str:
    """Base64 with the URL- and file-safe alphabet (RFC 4648 section 5), without padding."""
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def update_cache_url(page_url: str, now: datetime, sign: Signer, cache_host: str = GOOGLE_AMP_CACHE) -> str:
    """The signed update-cache request that flushes `page_url` from the cache at `cache_host`.

    `page_url` is the absolute URL the AMP page is served at; `now` gives `amp_ts` (the cache
    accepts a minute either way, so sign just before sending).
    """
    path = signed_path(page_url, now)
    signature = web_safe_base64(sign(path.encode("ascii")))
    return f"{cache_origin(page_url, cache_host)}{path}&{SIGNATURE_PARAM}={signature}"
