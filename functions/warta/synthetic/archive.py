"""A synthetic archive of N articles over years, as contract events or as ready Articles.

Article n of a spec is a pure function of (spec, n): the same seed gives the same archive on
any machine, and any article can be made alone. Publication times run at `per_day` articles a
day from `start` (a busy newsroom publishes about 1,000), each at a jittered moment of its own
slot, so they increase with n; sections come from the site config; every article has a hero
image and one or two body images.

Two ways in: `iter_events` gives events that validate against the contract (for `warta
publish` and the ingest path), and `bulk_load` writes the same articles straight into a
`SqliteIndex` (no schema validation, no HTML parsing), for archives where full ingest would
take too long.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from warta.core.articles import Article, Author, HeroImage, Section
from warta.core.body.model import Figure, Image, Paragraph, Text
from warta.core.config import SiteConfig
from warta.core.planner import shard_period

if TYPE_CHECKING:
    from warta.adapters.sqlite_index import SqliteIndex

DEFAULT_PER_DAY = 1_000
IMAGE_WIDTH, IMAGE_HEIGHT = 1200, 675

_WORD_TEXT = (
    "pemerintah warga kota desa pasar harga banjir jalan tol sekolah rumah sakit petani nelayan"
    " pelabuhan festival pertandingan klub pemain pelatih investasi ekspor saham bank koperasi"
    " teknologi aplikasi ponsel internet cuaca hujan kemarau gempa relawan bantuan anggaran"
    " menteri gubernur bupati wali kota polisi pengadilan kampus mahasiswa guru musik film"
)
_VERB_TEXT = "naik turun dibuka ditutup meningkat menurun diresmikan ditunda diperpanjang dibahas"
_WORDS = tuple(_WORD_TEXT.split())
_VERBS = tuple(_VERB_TEXT.split())
_AUTHORS = ("Rina Kusumawardani", "Bayu Pratama", "Siti Rahmawati", "Dimas Hidayat", "Redaksi Andalpost")


@dataclass(frozen=True, slots=True)
class ArchiveSpec:
    """Which archive: its site, size, pace, first day and seed."""

    site: SiteConfig
    articles: int
    per_day: float = DEFAULT_PER_DAY
    start: datetime | None = None  # aware; default 2020-01-01 00:00 in the site's time zone
    seed: int = 0
    sections: tuple[str, ...] = field(default=())  # default: every section of the site

    def first_instant(self) -> datetime:
        return self.start or datetime(2020, 1, 1, tzinfo=self.site.timezone)

    def section_ids(self) -> tuple[str, ...]:
        return self.sections or tuple(self.site.sections)


@dataclass(frozen=True, slots=True)
class Draft:
    """Everything about synthetic article n, before it becomes an event or an Article."""

    number: int
    id: str
    url: str
    title: str
    summary: str
    section: str
    tags: tuple[str, ...]
    author: str
    published_at: datetime
    hero: str
    paragraphs: tuple[str, ...]
    body_images: tuple[str, ...]


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(_WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def draft(spec: ArchiveSpec, number: int) -> Draft:
    """Synthetic article `number` (0-based) of the archive."""
    rng = random.Random(f"{spec.seed}:{number}")
    slot = 86_400 / spec.per_day
    published = spec.first_instant() + timedelta(seconds=int(number * slot + rng.random() * slot))
    published = published.astimezone(spec.site.timezone)
    section = spec.section_ids()[number % len(spec.section_ids())]
    subject, verb = rng.choice(_WORDS), rng.choice(_VERBS)
    title = f"{subject.capitalize()} {rng.choice(_WORDS)} {verb}, laporan nomor {number}"
    slug = f"{subject}-{verb}-{number}"
    upload = f"{spec.site.base_url}/wp-content/uploads/{published:%Y/%m}"
    return Draft(
        number=number,
        id=f"syn{spec.seed}-{number}",
        url=f"{spec.site.base_url}/{section}/{slug}",
        title=title,
        summary=_sentence(rng, 12),
        section=section,
        tags=(subject.capitalize(), rng.choice(_WORDS).capitalize()),
        author=rng.choice(_AUTHORS),
        published_at=published,
        hero=f"{upload}/{slug}.jpg",
        paragraphs=tuple(_sentence(rng, rng.randint(12, 30)) for _ in range(rng.randint(3, 6))),
        body_images=tuple(f"{upload}/{slug}-{k}.jpg" for k in range(1, rng.randint(1, 2) + 1)),
    )


def _author_url(spec: ArchiveSpec, name: str) -> str:
    return f"{spec.site.base_url}/author/{name.lower().replace(' ', '-')}"


def _figure_html(src: str) -> str:
    return (
        f'<figure><img src="{src}" width="{IMAGE_WIDTH}" height="{IMAGE_HEIGHT}" alt="Foto">'
        "<figcaption>Suasana di lokasi. Sumber: Andalpost</figcaption></figure>"
    )


def event_of(spec: ArchiveSpec, item: Draft) -> dict[str, Any]:
    """The `article.published` event of a draft, valid against the contract."""
    html = [f"<p>{text}</p>" for text in item.paragraphs]
    for k, src in enumerate(item.body_images):
        html.insert(1 + 2 * k, _figure_html(src))
    event: dict[str, Any] = {
        "spec_version": "1",
        "event_id": f"evt-{item.id}-1",
        "type": "article.published",
        "occurred_at": item.published_at.isoformat(),
        "site": spec.site.id,
        "article": {
            "id": item.id,
            "revision": 1,
            "url": item.url,
            "title": item.title,
            "summary": item.summary,
            "language": spec.site.language,
            "section": {"id": item.section, "name": spec.site.sections[item.section]},
            "tags": list(item.tags),
            "authors": [{"name": item.author, "url": _author_url(spec, item.author)}],
            "published_at": item.published_at.isoformat(),
            "image": {
                "url": item.hero,
                "width": IMAGE_WIDTH,
                "height": IMAGE_HEIGHT,
                "alt": "Foto utama",
                "caption": "Foto utama berita",
                "credit": "Andalpost",
            },
            "pages": ["\n".join(html)],
            "access": "free",
        },
    }
    return event


def iter_events(spec: ArchiveSpec, first: int = 0) -> Iterator[dict[str, Any]]:
    """The archive's events in publication order, from article `first` on."""
    for number in range(first, spec.articles):
        yield event_of(spec, draft(spec, number))


