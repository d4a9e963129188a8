"""Event intake: the CMS contract (`contract/article-event.schema.json`) and its site rules.

`parse_event` turns raw bytes into a validated `ArticleEvent` or raises `EventRejected` naming
the field and the reason. `article_from_event` applies the site's rules and text hygiene and
builds the `Article` that the index stores.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any, Literal
from urllib.parse import urlsplit

import jsonschema

from warta.core.articles import Article, Author, HeroImage, Section, Tombstone
from warta.core.body.model import Body
from warta.core.config import Deployment, SiteConfig
from warta.core.text import clean_line, clean_tags, clean_text

EventType = Literal["article.published", "article.updated", "article.unpublished"]
BodyBuilder = Callable[[Sequence[str], str, SiteConfig], Body]


class EventRejected(ValueError):
    """An event that breaks the contract or a rule of its site. It changes nothing."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


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


def parse_event(raw: bytes | str | dict[str, Any]) -> ArticleEvent:
    """Decode and validate one event against the contract's JSON Schema."""
    if isinstance(raw, dict):
        data: Any = raw
    else:
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise EventRejected("(event)", f"not valid JSON: {exc}") from None
    error = jsonschema.exceptions.best_match(_validator().iter_errors(data))
    if error is not None:
        raise EventRejected(_field_of(error), error.message)
    article = data["article"]
    return ArticleEvent(
        event_id=data["event_id"],
        type=data["type"],
        occurred_at=datetime.fromisoformat(data["occurred_at"]),
        site=data.get("site"),
        article_id=article["id"],
        revision=article["revision"],
        article=article,
    )


def site_of(event: ArticleEvent, deployment: Deployment) -> SiteConfig:
    site = deployment.site(event.site)
    if site is None:
        raise EventRejected("site", f"unknown site {event.site!r}")
    return site


def _check_site_rules(article: dict[str, Any], site: SiteConfig) -> None:
    host = urlsplit(article["url"]).hostname
    if host != site.domain:
        raise EventRejected("article/url", f"{article['url']!r} is not on the site's domain {site.domain!r}")
    section_id = article["section"]["id"]
    if section_id not in site.sections:
        raise EventRejected("article/section/id", f"unknown section {section_id!r}")


def _hero_image(data: dict[str, Any] | None) -> HeroImage | None:
    if data is None:
        return None
    return HeroImage(
        url=data["url"],
        width=data.get("width"),
        height=data.get("height"),
        alt=clean_line(data.get("alt", "")),
        caption=clean_line(data.get("caption", "")),
        credit=clean_line(data.get("credit", "")),
    )


def state_from_event(event: ArticleEvent, site: SiteConfig, build_body: BodyBuilder) -> Article | Tombstone:
    """The article state an event asks for, after site rules and text hygiene."""
    if event.is_takedown:
        return Tombstone(site=site.id, id=event.article_id, revision=event.revision)
    data = event.article
    _check_site_rules(data, site)
    pages: list[str] = data["pages"]
    title = clean_line(data["title"])
    if not title:
        raise EventRejected("article/title", "is empty once characters XML cannot hold are removed")
    return Article(
        site=site.id,
        id=event.article_id,
        revision=event.revision,
        url=data["url"],
        title=title,
        summary=clean_line(data.get("summary", "")),
        language=data.get("language", site.language),
        section=Section(data["section"]["id"], clean_line(data["section"]["name"])),
        tags=clean_tags(data.get("tags", [])),
        authors=tuple(Author(clean_line(a["name"]), a.get("url", "")) for a in data.get("authors", [])),
        published_at=datetime.fromisoformat(data["published_at"]),
        updated_at=datetime.fromisoformat(data["updated_at"]) if "updated_at" in data else None,
        image=_hero_image(data.get("image")),
        access=data.get("access", "free"),
        body=build_body([clean_text(page) for page in pages], data["url"], site),
        page_count=len(pages),
    )
