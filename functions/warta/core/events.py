"""Event intake: the CMS contract (`contract/article-event.schema.json`) and its site rules.

`parse_event` turns raw bytes into a validated `ArticleEvent` or raises `EventRejected` naming
the field and the reason. `article_from_event` applies the site's rules and text hygiene and
builds the `Article` that the index stores.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any, Literal
from urllib.parse import urlsplit

import jsonschema

from warta.core.articles import Article, Author, HeroImage, Section, Tombstone
from warta.core.body.model import Body
from warta.core.config import Deployment, SiteConfig
from warta.core.event_errors import EventRejected
from warta.core.event_json import decode_event, surrogate_path
from warta.core.text import clean_line, clean_tags, clean_text, is_visible
from warta.core.urls import InvalidUrl, is_valid_link, normalise_url

EventType = Literal["article.published", "article.updated", "article.unpublished"]
BodyBuilder = Callable[[Sequence[str], str, SiteConfig], Body]


__all__ = ["ArticleEvent", "BodyBuilder", "EventRejected", "parse_event", "site_of", "state_from_event"]

# XML Schema 1.1 Part 2, 3.3.7 dateTime (what the sitemap XSDs use): a time zone offset lies
# within ±14:00. RFC 3339 allows up to ±23:59; such a time is rejected rather than rewritten.
MAX_UTC_OFFSET = timedelta(hours=14)
# Every time must be writable in every output: four-digit years (W3C datetime, RFC 822), and a
# day of margin each side of Python's datetime range so any site time zone can show it.
EARLIEST_INSTANT = datetime(1000, 1, 1, tzinfo=UTC)
LATEST_INSTANT = datetime(9998, 12, 31, tzinfo=UTC)
DATE_FIELDS = ("occurred_at", "article/published_at", "article/updated_at")
# Fields that identify rather than describe: a character the text hygiene would drop from a
# title is a rejection here, since dropping it would make another identifier.
IDENTIFIER_FIELDS = ("event_id", "site", "article/id", "article/url", "article/image/url")
# The largest image side any format we write can describe (JPEG and AVIF: 65,535 pixels).
MAX_IMAGE_SIDE = 65_535
# libxml2 refuses a text node over 10,000,000 bytes (XML_MAX_TEXT_LENGTH) unless told to trust
# the input, and a feed carries the whole body in one: the pages together stay well under it,
# leaving room for the markup and escaping the renderers add.
BODY_BYTES_LIMIT = 8_000_000
# Plain-text fields: the hygiene table drops what XML cannot hold (lone surrogates included).
TEXT_FIELDS = ("title", "summary", "tags", "pages")


@dataclass(frozen=True, slots=True)
class ArticleEvent:
    event_id: str
    type: EventType
    occurred_at: datetime
    site: str | None
    article_id: str
    revision: int
    article: dict[str, Any]  # the validated `article` object, as sent

    @property
    def is_takedown(self) -> bool:
        return self.type == "article.unpublished"


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema_text = resources.files("warta.contract").joinpath("article-event.schema.json")
    schema = json.loads(schema_text.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _field_of(error: jsonschema.ValidationError) -> str:
    return "/".join(str(part) for part in error.absolute_path) or "(root)"


def _get(data: dict[str, Any], field: str) -> Any:
    value: Any = data
    for part in field.split("/"):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _instant(value: str, field: str) -> datetime:
    """A contract time (schema-checked: RFC 3339 with an offset) that every output can write."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    offset = moment.utcoffset()
    if offset is None or abs(offset) > MAX_UTC_OFFSET:
        raise EventRejected(
            field, f"offset {value[19:][-6:]} is beyond ±14:00, the range the sitemap schemas allow"
        )
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST_INSTANT <= utc <= LATEST_INSTANT:
        raise EventRejected(
            field, f"{value} is outside {EARLIEST_INSTANT:%Y-%m-%d} to {LATEST_INSTANT:%Y-%m-%d} UTC"
        )
    return moment


def _without_text_surrogates(data: dict[str, Any]) -> dict[str, Any]:
    """The event with lone surrogates dropped from plain-text fields (the contract's hygiene)."""

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            return "".join(c for c in value if not "\ud800" <= c <= "\udfff")
        if isinstance(value, list):
            return [scrub(item) for item in value]
        if isinstance(value, dict):
            return {key: scrub(item) if key not in ("id", "url") else item for key, item in value.items()}
        return value

    article = data.get("article")
    if not isinstance(article, dict):
        return data
    cleaned = {key: scrub(value) if key in (*TEXT_FIELDS, "section", "authors", "image") else value
               for key, value in article.items()}  # fmt: skip
    return {**data, "article": cleaned}


def _lacks_only_offset(value: str) -> bool:
    """A date and a time of day that would be a valid date-time with Z or ±hh:mm added."""
    if "T" not in value:
        return False
    try:
        return datetime.fromisoformat(value + "Z").tzinfo is not None
    except ValueError:
        return False


def _reason_of(error: jsonschema.ValidationError) -> str:
    """The schema's message, or, for a date-time that only lacks its offset, that plainly."""
    is_date_time_check = error.validator == "pattern" or (
        error.validator == "format" and error.validator_value == "date-time"
    )
    if is_date_time_check and isinstance(error.instance, str) and _lacks_only_offset(error.instance):
        return f"{error.instance!r} has no UTC offset (RFC 3339 date-time: add Z or +hh:mm)"
    return error.message