def article_of(spec: ArchiveSpec, item: Draft) -> Article:
    """The Article a draft's event would become, built directly (no schema, no HTML parse)."""
    body: list[Paragraph | Figure] = [Paragraph((Text(text),)) for text in item.paragraphs]
    for k, src in enumerate(item.body_images):
        image = Image(src, "Foto", IMAGE_WIDTH, IMAGE_HEIGHT)
        body.insert(1 + 2 * k, Figure(image, "Suasana di lokasi.", "Andalpost"))
    return Article(
        site=spec.site.id,
        id=item.id,
        revision=1,
        url=item.url,
        title=item.title,
        summary=item.summary,
        language=spec.site.language,
        section=Section(item.section, spec.site.sections[item.section]),
        tags=item.tags,
        authors=(Author(item.author, _author_url(spec, item.author)),),
        published_at=item.published_at,
        updated_at=None,
        image=HeroImage(item.hero, IMAGE_WIDTH, IMAGE_HEIGHT, "Foto utama", "Foto utama berita", "Andalpost"),
        access="free",
        body=tuple(body),
        page_count=1,
    )


def iter_articles(spec: ArchiveSpec, first: int = 0) -> Iterator[Article]:
    for number in range(first, spec.articles):
        yield article_of(spec, draft(spec, number))


def bulk_load(index: SqliteIndex, spec: ArchiveSpec, now: datetime | None = None) -> int:
    """Write the whole archive into an index in large transactions; returns the count.

    Marks every article released (its outputs rendered) when it is visible at `now` (default:
    all of them), as a rebuild after loading would leave it.
    """
    rows: Iterable[tuple[Article, str, bool]] = (
        (
            article,
            shard_period(article.published_at, spec.site),
            now is None or article.published_at <= now,
        )
        for article in iter_articles(spec)
    )
    return index.write_many(rows)
