"""Which outputs an article change touches: the only outputs a publish re-renders.

Outputs are named by `OutputKey`, not by file path: a key says *what* to render ("the feed of
section ekonomi", "the AMP page at this URL") and rendering reads the index as it is at that
moment. So a key rendered late, twice, or for a change that a newer one superseded still
produces the output of the current state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from warta.core.articles import Article, ArticleState, Tombstone
from warta.core.authors import author_slugs
from warta.core.config import SiteConfig
from warta.core.output_kinds import RENDER_ORDER, OutputKind, site_wide_kinds
from warta.core.text import slugify


@dataclass(frozen=True, slots=True, order=True)
class OutputKey:
    site: str
    kind: OutputKind
    # amp: the article URL; feed: "<feed>" or "<feed>:<value>"; shard: "<period>" (all of it) or
    # "<period>/<published_us>/<article id>" (only the part holding that position, see shard_name)
    name: str = ""

    def sort_key(self) -> tuple[str, int, str]:
        return (self.site, RENDER_ORDER[self.kind], self.name)


def shard_period(published_at: datetime, site: SiteConfig) -> str:
    """The sitemap shard of a publication instant: its month (or day) in the site's zone."""
    local = published_at.astimezone(site.timezone)
    if site.sitemaps.shard_period == "day":
        return local.strftime("%Y-%m-%d")
    return local.strftime("%Y-%m")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_micros(moment: datetime) -> int:
    """An aware instant as whole microseconds since the epoch: how shards order articles."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def shard_name(article: Article, site: SiteConfig) -> str:
    """The shard key of an article: its period and its place in it.

    Rendering such a key re-renders only the part that holds the place (and the parts after it
    only when their boundaries moved), so a publish costs the same in any size of archive.
    """
    period = shard_period(article.published_at, site)
    return f"{period}/{epoch_micros(article.published_at)}/{article.id}"


def feed_names(article: Article, site: SiteConfig) -> set[str]:
    names: set[str] = set()
    for spec in site.feeds:
        if spec.select == "all":
            names.add(spec.name)
        elif spec.select == "section":
            names.add(f"{spec.name}:{article.section.id}")
        elif spec.select == "author":
            names.update(f"{spec.name}:{slug}" for slug in author_slugs(article))
        else:
            names.update(f"{spec.name}:{slugify(tag)}" for tag in article.tags)
    return names


def in_news_window(published_at: datetime, site: SiteConfig, now: datetime) -> bool:
    return now - timedelta(hours=site.sitemaps.news_window_hours) < published_at <= now


def site_wide_outputs(site: SiteConfig) -> set[OutputKey]:
    """Outputs every publish refreshes: they are small, and the news sitemap moves with time."""
    return {OutputKey(site.id, kind) for kind in site_wide_kinds(site)}


def outputs_of(state: ArticleState | None, site: SiteConfig, now: datetime) -> set[OutputKey]:
    """Every output that shows this article state now (none for a tombstone or a scheduled one)."""
    if not isinstance(state, Article) or not state.is_visible(now):
        return set()
    keys = {
        OutputKey(site.id, "amp", state.url),
        OutputKey(site.id, "shard", shard_name(state, site)),
    }
    keys.update(OutputKey(site.id, "feed", name) for name in feed_names(state, site))
    return keys


def plan(
    previous: ArticleState | None, current: ArticleState | None, site: SiteConfig, now: datetime
) -> set[OutputKey]:
    """The outputs that held the article before the change or hold it after.

    A takedown over a takedown (on-call forcing one with a higher revision) also renders the
    AMP page at the last live URL again, which deletes it under every AMP path the site used:
    a copy restored by hand (an S3 version restore) must not outlive the takedown meant for it.
    """
    forced: set[OutputKey] = set()
    if isinstance(previous, Tombstone) and isinstance(current, Tombstone) and previous.url:
        forced.add(OutputKey(site.id, "amp", previous.url))
    return outputs_of(previous, site, now) | outputs_of(current, site, now) | forced
