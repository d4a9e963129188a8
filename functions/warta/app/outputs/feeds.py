"""The feeds the site config defines: home, and one per section, tag or author that has articles.

One output key renders every variant of its feed (RSS, Atom, JSON Feed, aggregator profiles)
from one read of the index, so the variants never disagree.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from urllib.parse import urlsplit

from warta.app.outputs.changes import Change, Delete, FeedFacts, Put
from warta.app.outputs.feed_items import Wanted, keep_items, load_facts, load_items
from warta.core.articles import Article
from warta.core.authors import author_by_slug
from warta.core.config import FeedFormat, FeedSpec, FeedVariant, SiteConfig
from warta.core.planner import OutputKey
from warta.core.ports import ArticleIndex
from warta.core.render.atom import render_atom
from warta.core.render.feed_fields import FeedOptions, rfc3339
from warta.core.render.feed_profiles import (
    BodyFacts,
    Finding,
    body_facts,
    fit_to_size,
    profile_options,
    select_for_profile,
)
from warta.core.render.jsonfeed import render_json_feed
from warta.core.render.rss import render_rss
from warta.core.text import slugify
from warta.core.views import FeedView

# A child of the "warta" logger: Powertools' JSON handler writes its records.
logger = logging.getLogger(__name__)

RSS_CONTENT_TYPE = "application/rss+xml; charset=utf-8"
RSS_DATE = "%a, %d %b %Y %H:%M:%S %z"  # feedgen's RFC 822 form (feedgen.util.formatRFC2822)
CONTENT_TYPES: dict[FeedFormat, str] = {
    "rss": RSS_CONTENT_TYPE,
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}
FeedRenderer = Callable[[FeedView, Sequence[Article], SiteConfig, FeedOptions | None], bytes]
RENDERERS: dict[FeedFormat, FeedRenderer] = {
    "rss": render_rss,
    "atom": render_atom,
    "json": render_json_feed,
}


def _feed_spec(site: SiteConfig, name: str) -> tuple[FeedSpec, str | None] | None:
    spec_name, _, value = name.partition(":")
    for spec in site.feeds:
        if spec.name == spec_name:
            return spec, (value or None)
    return None


def _tag_name(slug: str, articles: Sequence[Article]) -> str:
    """A tag feed is keyed by slug; its title shows the tag as the newest article spells it."""
    for article in articles:
        for tag in article.tags:
            if slugify(tag) == slug:
                return tag
    return slug


def feed_view(
    spec: FeedSpec,
    value: str | None,
    site: SiteConfig,
    path_template: str | None = None,
    articles: Sequence[Article] = (),
) -> FeedView:
    template = path_template or spec.path
    if spec.select == "all":
        path, name, link = template, site.name, f"{site.base_url}/"
    elif spec.select == "section":
        name = site.sections.get(value or "", value or "")
        path, link = template.format(section=value), f"{site.base_url}/{value}"
    elif spec.select == "author":
        # Titled and linked as the newest article names the author; the author's profile page
        # is the channel link when the CMS gives one.
        author = author_by_slug(value or "", articles)
        name = author.name if author else (value or "")
        link = f"{site.base_url}/author/{value}"
        # Only a profile page on the site's own domain: an event must not point a channel that
        # belongs to the site (and to every article of the author) somewhere else.
        if author and author.url and urlsplit(author.url).hostname == site.domain:
            link = author.url
        path = template.format(author=value)
    else:
        name = _tag_name(value or "", articles)
        path, link = template.format(tag=value), f"{site.base_url}/tag/{value}"
    return FeedView(
        path=path,
        title=spec.title.format(name=name),
        link=link,
        description=site.description,
        ttl_minutes=spec.ttl_minutes,
    )


# Findings this process has logged: a rule an article breaks holds on every publish until the
# article changes, and the same warning on every publish would bury the new ones. Bounded: an
# old finding forgotten is logged once more, which is harmless.
_LOGGED_FINDINGS: OrderedDict[tuple[str, str, int, str], None] = OrderedDict()
LOGGED_FINDINGS_KEPT = 8_192


def forget_logged_findings() -> None:
    """Log every finding again, as a new process would (for tests)."""
    _LOGGED_FINDINGS.clear()


def _first_time(path: str, finding: Finding) -> bool:
    key = (path, finding.article_id, finding.revision, finding.rule)
    if key in _LOGGED_FINDINGS:
        _LOGGED_FINDINGS.move_to_end(key)
        return False
    _LOGGED_FINDINGS[key] = None
    if len(_LOGGED_FINDINGS) > LOGGED_FINDINGS_KEPT:
        _LOGGED_FINDINGS.popitem(last=False)
    return True


def _log_findings(level: int, message: str, path: str, findings: list[Finding]) -> None:
    """Each finding at `level` once per feed, article revision and rule; repeats at DEBUG."""
    for finding in findings:
        logger.log(
            level if _first_time(path, finding) else logging.DEBUG,
            f"{message}: {finding.reason}",
            extra={
                "feed": path,
                "article_id": finding.article_id,
                "revision": finding.revision,
                "url": finding.url,
                "rule": finding.rule,
                "reason": finding.reason,
            },
        )


def render_variant(
    variant: FeedVariant,
    view: FeedView,
    articles: Sequence[Article],
    site: SiteConfig,
    *,
    carries_body: bool = True,
) -> bytes:
    """One document of a feed; a profile's document carries only the items its rules allow."""
    return render_variant_items(variant, view, articles, site, carries_body=carries_body)[0]


