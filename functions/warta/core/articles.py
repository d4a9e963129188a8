"""The article as warta keeps it: clean, typed, and independent of how it arrived."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from warta.core.body.model import Body, Paragraph, body_from_json, body_to_json

Access = Literal["free", "subscriber"]


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Author:
    name: str
    url: str = ""


@dataclass(frozen=True, slots=True)
class HeroImage:
    url: str
    width: int | None = None
    height: int | None = None
    alt: str = ""
    caption: str = ""
    credit: str = ""


@dataclass(frozen=True, slots=True, eq=False)
class _BodyLeftOut(Paragraph):
    """The block of a body left out (`left_out_body`): of its own class, so no renderer knows
    it (one given it fails rather than write a body that is not there), and equal to itself
    only, so an article read without its body equals no other article value: not one read
    whole, nor one read without its body from another index, nor another read of its own."""

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)


def left_out_body() -> Body:
    """The body of an article read without it (`ArticleIndex.latest(bodies=False)`)."""
    return (_BodyLeftOut(()),)


def body_left_out(article: Article) -> bool:
    """Whether the article was read without its body."""
    return len(article.body) == 1 and type(article.body[0]) is _BodyLeftOut


@dataclass(frozen=True, slots=True)
class Article:
    """A live (published or scheduled) article at one revision, with its body parsed once."""

    site: str
    id: str
    revision: int
    url: str
    title: str
    summary: str
    language: str
    section: Section
    tags: tuple[str, ...]
    authors: tuple[Author, ...]
    published_at: datetime  # aware
    updated_at: datetime | None
    image: HeroImage | None
    access: Access
    body: Body
    page_count: int

    @property
    def modified_at(self) -> datetime:
        """When the article last changed, for lastmod and dateModified."""
        if self.updated_at is not None and self.updated_at > self.published_at:
            return self.updated_at
        return self.published_at

    def is_visible(self, now: datetime) -> bool:
        """Scheduled articles appear nowhere before their publication instant."""
        return self.published_at <= now

    def to_json(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "id": self.id,
            "revision": self.revision,
            "url": self.url,
            "title": self.title,
            "summary": self.summary,
            "language": self.language,
            "section": {"id": self.section.id, "name": self.section.name},
            "tags": list(self.tags),
            "authors": [{"name": a.name, "url": a.url} for a in self.authors],
            "published_at": self.published_at.isoformat(),
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "image": None
            if self.image is None
            else {
                "url": self.image.url,
                "width": self.image.width,
                "height": self.image.height,
                "alt": self.image.alt,
                "caption": self.image.caption,
                "credit": self.image.credit,
            },
            "access": self.access,
            "body": body_to_json(self.body),
            "page_count": self.page_count,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Article:
        return cls._from_json(data, body_from_json(data["body"]))

    @classmethod
    def _from_json(cls, data: dict[str, Any], body: Body) -> Article:
        image = data["image"]
        return cls(
            site=data["site"],
            id=data["id"],
            revision=data["revision"],
            url=data["url"],
            title=data["title"],
            summary=data["summary"],
            language=data["language"],
            section=Section(**data["section"]),
            tags=tuple(data["tags"]),
            authors=tuple(Author(**a) for a in data["authors"]),
            published_at=datetime.fromisoformat(data["published_at"]),
            updated_at=datetime.fromisoformat(data["updated_at"]) if data["updated_at"] else None,
            image=HeroImage(**image) if image else None,
            access=data["access"],
            body=body,
            page_count=data["page_count"],
        )

    @classmethod
    def from_json_without_body(cls, data: dict[str, Any]) -> Article:
        """The article of a document, its body left out (`left_out_body`) and not decoded."""
        return cls._from_json(data, left_out_body())

    def with_body(self, body: Body) -> Article:
        return replace(self, body=body)


@dataclass(frozen=True, slots=True)
class Tombstone:
    """A taken-down article: its identity, the revision that took it down, and the URL it had
    when last live (kept by the index, so a takedown forced later can still find its pages)."""

    site: str
    id: str
    revision: int
    url: str = ""


ArticleState = Article | Tombstone
