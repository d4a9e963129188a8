"""Checks of feed documents shared by the feed tests."""

from __future__ import annotations

import re
from typing import Any

from warta.core.render.jsonfeed import JSON_FEED_VERSION

# RFC 3339 date-time (section 5.6), as RFC 4287 3.3 and JSON Feed 1.1 require.
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def check_json_feed(document: dict[str, Any]) -> None:
    """Every field JSON Feed 1.1 requires, and the types of those we use."""
    assert document["version"] == JSON_FEED_VERSION
    assert isinstance(document["title"], str) and document["title"]
    assert isinstance(document["items"], list)
    for key in ("home_page_url", "feed_url", "description", "language"):
        assert isinstance(document.get(key, ""), str)
    for author in document.get("authors", []):
        assert isinstance(author["name"], str)
    for hub in document.get("hubs", []):
        assert isinstance(hub["type"], str) and isinstance(hub["url"], str)
    ids = [item["id"] for item in document["items"]]
    assert len(set(ids)) == len(ids)
    for item in document["items"]:
        assert isinstance(item["id"], str) and item["id"]
        # "content_html and content_text are each optional strings — but one must be present."
        assert isinstance(item.get("content_html"), str) or isinstance(item.get("content_text"), str)
        for key in ("url", "title", "summary", "image", "language"):
            assert isinstance(item.get(key, ""), str)
        for key in ("date_published", "date_modified"):
            if key in item:
                assert RFC3339.match(item[key]), item[key]
        assert all(isinstance(tag, str) for tag in item.get("tags", []))
        for author in item.get("authors", []):
            assert isinstance(author["name"], str)
