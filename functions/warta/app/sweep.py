"""Find and delete the files of a site that are not planned outputs: the repair half of rebuild.

The planned set is what the index and the config say the tree holds now (every live article's
AMP page, every feed variant with articles, the rendered shard parts, the sitemap indexes, the
news sitemap, robots.txt, the IndexNow key, the AMP cache key). Every other file in the site's
scope (`core.output_scopes`) is a stray: an old path after a config change, a page restored by hand,
a temp file of a killed writer. Files outside the scope, and files another site of the
deployment claims, are never touched.

Memory stays bounded for a million objects: the listing is streamed, and the planned set is a
sorted array of 64-bit path hashes (8 bytes an output) searched by bisection. A hash collision
(about 3e-8 at a million outputs) can only keep a stray, never delete a planned file.
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from warta.app.outputs.amp import amp_path
from warta.app.outputs.feeds import feed_view
from warta.app.outputs.indexnow_key import key_file_path
from warta.app.outputs.sitemaps import GZIP_SUFFIX, has_news, index_path, listed_sitemaps, shard_path
from warta.core.amp_cache import AMP_CACHE_KEY_PATH
from warta.core.config import Deployment, SiteConfig
from warta.core.output_scopes import PathScope, in_scope, scopes_of, site_templates
from warta.core.ports import ArticleIndex, ObjectStore
from warta.core.render.sitemaps import split_sitemap_index

SWEEP_DELETE_REPORT_LIMIT = 1_000  # stray paths a result keeps for the report and the CDN


class EmptyIndexError(Exception):
    """The index holds nothing of a site whose public tree holds outputs: refuse, do not shrink."""

    def __init__(self, site_id: str, example: str) -> None:
        self.site_id = site_id
        self.example = example
        super().__init__(
            f"site {site_id}: the article index is new or empty but the public tree already"
            f" holds its outputs (e.g. {example}); publishing or rebuilding from this index"
            " would shrink the tree to it. Point warta at the index that built the tree"
            " (--state / the stack's table), or pass --new-index to replace the tree with"
            " what this index holds."
        )


def _digest(path: str) -> int:
    return int.from_bytes(hashlib.blake2b(path.encode("utf-8"), digest_size=8).digest(), "big")


class PlannedSet:
    """A set of paths as a sorted array of 64-bit hashes: 8 bytes a path, O(log n) lookups."""

    def __init__(self, paths: Iterable[str]) -> None:
        self._hashes = array("Q", sorted({_digest(p) for p in paths}))

    def __len__(self) -> int:
        return len(self._hashes)

    def __contains__(self, path: object) -> bool:
        if not isinstance(path, str):
            return False
        digest = _digest(path)
        at = bisect_left(self._hashes, digest)
        return at < len(self._hashes) and self._hashes[at] == digest


def planned_paths(site: SiteConfig, index: ArticleIndex, now: datetime) -> Iterator[str]:
    """Every path (with the site's output prefix) a rebuild of the site at `now` writes."""
    prefix = site.output_prefix
    gz = (GZIP_SUFFIX,) if site.sitemaps.gzip else ()
    facets = index.facets(site.id, now)
    for url in facets.urls:
        yield prefix + amp_path(site, url)
    for spec in site.feeds:
        values: tuple[str | None, ...] = (
            (None,) if spec.select == "all" else facets.feed_values.get(spec.select, ())
        )
        for value in values:
            for variant in spec.all_variants():
                yield prefix + feed_view(spec, value, site, variant.path).path
    listed = listed_sitemaps(site, index)
    for part in index.shard_parts(site.id):
        for suffix in ("", *gz):
            yield prefix + shard_path(site, part.period, part.part) + suffix
    index_files = len(split_sitemap_index(listed)) if listed else 0
    for number in range(1, index_files + 1):
        for suffix in ("", *gz):
            yield prefix + index_path(site, number) + suffix
    if has_news(site, index, now):
        for suffix in ("", *gz):
            yield prefix + site.sitemaps.news_path + suffix
    yield prefix + site.sitemaps.robots_path
    if site.notify.indexnow_key:
        yield prefix + key_file_path(site.notify.indexnow_key)
    if site.notify.amp_cache is not None:
        yield prefix + AMP_CACHE_KEY_PATH


def site_scopes(site: SiteConfig, index: ArticleIndex) -> list[PathScope]:
    """The scope of a site: its current templates and every one it was rendered with before."""
    return scopes_of(site_templates(site) | index.output_templates(site.id))


def _other_sites_scopes(deployment: Deployment, site_id: str, index: ArticleIndex) -> list[PathScope]:
    scopes: list[PathScope] = []
    for other in deployment.sites.values():
        if other.id != site_id:
            scopes += site_scopes(other, index)
    return scopes


def existing_output(site: SiteConfig, index: ArticleIndex, store: ObjectStore) -> str | None:
    """A file of the site's scope in the store, or None: whether the tree holds its outputs."""
    scopes = scopes_of(site_templates(site))
    for path in store.list(site.output_prefix):
        if in_scope(path, scopes):
            return path
    return None


def check_index_matches_tree(
    deployment: Deployment, index: ArticleIndex, store: ObjectStore, site_ids: Iterable[str] | None = None
) -> None:
    """Raise `EmptyIndexError` for a site the index knows nothing of while its tree has outputs."""
    for site_id in site_ids if site_ids is not None else deployment.sites:
        site = deployment.sites[site_id]
        if index.holds_site(site_id):
            continue
        example = existing_output(site, index, store)
        if example is not None:
            raise EmptyIndexError(site_id, example)


def find_strays(
    deployment: Deployment,
    site_id: str,
    index: ArticleIndex,
    listing: Iterable[str],
    now: datetime,
) -> Iterator[str]:
    """The paths of `listing` (the store under the site's prefix) that the site should not hold.

    The listing is consumed lazily; the planned set is built from the index once it is asked
    for the first path, so a listing taken before the planned set sees no file that an index
    write made since (those are planned)."""
    site = deployment.sites[site_id]
    mine = site_scopes(site, index)
    others = _other_sites_scopes(deployment, site_id, index)
    planned: PlannedSet | None = None
    for path in listing:
        if not in_scope(path, mine) or in_scope(path, others):
            continue
        if planned is None:
            planned = PlannedSet(planned_paths(site, index, now))
        if path not in planned:
            yield path


@dataclass
class SweepResult:
    removed: int = 0
    paths: list[str] = field(default_factory=list)  # the first SWEEP_DELETE_REPORT_LIMIT

    def note(self, path: str) -> None:
        self.removed += 1
        if len(self.paths) < SWEEP_DELETE_REPORT_LIMIT:
            self.paths.append(path)


def sweep_site(
    deployment: Deployment,
    site_id: str,
    index: ArticleIndex,
    store: ObjectStore,
    now: datetime,
    dry_run: bool = False,
    on_stray: Callable[[str], None] | None = None,
    listing: Iterable[str] | None = None,
    new_index: bool = False,
) -> SweepResult:
    """Delete (or with `dry_run` only report) every stray of one site.

    An index that holds nothing of the site beside a tree that does is refused unless
    `new_index` says the tree is to become what the index holds."""
    if not new_index:
        check_index_matches_tree(deployment, index, store, [site_id])
    site = deployment.sites[site_id]
    if listing is None:
        listing = store.list(site.output_prefix, include_temp=True)
    result = SweepResult()
    for path in find_strays(deployment, site_id, index, listing, now):
        if on_stray is not None:
            on_stray(path)
        if dry_run or store.delete(path):
            result.note(path)
    return result
