"""URLs: one validity rule, one normal form, one injective URL -> file path map.

* `http_parts` is THE rule for whether an http(s) URL can be valid at all (links, images,
  iframes and embeds in bodies, links on AMP pages, article URLs at ingest): a real host,
  a port in range, no userinfo.
* `normalise_url` is applied once, at ingest, to an article's URL (RFC 3986 section 6.2.2 and
  6.2.3): scheme and host case, IDN to its ASCII form, default port dropped, percent-encoding
  normalised (unreserved characters decoded, other escapes upper-cased, everything else
  encoded), dot segments removed, fragment dropped. The query stays: it is part of identity
  (WordPress plain permalinks `/?p=123` are canonical). Aliases such as `/a/index.html` and
  `/a/` are NOT folded: the URL the CMS calls canonical is the identity.
* `url_file_path` turns a normal-form URL into a relative file path without collisions: the
  decoded path (S3 and CloudFront decode `%C3%A8` before looking up a key), with every segment
  that is unsafe for a key or a file name, or too long, replaced by a hash, and the query
  folded in as a hash suffix. `~` is reserved for these markers: a segment containing `~` is
  always hashed, so no real segment can spell a marker.
"""

from __future__ import annotations

import functools
import hashlib
import re
from typing import NamedTuple
from urllib.parse import SplitResult, quote, unquote, urlsplit, urlunsplit

DEFAULT_PORTS = {"http": 80, "https": 443}  # RFC 9110 sections 4.2.1 and 4.2.2
HOSTNAME_BYTES = 253  # RFC 1035 section 2.3.4 (255 octets on the wire, 253 as text)
PORT_MAX = 65_535  # RFC 793 section 3.1: a port is 16 bits
LABEL_BYTES = 63  # RFC 1035 section 2.3.4
FILE_NAME_BYTES = 255  # NAME_MAX of Linux file systems (ext4, xfs); S3 has no such limit
# A segment's file name also carries the query marker (`~q` + hash) and the template's suffix
# (".html"): 200 + 2 + 24 + 5 stays under FILE_NAME_BYTES.
SEGMENT_BYTES = 200
# S3 keys are at most 1,024 bytes (S3 user guide, "Naming objects"); the site's output prefix
# and the AMP path template share the key with this path, so a path longer than this is hashed.
URL_PATH_BYTES = 700
HASH_CHARS = 24  # 96 bits of SHA-256: collisions need ~2^48 URLs

_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"  # RFC 3986 2.3
_SUB_DELIMS = "!$&'()*+,;="  # RFC 3986 section 2.2
_PATH_SAFE = _SUB_DELIMS + ":@/"  # pchar and "/" (RFC 3986 section 3.3)
_QUERY_SAFE = _PATH_SAFE + "?"  # RFC 3986 section 3.4
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_IPV4 = re.compile(r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}")
# Characters a segment may not carry into a file name or an S3 key: separators, the escape
# and marker characters, and controls (C0, DEL, C1) that file systems and S3 consoles mangle.
_UNSAFE_SEGMENT = re.compile("[/\\\\%~\x00-\x1f\x7f-\x9f]")


class InvalidUrl(ValueError):
    """A URL that cannot be valid; the message says why."""


class HttpParts(NamedTuple):
    scheme: str  # "http" or "https"
    host: str  # lower case, ASCII (IDN in its xn-- form)
    port: int | None  # None for the scheme's default
    parts: SplitResult


@functools.lru_cache(maxsize=1024)  # a site's links and media come from a few hosts
def _ascii_host(host: str) -> str:
    """The host in lower-case ASCII, or InvalidUrl when it is no host name or IP literal."""
    host = host.lower().rstrip(".")
    if _IPV4.fullmatch(host):
        return host
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise InvalidUrl(f"host {host!r} is not a valid internationalised domain name") from None
    if len(host) > HOSTNAME_BYTES or not host:
        raise InvalidUrl(f"host {host!r} is not a host name")
    if not all(_LABEL.fullmatch(label) for label in host.split(".")):
        raise InvalidUrl(f"host {host!r} is not a host name (letters, digits and inner hyphens only)")
    return host


