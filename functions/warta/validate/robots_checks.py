"""robots.txt: the sitemaps it points crawlers at."""

from __future__ import annotations


def sitemap_urls(body: bytes) -> list[str]:
    """The URLs of its `Sitemap:` lines (the field name is case-insensitive, RFC 9309 §2.2.4)."""
    urls = []
    for line in body.decode("utf-8", errors="replace").splitlines():
        field, sep, value = line.partition(":")
        if sep and field.strip().lower() == "sitemap":
            urls.append(value.split("#", 1)[0].strip())
    return urls
