"""Which files a sweep may touch (`core.output_scopes`) and the planned set it compares with."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warta.app.sweep import PlannedSet
from warta.core.config import SiteConfig
from warta.core.output_scopes import PathScope, amp_templates, in_scope, scopes_of, site_templates


@pytest.mark.parametrize(
    ("template", "path", "held"),
    [
        ("amp/{path}.html", "amp/nasional/berita.html", True),
        ("amp/{path}.html", "amp/.html", False),  # the placeholder stands for something
        ("amp/{path}.html", "amp/nasional/berita.htm", False),
        ("amp/{path}.html", "amp/notes.txt", False),
        ("amp/{path}.html", "amp/nasional/.warta-tmp-x1", True),  # a killed writer's temp file
        ("amp/{path}.html", "static/.warta-tmp-x1", False),  # not in a folder the template writes
        ("amp/{path}.html", "kabar/amp/x.html", False),  # another site's prefix
        ("kabar/amp/{path}.html", "kabar/amp/x.html", True),
        ("sitemap.xml", "sitemap.xml", True),
        ("sitemap.xml", "sitemap.xml.gz", True),  # gzip was on once
        ("sitemap.xml", "sitemap.xml.bak", False),
        ("sitemap.xml", ".warta-tmp-1", True),  # root temp files: the site writes at the root
        ("sitemaps/{period}.xml", "sitemaps/2023-09.xml.gz", True),
        ("sitemap-{part}.xml", "sitemap-news.xml", True),  # names it could make; the planned set decides
        ("sitemap-{part}.xml", "sitemap-.xml", False),
        ("feed/{section}.xml", "feed/atom/index.xml", True),
        ("feed/{section}.xml", "feeds/x.xml", False),
    ],
)
def test_a_scope_holds_what_its_template_can_write(template: str, path: str, held: bool) -> None:
    assert PathScope.of(template).holds(path) is held


def test_site_templates_carry_the_output_prefix_and_tag_amp(site: SiteConfig) -> None:
    templates = site_templates(site)
    assert amp_templates(templates) == ["amp/{path}.html"]
    assert {"robots.txt", "sitemap.xml", "feed/index.xml", "sitemaps/{period}.xml"} <= templates
    scopes = scopes_of(templates)
    assert in_scope("amp/x.html", scopes) and not in_scope("index.html", scopes)


paths = st.text(alphabet="abc/._-é", min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.sets(paths, max_size=60), st.lists(paths, max_size=60))
def test_the_planned_set_answers_as_a_set_does(planned: set[str], probes: list[str]) -> None:
    compact = PlannedSet(planned)
    assert len(compact) == len(planned)
    for path in [*planned, *probes]:
        assert (path in compact) == (path in planned)
