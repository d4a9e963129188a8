"""The tree against the article index: every live article where it belongs, nothing else.

- every visible live article is in its feeds (home, section, tag and author feeds, when among
  their newest `size`), in its period's sitemap shard, and has an AMP page;
- no output links a URL that is not a live article's, and no taken-down article's URL or
  guid appears in any file;
- the sitemap index lists every shard file and every shard the index knows, and only files
  that exist; robots.txt points at files that exist.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Protocol

from warta.app.outputs.amp import amp_path
from warta.app.outputs.feeds import feed_articles, feed_view
from warta.app.outputs.sitemaps import shard_path
from warta.core.ports import ArticleIndex
from warta.validate.report import Finding
from warta.validate.site_tree import SiteTree

# Characters that continue a URL path: a taken-down URL followed by one of them is another URL.
_URL_CONTINUES = rb"(?![A-Za-z0-9\-._~/%+])"


class TakenDown(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def url(self) -> str: ...  # "" when unknown


def takedown_scanner(takedowns: Iterable[TakenDown]) -> Callable[[bytes], list[str]]:
    """A function naming every taken-down article URL that occurs in a file's bytes."""
    forms: dict[bytes, TakenDown] = {}
    for gone in takedowns:
        if gone.url:
            forms[gone.url.encode()] = gone
            forms[gone.url.replace("&", "&amp;").encode()] = gone  # as XML and HTML escape it
    if not forms:
        return lambda body: []
    alternatives = b"|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
    pattern = re.compile(b"(?:" + alternatives + b")" + _URL_CONTINUES)

    def scan(body: bytes) -> list[str]:
        found = {forms[m.group()].url: forms[m.group()].id for m in pattern.finditer(body)}
        return [f"holds {url}, the URL of taken-down article {gid}" for url, gid in sorted(found.items())]

    return scan


def cross_check(
    tree: SiteTree, index: ArticleIndex, takedowns: Sequence[TakenDown], now: datetime
) -> list[Finding]:
    site = tree.layout.site
    facets = index.facets(site.id, now)
    live = set(facets.urls)
    gone_urls = {t.url: t.id for t in takedowns if t.url}
    findings: list[Finding] = []

    def fail(rel: str, check: str, reason: str) -> None:
        findings.append(Finding(tree.store_path(rel), check, reason))

    def not_live(rel: str, what: str, url: str) -> None:
        if url in gone_urls:
            fail(rel, "takedown", f"{what} {url} is taken-down article {gone_urls[url]}")
        else:
            fail(rel, "index", f"{what} {url} is not the URL of a visible live article in the index")

    # --- feeds ---------------------------------------------------------------------------------
    # The guid rss.guid() gives each item: "<site>:<article id>".
    gone_guids = {f"{site.id}:{t.id}": t.id for t in takedowns}
    expected_feeds: set[str] = set()
    for spec in site.feeds:
        values: Sequence[str | None] = (
            [None] if spec.select == "all" else facets.feed_values.get(spec.select, ())
        )
        for value in values:
            newest = feed_articles(spec, value, site, index, now)
            for variant in spec.all_variants():
                rel = feed_view(spec, value, site, variant.path).path
                expected_feeds.add(rel)
                feed = tree.feeds.get(rel)
                if feed is None:
                    fail(rel, "index", f"feed is missing; {len(newest)} live articles belong in it")
                    continue
                if feed.summary is None or variant.profile is not None:
                    # Unreadable (reported by the per-file check), or an aggregator's copy,
                    # which leaves out on purpose the items its rules refuse.
                    continue
                links = {item.link for item in feed.summary.items}
                for article in newest:
                    if article.url not in links:
                        fail(
                            rel,
                            "index",
                            f"live article {article.id} ({article.url}) is missing from the feed",
                        )
    for rel, feed in sorted(tree.feeds.items()):
        if rel not in expected_feeds:
            fail(rel, "index", "feed of a section, tag or author that has no visible live article")
        for item in feed.summary.items if feed.summary else ():
            if item.guid in gone_guids:
                fail(rel, "takedown", f"item guid {item.guid} is taken-down article {gone_guids[item.guid]}")
            if item.link not in live:
                not_live(rel, "item link", item.link)

    # --- sitemap shards, index, news ---------------------------------------------------------------
    for period in facets.periods:
        present = tree.shard_locs(period)
        rel = shard_path(site, period, 1)
        for entry in index.shard_entries(site.id, period, now):
            if entry.url not in present:
                fail(rel, "index", f"live article {entry.url} is in no sitemap shard of {period}")
    for rel, shard in sorted(tree.shards.items()):
        if shard.period not in facets.periods:
            fail(rel, "index", f"shard of {shard.period}, a period with no visible live article")
        for loc in shard.locs:
            if loc not in live:
                not_live(rel, "<loc>", loc)
    for loc in tree.news_locs:
        if loc not in live:
            not_live(site.sitemaps.news_path, "<loc>", loc)
    index_rel = site.sitemaps.index_path
    if tree.index_locs is None:
        if facets.periods:
            fail(index_rel, "index", "the sitemap index is missing")
    else:
        listed = {tree.layout.path_of_url(loc): loc for loc in tree.index_locs}
        for listed_rel, loc in listed.items():
            if listed_rel is None or listed_rel not in tree.paths:
                fail(index_rel, "index", f"lists {loc}, which is not in the tree")
        for rel in sorted(tree.shards):
            if rel not in listed:
                fail(rel, "index", f"shard is not listed in the sitemap index {index_rel}")
        for part in index.shard_parts(site.id):
            rel = shard_path(site, part.period, part.part)
            if rel not in listed:
                fail(index_rel, "index", f"does not list {rel}, a shard part the article index records")

    # --- AMP pages ------------------------------------------------------------------------------
    expected_amp = {amp_path(site, url): url for url in live}
    gone_amp = {amp_path(site, url): gid for url, gid in gone_urls.items()}
    for rel, url in sorted(expected_amp.items()):
        if rel not in tree.amp_pages:
            fail(rel, "index", f"live article {url} has no AMP page")
    for rel in sorted(tree.amp_pages - expected_amp.keys()):
        if rel in gone_amp:
            fail(rel, "takedown", f"AMP page of taken-down article {gone_amp[rel]}")
        else:
            fail(rel, "index", "AMP page of no visible live article")

    # --- robots.txt ----------------------------------------------------------------------------
    robots = site.sitemaps.robots_path
    if tree.robots_sitemaps is None:
        fail(robots, "robots", "robots.txt is missing")
    else:
        for url in tree.robots_sitemaps:
            target = tree.layout.path_of_url(url)
            if target is None:
                fail(robots, "robots", f"Sitemap: {url} is not on the site's public base URL")
            elif target not in tree.paths:
                fail(robots, "robots", f"Sitemap: {url} points at {target}, which does not exist")
    return findings