def _schema_rejection(errors: list[jsonschema.ValidationError]) -> EventRejected:
    """Every schema error of the event, the most relevant first, each distinct problem once."""
    best = jsonschema.exceptions.best_match(errors)
    assert best is not None
    first = (_field_of(best), _reason_of(best))
    others = [(_field_of(e), _reason_of(e)) for e in errors]
    # one line per distinct problem: a date-time without offset fails pattern and format
    unique = [o for i, o in enumerate(others) if o != first and o not in others[:i]]
    return EventRejected(*first, unique)


def parse_event(raw: bytes | str | dict[str, Any]) -> ArticleEvent:
    """Decode and validate one event against the contract's JSON Schema and what every output
    can hold (times, identifiers, sizes)."""
    data: Any = raw if isinstance(raw, dict) else decode_event(raw)
    try:
        errors = sorted(_validator().iter_errors(data), key=jsonschema.exceptions.relevance)
    except RecursionError:
        raise EventRejected("(event)", "nested deeper than any event can be") from None
    if errors:
        raise _schema_rejection(errors)
    data = _without_text_surrogates(data)
    field = surrogate_path(data)
    if field is not None:
        raise EventRejected(field, "holds a lone UTF-16 surrogate, which is no character")
    for field in DATE_FIELDS:
        value = _get(data, field)
        if value is not None:
            _instant(value, field)
    for field in IDENTIFIER_FIELDS:
        value = _get(data, field)
        if isinstance(value, str) and clean_line(value) != value:
            raise EventRejected(field, "holds control, format or space characters an identifier cannot")
    pages = _get(data, "article/pages") or []
    body_bytes = sum(len(page.encode("utf-8", "surrogatepass")) for page in pages)
    if body_bytes > BODY_BYTES_LIMIT:
        raise EventRejected(
            "article/pages", f"{body_bytes:,} bytes in all, over the {BODY_BYTES_LIMIT:,} a feed can carry"
        )
    image = _get(data, "article/image") or {}
    for side in ("width", "height"):
        if side in image and image[side] > MAX_IMAGE_SIDE:
            raise EventRejected(f"article/image/{side}", f"is over {MAX_IMAGE_SIDE:,} pixels")
    article = data["article"]
    return ArticleEvent(
        event_id=data["event_id"],
        type=data["type"],
        occurred_at=_instant(data["occurred_at"], "occurred_at"),
        site=data.get("site"),
        article_id=article["id"],
        revision=int(article["revision"]),
        article=article,
    )


def site_of(event: ArticleEvent, deployment: Deployment) -> SiteConfig:
    site = deployment.site(event.site)
    if site is None:
        raise EventRejected("site", f"unknown site {event.site!r}")
    return site


def _article_url(article: dict[str, Any], site: SiteConfig) -> str:
    """The article's URL in normal form (`warta.core.urls`), on the site's domain."""
    try:
        url = normalise_url(article["url"])
    except InvalidUrl as exc:
        raise EventRejected("article/url", f"{article['url']!r}: {exc}") from None
    if urlsplit(url).hostname != site.domain.lower():
        raise EventRejected("article/url", f"{article['url']!r} is not on the site's domain {site.domain!r}")
    return url


def _check_site_rules(article: dict[str, Any], site: SiteConfig) -> None:
    section_id = article["section"]["id"]
    if section_id not in site.sections:
        raise EventRejected("article/section/id", f"unknown section {section_id!r}")


def _author(data: dict[str, Any]) -> Author:
    # A link that cannot be valid becomes no link: the name stays, as text.
    url = data.get("url", "")
    return Author(clean_line(data["name"]), url if is_valid_link(url) else "")


def _hero_image(data: dict[str, Any] | None) -> HeroImage | None:
    if data is None or not is_valid_link(data["url"]):
        return None  # an image that cannot load is dropped, as in bodies (core.urls)
    width, height = data.get("width"), data.get("height")
    return HeroImage(
        url=data["url"],
        width=int(width) if width is not None else None,  # JSON Schema counts 600.0 as an integer
        height=int(height) if height is not None else None,
        alt=clean_line(data.get("alt", "")),
        caption=clean_line(data.get("caption", "")),
        credit=clean_line(data.get("credit", "")),
    )


def state_from_event(event: ArticleEvent, site: SiteConfig, build_body: BodyBuilder) -> Article | Tombstone:
    """The article state an event asks for, after site rules and text hygiene."""
    if event.is_takedown:
        return Tombstone(site=site.id, id=event.article_id, revision=event.revision)
    data = event.article
    url = _article_url(data, site)
    _check_site_rules(data, site)
    pages: list[str] = data["pages"]
    title = clean_line(data["title"])
    if not is_visible(title):
        raise EventRejected(
            "article/title",
            "shows nothing once the text hygiene rules apply (only controls, spaces or invisible characters)",
        )
    return Article(
        site=site.id,
        id=event.article_id,
        revision=event.revision,
        url=url,
        title=title,
        summary=clean_line(data.get("summary", "")),
        language=data.get("language", site.language),
        section=Section(data["section"]["id"], clean_line(data["section"]["name"])),
        tags=clean_tags(data.get("tags", [])),
        authors=tuple(_author(a) for a in data.get("authors", [])),
        published_at=_instant(data["published_at"], "article/published_at"),
        updated_at=_instant(data["updated_at"], "article/updated_at") if "updated_at" in data else None,
        image=_hero_image(data.get("image")),
        access=data.get("access", "free"),
        body=build_body([clean_text(page) for page in pages], url, site),
        page_count=len(pages),
    )
