"""Walk an output tree: check each file, then cross-check the tree against the article index."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from warta.core.config import Deployment, FeedSpec, FeedVariant, SiteConfig
from warta.core.ports import ArticleIndex
from warta.validate.amp_checks import AmpValidator, validate_amp_pages
from warta.validate.crosscheck import TakenDown, cross_check, takedown_scanner
from warta.validate.feed_checks import check_feed
from warta.validate.layout import SiteLayout
from warta.validate.report import ValidationReport
from warta.validate.robots_checks import sitemap_urls
from warta.validate.site_tree import FeedFile, ShardFile, SiteTree
from warta.validate.xml_checks import NotWellFormed, locs, parse_xml, sitemap_errors


class ReadableTree(Protocol):
    """The read side of an `ObjectStore`: a directory or a bucket."""

    def get(self, path: str) -> bytes | None: ...

    def list(self, prefix: str = "") -> Iterator[str]: ...


def _site_of(path: str, sites: Sequence[SiteConfig]) -> SiteConfig | None:
    """The site whose output prefix is the longest one the path starts with."""
    owners = [s for s in sites if path.startswith(s.output_prefix)]
    return max(owners, key=lambda s: len(s.output_prefix)) if owners else None


def _check_file(path: str, body: bytes, tree: SiteTree, report: ValidationReport) -> None:
    rel = path[len(tree.layout.site.output_prefix) :]
    what = tree.layout.classify(rel)
    tree.paths.add(rel)
    report.checked[what.kind] += 1
    if what.kind == "amp":
        tree.amp_pages.add(rel)
        return
    if what.kind == "robots":
        tree.robots_sitemaps = sitemap_urls(body)
        return
    if what.kind == "feed" and what.feed is not None and what.variant is not None:
        _check_feed_file(path, rel, body, what.feed, what.variant, what.value, tree, report)
        return
    if what.kind == "other" and not path.endswith(".xml"):
        return
    try:
        root = parse_xml(body)
    except NotWellFormed as exc:
        report.fail(path, "xml", str(exc))
        return
    if what.kind == "news_sitemap" and len(root) == 0:
        # Nothing published in the window: the file stays (crawlers keep polling it) but is empty,
        # which sitemaps.org's XSD forbids (it wants one <url>). Known and accepted, so a note.
        report.notes.append(f"{path}: empty news sitemap (no article in the window); not checked by XSD")
    elif what.kind in ("shard", "sitemap_index", "news_sitemap"):
        for error in sitemap_errors(root):
            report.fail(path, "sitemap-xsd", error)
        if what.kind == "shard" and what.period is not None:
            tree.shards[rel] = ShardFile(rel, what.period, tuple(locs(root)))
        elif what.kind == "sitemap_index":
            tree.index_locs = locs(root)
        else:
            tree.news_locs = locs(root)


def _check_feed_file(
    path: str,
    rel: str,
    body: bytes,
    spec: FeedSpec,
    variant: FeedVariant,
    value: str | None,
    tree: SiteTree,
    report: ValidationReport,
) -> None:
    root = None
    if variant.format != "json":
        try:
            root = parse_xml(body)
        except NotWellFormed as exc:
            report.fail(path, "xml", str(exc))
    errors, summary = check_feed(variant.format, body, root, spec.size)
    for error in errors:
        report.fail(path, "feed", error)
    tree.feeds[rel] = FeedFile(rel, spec, variant, value, summary)


def validate_outputs(
    deployment: Deployment,
    store: ReadableTree,
    *,
    now: datetime,
    index: ArticleIndex | None = None,
    takedowns: Mapping[str, Sequence[TakenDown]] | None = None,
    amp: AmpValidator | str | None = None,
    on_start: Callable[[int], None] | None = None,
    on_file: Callable[[int], None] | None = None,
) -> tuple[ValidationReport, dict[str, SiteTree]]:
    """Check every file of the store, then the tree against the index when one is given.

    `amp` is the AMP validator, or a sentence why it cannot run (a note in the report), or
    None to skip AMP pages on purpose. `on_start(total files)` and `on_file(n done)` drive
    a progress display.
    """
    report = ValidationReport()
    sites = list(deployment.sites.values())
    trees = {site.id: SiteTree(SiteLayout.of(site)) for site in sites}
    scanners = {site.id: takedown_scanner((takedowns or {}).get(site.id, ())) for site in sites}
    paths = list(store.list())
    if on_start is not None:
        on_start(len(paths))
    amp_paths: list[str] = []
    for path in paths:
        body = store.get(path)
        site = _site_of(path, sites)
        if body is None or site is None:
            continue
        tree = trees[site.id]
        _check_file(path, body, tree, report)
        for reason in scanners[site.id](body):
            report.fail(path, "takedown", reason)
        if path[len(site.output_prefix) :] in tree.amp_pages:
            amp_paths.append(path)
        elif on_file is not None:
            on_file(1)
    _check_amp(store, amp_paths, amp, report, on_file)
    for site in sites:
        if index is None:
            continue
        for finding in cross_check(trees[site.id], index, (takedowns or {}).get(site.id, ()), now):
            report.findings.append(finding)
    if index is None:
        report.notes.append("no article index (--state): cross-checks against the index skipped")
    return report, trees


def _check_amp(
    store: ReadableTree,
    paths: list[str],
    amp: AmpValidator | str | None,
    report: ValidationReport,
    on_file: Callable[[int], None] | None,
) -> None:
    if not isinstance(amp, AmpValidator):
        if paths:
            why = amp or "skipped on request"
            report.notes.append(f"{len(paths)} AMP pages not checked with the AMP validator: {why}")
        if on_file is not None and paths:
            on_file(len(paths))
        return
    pages = ((path, store.get(path) or b"") for path in paths)
    for path, errors in sorted(validate_amp_pages(amp, pages, on_batch=on_file).items()):
        for error in errors:
            report.fail(path, "amp", error)
