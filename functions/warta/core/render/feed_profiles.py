"""Aggregator profiles: which articles a profile's feed may carry, and why the others may not.

A profile is data (`FeedProfile`, from the site config); each rule here is generic and named
after its config key. An item that breaks a rule is left out of that profile's feed, never
sent broken; the caller logs the reasons.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from warta.core.articles import Article
from warta.core.body.model import Figure
from warta.core.config import FeedProfile
from warta.core.render.body_html import body_html_is_empty
from warta.core.render.feed_fields import FeedOptions


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule an article breaks (or, for a preference, falls short of) in one profile."""

    article_id: str
    url: str
    rule: str  # the profile's config key
    reason: str
    revision: int = 0  # the article revision the finding is about


@dataclass(frozen=True, slots=True)
class ProfileSelection:
    kept: list[Article]
    excluded: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)  # kept, but short of a preference


def profile_options(
    profile: FeedProfile | None, hubs: tuple[str, ...], *, carries_body: bool = True
) -> FeedOptions:
    if profile is None:
        return FeedOptions(hubs=hubs, carries_body=carries_body)
    return FeedOptions(
        hubs=hubs,
        carries_body=carries_body,
        enclosure=profile.enclosure,
        snf_logo=profile.snf_logo,
        channel_pub_date=profile.channel_pub_date,
        channel_description_chars=profile.channel_description_chars,
    )


@dataclass(frozen=True, slots=True)
class BodyFacts:
    """What the rules read of an article's body. Kept by the index beside the article's feed
    items (`app.outputs.feed_items`), so a feed with profiles reads its articles without bodies."""

    has_blocks: bool  # the body has a block (`full_text`)
    has_text: bool  # its HTML is not empty (`require_body`)
    widest_figure: int | None  # the widest known width of a body figure (`required_image_width`)


def body_facts(article: Article) -> BodyFacts:
    """The facts of an article read whole."""
    widths = [block.image.width for block in article.body if type(block) is Figure and block.image.width]
    return BodyFacts(
        has_blocks=bool(article.body),
        has_text=not body_html_is_empty(article.body),
        widest_figure=max(widths, default=None),
    )


# Bump when what `body_facts` gives for the same body changes: facts kept under another number
# are made again from the body, never used.
BODY_FACTS_FORMAT = 1
BODY_FACTS_VARIANT = f"profile-facts.{BODY_FACTS_FORMAT}"  # their kept item's variant


def facts_bytes(facts: BodyFacts) -> bytes:
    return json.dumps([facts.has_blocks, facts.has_text, facts.widest_figure]).encode()


# Facts take few distinct values (two flags and a width): a warm feed decodes each once.
@functools.lru_cache(maxsize=1_024)
def facts_from_bytes(data: bytes) -> BodyFacts:
    has_blocks, has_text, widest_figure = json.loads(data)
    return BodyFacts(bool(has_blocks), bool(has_text), None if widest_figure is None else int(widest_figure))


def _widest_image(article: Article, facts: BodyFacts) -> int | None:
    """The widest known image width of the article: its hero image or a body figure."""
    widths = [article.image.width] if article.image is not None and article.image.width else []
    widths += [facts.widest_figure] if facts.widest_figure is not None else []
    return max(widths, default=None)


def _https(profile: FeedProfile, article: Article, facts: BodyFacts) -> str | None:
    if not profile.require_https:
        return None
    if not article.url.startswith("https://"):
        return f"URL {article.url!r} is not https"
    if article.image is not None and not article.image.url.startswith("https://"):
        return f"image URL {article.image.url!r} is not https"
    return None


def _title_length(profile: FeedProfile, article: Article, facts: BodyFacts) -> str | None:
    if profile.title_length is None:
        return None
    low, high = profile.title_length
    length = len(article.title)
    if not low <= length <= high:
        return f"title has {length} characters, outside {low}-{high}"
    return None


def _full_text(profile: FeedProfile, article: Article, facts: BodyFacts) -> str | None:
    if not profile.full_text:
        return None
    if article.access != "free":
        return "subscriber article: the feed may carry only its summary"
    if not facts.has_blocks:
        return "no body text"
    return None


