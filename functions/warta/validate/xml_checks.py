"""XML well-formedness, and sitemaps against the published schemas shipped in `warta/xsd`."""

from __future__ import annotations

from functools import cache
from importlib.resources import as_file, files

from lxml import etree

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
URLSET = f"{{{SITEMAP_NS}}}urlset"
SITEMAPINDEX = f"{{{SITEMAP_NS}}}sitemapindex"
LOC = f"{{{SITEMAP_NS}}}loc"

# Never fetch a DTD or an entity from anywhere: outputs are checked offline and as served.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


class NotWellFormed(ValueError):
    pass


def parse_xml(body: bytes) -> etree._Element:
    try:
        return etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise NotWellFormed(f"not well-formed XML: {exc}") from None


@cache
def _schema(name: str) -> etree.XMLSchema:
    # urlset-all.xsd imports its neighbours by relative path, so it is parsed from a real file.
    with as_file(files("warta") / "xsd" / name) as path:
        return etree.XMLSchema(etree.parse(str(path), _PARSER))


def sitemap_errors(root: etree._Element) -> list[str]:
    """Schema errors of a `<urlset>` or `<sitemapindex>` document; [] when it is valid."""
    if root.tag == URLSET:
        schema = _schema("urlset-all.xsd")
    elif root.tag == SITEMAPINDEX:
        schema = _schema("siteindex.xsd")
    else:
        return [f"root element is {root.tag!s}, not a sitemaps.org urlset or sitemapindex"]
    if schema.validate(root.getroottree()):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def locs(root: etree._Element) -> list[str]:
    """The `<loc>` of every url (urlset) or sitemap (sitemapindex)."""
    return [(entry.findtext(LOC) or "").strip() for entry in root.iterchildren()]
