"""How an author is named in feed keys, index rows and paths.

The contract gives an author only a name and an optional profile URL, no id, so an author feed
is keyed by the slug of the name, as a tag feed is keyed by the slug of the tag. The URL is not
used: it is optional, and the same author may come with different URLs over time.
"""

from __future__ import annotations

from collections.abc import Sequence

from warta.core.articles import Article, Author
from warta.core.text import slugify


def author_slug(author: Author) -> str:
    return slugify(author.name)


def author_slugs(article: Article) -> tuple[str, ...]:
    """The distinct author slugs of an article, sorted (two spellings may share one slug)."""
    return tuple(sorted({author_slug(author) for author in article.authors}))


def author_by_slug(slug: str, articles: Sequence[Article]) -> Author | None:
    """The author behind a slug as the newest of `articles` (newest first) names them."""
    for article in articles:
        for author in article.authors:
            if author_slug(author) == slug:
                return author
    return None