def http_parts(url: str) -> HttpParts:
    """The parts of an absolute http(s) URL that can be valid, or InvalidUrl naming the fault."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # an unbalanced "[" in the host
        raise InvalidUrl(str(exc)) from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise InvalidUrl(f"scheme {parts.scheme!r} is not http or https")
    netloc = parts.netloc
    if "@" in netloc:
        raise InvalidUrl("userinfo (user:password@) is not allowed")
    if "[" in netloc:
        raise InvalidUrl("IP literal hosts are not allowed")
    # SplitResult.hostname and .port, without their netloc parsed once for each (every link
    # and image of every page comes here): with no userinfo and no brackets, host ":" port.
    hostname, _, port_text = netloc.partition(":")
    port = None
    if port_text:
        try:
            port = int(port_text) if port_text.isdigit() and port_text.isascii() else -1
        except ValueError:  # more digits than int() takes
            port = -1
        if not 0 <= port <= PORT_MAX:
            raise InvalidUrl(f"port of {netloc!r} is not a number from 0 to 65535")
    host = _ascii_host(hostname)
    return HttpParts(scheme, host, None if port == DEFAULT_PORTS[scheme] else port, parts)


def _normal_escapes(text: str, safe: str) -> str:
    """Unreserved characters decoded, other escapes upper-cased, anything else UTF-8 escaped."""
    out: list[str] = []
    # split() with one group alternates: text, hex digits, text, hex digits, ..., text
    for i, piece in enumerate(_ESCAPE.split(text)):
        if i % 2 == 0:
            out.append(quote(piece, safe=safe + _UNRESERVED))
        else:
            char = chr(int(piece, 16))
            out.append(char if char in _UNRESERVED else "%" + piece.upper())
    return "".join(out)


def remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4."""
    out: list[str] = []
    segments = path.split("/")
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == ".":
            if last:
                out.append("")
        elif segment == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(segment)
    result = "/".join(out)
    return result if result.startswith("/") else "/" + result


def normalise_url(url: str) -> str:
    """The normal form of an article URL (see the module docstring), or InvalidUrl."""
    scheme, host, port, parts = http_parts(url.strip())
    netloc = host if port is None else f"{host}:{port}"
    path = remove_dot_segments(_normal_escapes(parts.path, _PATH_SAFE)) if parts.path else "/"
    query = _normal_escapes(parts.query, _QUERY_SAFE)
    return urlunsplit((scheme, netloc, path, query, ""))


def _digest(text: str, chars: int = HASH_CHARS) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:chars]


def _segment_name(segment: str, last: bool) -> str:
    if not segment:
        return "index" if last else "~"  # a trailing slash; an empty inner segment ("a//b")
    try:
        decoded = unquote(segment, errors="strict")
    except UnicodeDecodeError:
        return "~" + _digest(segment)
    if (
        decoded in (".", "..")
        or _UNSAFE_SEGMENT.search(decoded)
        or len(decoded.encode("utf-8", "surrogatepass")) > SEGMENT_BYTES
        or not decoded.isprintable()
    ):
        return "~" + _digest(segment)
    if last and decoded == "index":
        return "~index"  # "/a/index" is not "/a/" (which is "a/index")
    return decoded


def url_file_path(url: str) -> str:
    """The relative file path (no leading "/", no suffix) of a normal-form URL's output.

    Distinct normal-form URLs of one host get distinct paths; the path is the decoded URL path
    wherever that is safe, so a GET of the page's URL path (as S3 and CloudFront decode it)
    finds the file.
    """
    parts = urlsplit(url)
    segments = parts.path[1:].split("/")  # a normal-form path starts with "/"
    names = [_segment_name(s, i == len(segments) - 1) for i, s in enumerate(segments)]
    if parts.query:
        names[-1] += "~q" + _digest(parts.query)
    path = "/".join(names)
    if len(path.encode("utf-8", "surrogatepass")) > URL_PATH_BYTES:
        return "~long/" + _digest(parts.path + "?" + parts.query, 2 * HASH_CHARS)
    return path


def bounded_key(text: str, max_bytes: int) -> str:
    """`text` as a key part of at most `max_bytes` UTF-8 bytes: unchanged when it fits, else a
    readable prefix, "#" and a hash of the whole (for DynamoDB keys built from URLs, tags and
    authors). A normal-form URL and a slug never contain "#", so no fitting text looks hashed."""
    data = text.encode("utf-8", "surrogatepass")
    if len(data) <= max_bytes:
        return text
    digest = _digest(text, 2 * HASH_CHARS)
    prefix = data[: max(0, max_bytes - len(digest) - 1)].decode("utf-8", "ignore")
    return f"{prefix}#{digest}"


def is_valid_link(url: str, *, mailto: bool = False, https_only: bool = False) -> bool:
    """THE rule for links and media everywhere: an absolute http(s) URL that `http_parts`
    accepts (or, when allowed, any mailto: URL). `//javascript:alert(1)` resolves to
    `https://javascript:alert(1)`, whose "port" is not a number: never a link."""
    url = url.strip()
    if mailto and url[:7].lower() == "mailto:":
        return True
    try:
        scheme = http_parts(url).scheme
    except InvalidUrl:
        return False
    return scheme == "https" or not https_only
