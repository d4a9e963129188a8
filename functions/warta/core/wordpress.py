"""One mapping from a WordPress post to an article event (docs/wordpress.md has the table).

Pure: the caller (the WXR import here, the plugin in integrations/wordpress/ in PHP) gathers the
post's fields; the same vectors in integrations/wordpress/tests/vectors/ test both.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# Limits of the contract (functions/warta/contract/article-event.schema.json).
TITLE_MAX_CHARS = 500
SUMMARY_MAX_CHARS = 2000
TAGS_MAX = 50
TAG_MAX_CHARS = 100
AUTHORS_MAX = 20
PAGES_MAX = 50
# WordPress's page break in post_content (wp-includes/post-template.php, setup_postdata).
NEXTPAGE = re.compile(r"<!--nextpage-->")
# WordPress stores "0000-00-00 00:00:00" in *_gmt columns of posts never published.
WP_ZERO_DATE = "0000-00-00 00:00:00"
PUBLIC_STATUSES = frozenset({"publish", "future"})
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class MappingSettings:
    """The plugin's settings page, or `warta import wordpress`'s options and site config."""

    sections: Mapping[str, str]  # the site's section ids -> names
    default_section: str | None = None
    post_types: Sequence[str] = ("post",)


@dataclass(frozen=True, slots=True)
class Mapped:
    """Either the event to send or why none is sent (shown to the editor / in the import summary)."""

    event: dict[str, Any] | None
    reason: str | None = None


def _skip(reason: str) -> Mapped:
    return Mapped(None, reason)


def _plain(text: str) -> str:
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", text))).strip()


def _iso(gmt: str) -> str | None:
    """'2024-05-01 08:30:00' (WordPress's *_gmt columns) as '2024-05-01T08:30:00Z'."""
    if not gmt or gmt == WP_ZERO_DATE:
        return None
    return datetime.strptime(gmt, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _section(categories: Sequence[Mapping[str, str]], settings: MappingSettings) -> dict[str, str] | None:
    for category in categories:
        if category.get("slug") in settings.sections:
            return {"id": category["slug"], "name": settings.sections[category["slug"]]}
    if settings.default_section and settings.default_section in settings.sections:
        return {"id": settings.default_section, "name": settings.sections[settings.default_section]}
    return None


def _pages(content: str) -> list[str]:
    pages = [page.strip() for page in NEXTPAGE.split(content)]
    return [page for page in pages if page][:PAGES_MAX]


def _unique(values: Sequence[str], limit: int, max_chars: int) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        text = _plain(value)[:max_chars]
        if text:
            seen.setdefault(text, None)
    return list(seen)[:limit]


def map_post(post: Mapping[str, Any], settings: MappingSettings) -> Mapped:
    """The event for a post's current state; `post["was_public"]` says if warta shows it now."""
    post_id = str(post["ID"])
    if post.get("post_type", "post") not in settings.post_types:
        return _skip(f"post {post_id}: post type {post.get('post_type')!r} is not sent")
    revision = int(post["revision"])
    article_id = f"wp-{post_id}"
    event_id = f"{article_id}-r{revision}"
    occurred_at = _iso(post.get("post_modified_gmt", "")) or _iso(post.get("post_date_gmt", ""))
    public = post.get("post_status") in PUBLIC_STATUSES and not post.get("post_password")
    if not public:
        if not post.get("was_public"):
            return _skip(f"post {post_id}: status {post.get('post_status')!r} is not public")
        event = {
            "spec_version": "1",
            "event_id": event_id,
            "type": "article.unpublished",
            "occurred_at": occurred_at or "1970-01-01T00:00:00Z",
            "article": {"id": article_id, "revision": revision},
        }
        return Mapped(event)
    title = _plain(post.get("post_title", ""))[:TITLE_MAX_CHARS]
    if not title:
        return _skip(f"post {post_id}: post_title: empty")
    pages = _pages(post.get("post_content", ""))
    if not pages:
        return _skip(f"post {post_id}: post_content: empty")
    section = _section(post.get("categories", []), settings)
    if section is None:
        return _skip(f"post {post_id}: section: no category is a site section and no default section is set")
    published_at = _iso(post.get("post_date_gmt", ""))
    if published_at is None:
        return _skip(f"post {post_id}: post_date_gmt: not set")
    if not post.get("permalink", "").startswith(("http://", "https://")):
        return _skip(f"post {post_id}: permalink: not an http(s) URL")
    article: dict[str, Any] = {
        "id": article_id,
        "revision": revision,
        "url": post["permalink"],
        "title": title,
        "section": section,
        "published_at": published_at,
        "pages": pages,
    }
    updated_at = _iso(post.get("post_modified_gmt", ""))
    if updated_at is not None and updated_at > published_at:
        article["updated_at"] = updated_at
    summary = _plain(post.get("post_excerpt", ""))[:SUMMARY_MAX_CHARS]
    if summary:
        article["summary"] = summary
    tags = _unique(post.get("tags", []), TAGS_MAX, TAG_MAX_CHARS)
    if tags:
        article["tags"] = tags
    authors = _unique(post.get("authors", []), AUTHORS_MAX, 200)
    if authors:
        article["authors"] = [{"name": name} for name in authors]
    image = post.get("featured_image")
    if image and str(image.get("url", "")).startswith(("http://", "https://")):
        article["image"] = {"url": image["url"]}
        for key in ("width", "height"):
            if int(image.get(key) or 0) >= 1:
                article["image"][key] = int(image[key])
        if image.get("alt"):
            article["image"]["alt"] = _plain(image["alt"])[:1000]
    event = {
        "spec_version": "1",
        "event_id": event_id,
        "type": "article.published",
        "occurred_at": occurred_at or published_at,
        "article": article,
    }
    return Mapped(event)