def feed_facts(variant: FeedVariant, items: Sequence[Article]) -> FeedFacts:
    """The status report's line for a document of these items (newest by publication)."""
    newest = max(items, key=lambda article: article.published_at, default=None)
    when = ""
    if newest is not None:
        # As each format writes it: RSS 2.0's RFC 822 date (feedgen's form), else RFC 3339.
        when = (
            newest.published_at.strftime(RSS_DATE)
            if variant.format == "rss"
            else rfc3339(newest.published_at)
        )
    return FeedFacts(
        variant=variant.format + (f" · {variant.profile.name}" if variant.profile else ""),
        items=len(items),
        newest_title=newest.title if newest else "",
        newest_date=when,
    )


def render_variant_items(
    variant: FeedVariant,
    view: FeedView,
    articles: Sequence[Article],
    site: SiteConfig,
    *,
    carries_body: bool = True,
    facts: Mapping[str, BodyFacts] | None = None,
) -> tuple[bytes, Sequence[Article]]:
    """One document of a feed and the articles it carries (`facts`: the body facts of those
    read without their bodies, by id, for a profile's rules)."""
    render = RENDERERS[variant.format]
    options = profile_options(variant.profile, site.notify.websub_hubs, carries_body=carries_body)
    if variant.profile is None:
        return render(view, articles, site, options), articles
    selection = select_for_profile(variant.profile, articles, facts)
    _log_findings(logging.WARNING, "item left out of profile feed", view.path, selection.excluded)
    _log_findings(logging.INFO, "item short of a profile preference", view.path, selection.notes)
    body, oversize = fit_to_size(
        lambda items: render(view, items, site, options), selection.kept, variant.profile.max_bytes
    )
    _log_findings(logging.WARNING, "item left out of profile feed", view.path, oversize)
    return body, selection.kept[: len(selection.kept) - len(oversize)]


def feed_articles(
    spec: FeedSpec,
    value: str | None,
    site: SiteConfig,
    index: ArticleIndex,
    now: datetime,
    bodies: bool = True,
) -> list[Article]:
    """The items of one feed: its `size` newest visible live articles, newest first (their
    bodies left out unless `bodies`)."""
    return index.latest(
        site.id,
        now,
        spec.size,
        section=value if spec.select == "section" else None,
        tag=value if spec.select == "tag" else None,
        author=value if spec.select == "author" else None,
        bodies=bodies,
    )