def _body(profile: FeedProfile, article: Article, facts: BodyFacts) -> str | None:
    if not profile.require_body:
        return None
    if article.access != "free":
        return "subscriber article: the aggregator requires a body and the feed may carry only its summary"
    if not facts.has_text:  # a free article's `feed_fields.full_text` would be empty
        return "no body text"
    return None


# Markup an aggregator that takes titles as plain text would show as characters: a tag or an
# HTML character reference.
_LOOKS_LIKE_HTML = re.compile(r"<[A-Za-z/!]|&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);")


def _plain_title(profile: FeedProfile, article: Article, facts: BodyFacts) -> str | None:
    if profile.plain_title and _LOOKS_LIKE_HTML.search(article.title):
        return "the title looks like HTML, which the aggregator does not allow in titles"
    return None


def _required_image_width(profile: FeedProfile, article: Article, facts: BodyFacts) -> str | None:
    if profile.required_image_width is None:
        return None
    widest = _widest_image(article, facts)
    if widest is None or widest < profile.required_image_width:
        found = "no image of known width" if widest is None else f"widest image {widest} px"
        return f"{found}; at least {profile.required_image_width} px required"
    return None


Rule = Callable[[FeedProfile, Article, BodyFacts], str | None]
RULES: tuple[tuple[str, Rule], ...] = (
    ("require_https", _https),
    ("title_length", _title_length),
    ("full_text", _full_text),
    ("require_body", _body),
    ("plain_title", _plain_title),
    ("required_image_width", _required_image_width),
)


def _preferred_image_width(profile: FeedProfile, article: Article) -> str | None:
    if profile.preferred_image_width is None:
        return None
    width = article.image.width if article.image is not None else None
    if width is None or width < profile.preferred_image_width:
        found = "no hero image of known width" if width is None else f"hero image {width} px"
        return f"{found}; {profile.preferred_image_width} px or wider preferred"
    return None


def select_for_profile(
    profile: FeedProfile, articles: Sequence[Article], facts: Mapping[str, BodyFacts] | None = None
) -> ProfileSelection:
    """The articles the profile's feed may carry, in the caller's order, and why others not.

    `facts`: the body facts of articles (by id) read without their bodies; the others' are made
    from their bodies."""
    selection = ProfileSelection(kept=[])
    for article in articles:
        known = facts.get(article.id) if facts is not None else None
        article_facts = known if known is not None else body_facts(article)
        broken = [
            Finding(article.id, article.url, name, reason, article.revision)
            for name, rule in RULES
            if (reason := rule(profile, article, article_facts)) is not None
        ]
        if broken:
            selection.excluded.extend(broken)
            continue
        selection.kept.append(article)
        note = _preferred_image_width(profile, article)
        if note is not None:
            selection.notes.append(
                Finding(article.id, article.url, "preferred_image_width", note, article.revision)
            )
    return selection


def fit_to_size(
    render: Callable[[Sequence[Article]], bytes], articles: Sequence[Article], max_bytes: int | None
) -> tuple[bytes, list[Finding]]:
    """The document of the longest prefix of `articles` that fits in max_bytes; the rest excluded.

    A document only grows with its items, so a binary search over the prefix length needs
    about log2(n) renders instead of one per dropped item.
    """
    whole = render(articles)
    if max_bytes is None or len(whole) <= max_bytes:
        return whole, []
    # Invariant: articles[:fits] fits (or fits == 0: an empty channel is all that is left to
    # send), articles[:too_big] does not.
    fits, too_big = 0, len(articles)
    best = render(articles[:0])
    while too_big - fits > 1:
        middle = (fits + too_big) // 2
        body = render(articles[:middle])
        if len(body) <= max_bytes:
            fits, best = middle, body
        else:
            too_big = middle
    reason = f"the feed would exceed {max_bytes} bytes"
    return best, [Finding(a.id, a.url, "max_bytes", reason, a.revision) for a in articles[fits:]]
