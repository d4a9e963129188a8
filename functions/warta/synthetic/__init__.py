"""A synthetic news archive: valid CMS events (or ready Articles) for tests and benchmarks."""

from warta.synthetic.archive import ArchiveSpec, article_of, bulk_load, draft, event_of, iter_events

__all__ = ["ArchiveSpec", "article_of", "bulk_load", "draft", "event_of", "iter_events"]
