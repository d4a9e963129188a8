"""Which paths of a store a site may own: the patterns of its output paths, old and new.

A rebuild deletes every file of the site that is not a planned output, so it must know which
files are the site's without deleting anything else in a tree that other sites, or static
files, share. A path is in a site's scope when it could be an output of one of the site's path
templates (`amp/{path}.html` owns `amp/…html`, `sitemap.xml` owns itself and its `.gz`), or is
a temp file a writer left in a folder those templates write to. Templates are kept with the
site's `output_prefix` and remembered across config changes (`ArticleIndex.output_templates`),
so the files of an old `amp.path` stay in scope after the config moved on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from warta.core.amp_cache import AMP_CACHE_KEY_PATH
from warta.core.config import SiteConfig

TEMP_FILE_PREFIX = ".warta-tmp-"  # what an atomic write names its file until the rename
GZIP_SUFFIX = ".gz"
AMP_TEMPLATE_TAG = "amp\t"  # remembered AMP templates: a takedown deletes the page under each


@dataclass(frozen=True, slots=True)
class PathScope:
    """The files one path template can produce: a literal prefix and suffix around placeholders."""

    prefix: str
    suffix: str
    exact: bool  # a template without placeholders names one file (and its .gz)

    @classmethod
    def of(cls, template: str) -> PathScope:
        start, end = template.find("{"), template.rfind("}")
        if start < 0:
            return cls(template, "", True)
        return cls(template[:start], template[end + 1 :], False)

    def _holds(self, path: str) -> bool:
        if self.exact:
            return path == self.prefix
        return (
            len(path) > len(self.prefix) + len(self.suffix)
            and path.startswith(self.prefix)
            and path.endswith(self.suffix)
        )

    def holds(self, path: str) -> bool:
        if self._holds(path) or (path.endswith(GZIP_SUFFIX) and self._holds(path[: -len(GZIP_SUFFIX)])):
            return True
        folder, _, name = path.rpartition("/")
        written_folder = self.prefix.rpartition("/")[0]
        return name.startswith(TEMP_FILE_PREFIX) and (folder + "/").startswith(
            written_folder + "/" if written_folder else ""
        )


def site_templates(site: SiteConfig) -> set[str]:
    """Every output path template of the site, with its output prefix; AMP ones tagged."""
    maps = site.sitemaps
    relative = {
        maps.index_path,
        maps.index_part_path,
        maps.shard_path,
        maps.shard_part_path,
        maps.news_path,
        maps.robots_path,
    }
    relative.update(variant.path for spec in site.feeds for variant in spec.all_variants())
    if site.notify.indexnow_key:
        relative.add(f"{site.notify.indexnow_key}.txt")
    if site.notify.amp_cache is not None:
        relative.add(AMP_CACHE_KEY_PATH)
    templates = {site.output_prefix + t for t in relative}
    templates.add(AMP_TEMPLATE_TAG + site.output_prefix + site.amp.path)
    return templates


def amp_templates(templates: Iterable[str]) -> list[str]:
    """The AMP path templates among remembered ones, without their tag."""
    return sorted(t[len(AMP_TEMPLATE_TAG) :] for t in templates if t.startswith(AMP_TEMPLATE_TAG))


def scopes_of(templates: Iterable[str]) -> list[PathScope]:
    return [PathScope.of(t.removeprefix(AMP_TEMPLATE_TAG)) for t in sorted(templates)]


def in_scope(path: str, scopes: Iterable[PathScope]) -> bool:
    return any(scope.holds(path) for scope in scopes)