def render_feed_output(key: OutputKey, site: SiteConfig, index: ArticleIndex, now: datetime) -> list[Change]:
    found = _feed_spec(site, key.name)
    if found is None:
        return []  # a feed the config no longer defines
    spec, value = found
    carries_body = spec.content == "full"
    wanted: set[Wanted] = {
        (variant.format, profile_options(variant.profile, site.notify.websub_hubs, carries_body=carries_body))
        for variant in spec.all_variants()
    }
    # Items another process made come from the index; the ones made here go back to it, and so
    # do the body facts profile rules read (`feed_profiles.BodyFacts`). Summary items never read
    # the body (`feed_fields.full_text`): a feed reads its articles without bodies, and reads whole
    # only those it makes body facts or a full-text item of (in a publish, the new article).
    profiled = any(variant.profile is not None for variant in spec.all_variants())
    articles = feed_articles(spec, value, site, index, now, bodies=False)
    known = load_facts(index, site, articles) if profiled else {}
    missing = load_items(index, site, articles, wanted)
    made_facts: list[tuple[Article, BodyFacts]] = []
    made_here: set[str] = set()  # articles the feed makes a full-text item of
    whole = _read_whole(index, site, [a for a in articles if profiled and a.id not in known], now)
    if whole is not None:
        made_facts = [(article, body_facts(article)) for article in whole.values()]
        known.update((article.id, facts) for article, facts in made_facts)
        if carries_body and missing:
            # Items a profile leaves its article out of are never made: those need no body.
            used = _items_used(spec, site, list({a.id: a for a, _, _ in missing}.values()), known)
            made_here = {a.id for a, form, options in missing if (a.id, form, options) in used}
            more = _read_whole(
                index,
                site,
                [a for a in articles if a.id in made_here and a.id not in whole],
                now,
                WHOLE_READS_AT_MOST - len(whole),
            )
            whole = None if more is None else whole | more
    if whole is None:  # many, or one changed since the list was read: the list read whole
        kept_revisions = {(a.id, a.revision) for a in articles if a.id in known}
        articles = feed_articles(spec, value, site, index, now, bodies=True)
        missing = load_items(index, site, articles, wanted)
        known = {a.id: body_facts(a) for a in articles} if profiled else {}
        made_facts = [
            (a, known[a.id]) for a in articles if profiled and (a.id, a.revision) not in kept_revisions
        ]
    elif made_here:
        # An item is made of the whole article; one whose items are all held keeps its value.
        articles = [whole[a.id] if a.id in made_here else a for a in articles]
        missing = [(whole[a.id] if a.id in made_here else a, form, options) for a, form, options in missing]
    changes: list[Change] = []
    for variant in spec.all_variants():
        view = feed_view(spec, value, site, variant.path, articles)
        if not articles and spec.select != "all":
            # A section, tag or author feed exists while it has articles.
            changes.append(Delete(view.path))
            continue
        body, items = render_variant_items(
            variant, view, articles, site, carries_body=carries_body, facts=known
        )
        facts = feed_facts(variant, items)
        changes.append(Put(view.path, body, CONTENT_TYPES[variant.format], spec.cache_policy, facts))
    keep_items(index, site, missing, made_facts)
    return changes


# Articles a feed reads whole one at a time (a publish's new one); more, and it reads its list
# whole again, as one query does that cheaper than so many.
WHOLE_READS_AT_MOST = 4


def _items_used(
    spec: FeedSpec, site: SiteConfig, articles: Sequence[Article], facts: Mapping[str, BodyFacts]
) -> set[tuple[str, FeedFormat, FeedOptions]]:
    """(article id, format, options) of the items of these articles the feed's documents may
    carry: every article's in a document without a profile, those a profile's rules keep in its
    document (each article on its own: no rule looks at the others)."""
    used: set[tuple[str, FeedFormat, FeedOptions]] = set()
    for variant in spec.all_variants():
        options = profile_options(
            variant.profile, site.notify.websub_hubs, carries_body=spec.content == "full"
        )
        kept = (
            articles if variant.profile is None else select_for_profile(variant.profile, articles, facts).kept
        )
        used.update((article.id, variant.format, options) for article in kept)
    return used


def _read_whole(
    index: ArticleIndex,
    site: SiteConfig,
    articles: Sequence[Article],
    now: datetime,
    at_most: int = WHOLE_READS_AT_MOST,
) -> dict[str, Article] | None:
    """These articles read whole, by id; None when there are more than `at_most`, or one is no
    longer at the revision the feed's list read (the caller reads the list whole then)."""
    if len(articles) > at_most:
        return None
    whole: dict[str, Article] = {}
    for article in articles:
        # By URL: the AMP page of a publish's new article read it whole just before.
        found = index.live_by_url(site.id, article.url, now)
        if found is None or found.id != article.id or found.revision != article.revision:
            return None
        whole[article.id] = found
    return whole
