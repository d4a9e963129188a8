"""A WordPress export (WXR, what Tools -> Export writes) read as a stream of post fields.

lxml's iterparse hands over one <item> at a time and each is cleared once read, so memory stays
flat whatever the export's size. Two passes: the first keeps only what posts refer to (the
attachments of featured images, which may come after their post, and the authors' display
names), the second yields the posts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lxml import etree

# WXR 1.0, 1.1 and 1.2 differ only in this namespace's version suffix.
WXR_NAMESPACE_PREFIX = "http://wordpress.org/export/"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
THUMBNAIL_META = "_thumbnail_id"
ATTACHMENT_METADATA_META = "_wp_attachment_metadata"  # PHP-serialized; width and height first
ATTACHMENT_ALT_META = "_wp_attachment_image_alt"
REVISION_META = "_warta_revision"  # the plugin's last revision sent, when it ran on the site
# Co-Authors Plus: a post's bylines are terms of its "author" taxonomy named by the author's login;
# a guest author (no WordPress account) is a post of this type with these meta.
COAUTHOR_DOMAIN = "author"
GUEST_AUTHOR_TYPE = "guest-author"
GUEST_LOGIN_META = "cap-user_login"
GUEST_DISPLAY_NAME_META = "cap-display_name"
_SIZE = re.compile(r's:5:"width";i:(\d+);s:6:"height";i:(\d+);')


@dataclass(frozen=True, slots=True)
class Attachment:
    url: str
    width: int
    height: int
    alt: str


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _is_wp(tag: str) -> bool:
    return tag.startswith("{" + WXR_NAMESPACE_PREFIX)


def _items(path: Path) -> Iterator[etree._Element]:
    """Each <item> and each wp:author, cleared (with what came before it) once the caller is done."""
    for _, element in etree.iterparse(str(path), events=("end",), tag=("item", "{*}author"), huge_tree=True):
        if isinstance(element.tag, str) and (element.tag == "item" or _is_wp(element.tag)):
            yield element
        element.clear()
        parent = element.getparent()
        while parent is not None and element.getprevious() is not None:
            del parent[0]


def _fields(item: etree._Element) -> tuple[dict[str, str], dict[str, str], list[tuple[str, str, str]]]:
    """(wp:* and plain children by local name, post meta, categories as (domain, nicename, name))."""
    fields: dict[str, str] = {}
    meta: dict[str, str] = {}
    categories: list[tuple[str, str, str]] = []
    for child in item:
        tag = child.tag if isinstance(child.tag, str) else ""
        name = _local(tag)
        if name == "postmeta" and _is_wp(tag):
            values = {_local(c.tag): c.text or "" for c in child if isinstance(c.tag, str)}
            meta[values.get("meta_key", "")] = values.get("meta_value", "")
        elif name == "category" and not _is_wp(tag):
            categories.append((child.get("domain", ""), child.get("nicename", ""), child.text or ""))
        elif tag == f"{{{CONTENT_NS}}}encoded":
            fields["post_content"] = child.text or ""
        elif name == "encoded":
            fields["post_excerpt"] = child.text or ""
        elif tag == f"{{{DC_NS}}}creator":
            fields["creator"] = child.text or ""
        else:
            fields[name] = child.text or ""
    return fields, meta, categories


@dataclass(frozen=True, slots=True)
class References:
    """What posts refer to by id or login: attachments by post id, display names by login."""

    attachments: dict[str, Attachment]
    display_names: dict[str, str]


def read_references(path: Path) -> References:
    """The first pass: attachments, and the display name of each author (wp:author) and
    Co-Authors Plus guest author, as the plugin reads them from WordPress."""
    attachments: dict[str, Attachment] = {}
    display_names: dict[str, str] = {}
    for element in _items(path):
        if element.tag != "item":
            values = {_local(c.tag): c.text or "" for c in element if isinstance(c.tag, str)}
            if values.get("author_login"):
                display_names[values["author_login"]] = (
                    values.get("author_display_name") or values["author_login"]
                )
            continue
        fields, meta, _ = _fields(element)
        if fields.get("post_type") == GUEST_AUTHOR_TYPE and meta.get(GUEST_LOGIN_META):
            login = meta[GUEST_LOGIN_META]
            display_names.setdefault(login, meta.get(GUEST_DISPLAY_NAME_META) or login)
            continue
        if fields.get("post_type") != "attachment" or not fields.get("attachment_url"):
            continue
        size = _SIZE.search(meta.get(ATTACHMENT_METADATA_META, ""))
        width, height = (int(size.group(1)), int(size.group(2))) if size else (0, 0)
        attachments[fields.get("post_id", "")] = Attachment(
            fields["attachment_url"], width, height, meta.get(ATTACHMENT_ALT_META, "")
        )
    return References(attachments, display_names)


def _revision(meta: dict[str, str], modified_gmt: str) -> int:
    """The plugin's last revision when it ran on the site, else the modification time in Unix
    milliseconds: the plugin's next revision (at least its save time in ms) still wins."""
    stored = meta.get(REVISION_META, "")
    if stored.isdigit() and int(stored) >= 1:
        return int(stored)
    try:
        moment = datetime.strptime(modified_gmt, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return 1
    return max(1, int(moment.timestamp()) * 1000)


def read_posts(path: Path, references: References) -> Iterator[dict[str, Any]]:
    """Every item but attachments as the fields `warta.core.wordpress.map_post` takes."""
    names = references.display_names
    for element in _items(path):
        if element.tag != "item":
            continue
        fields, meta, categories = _fields(element)
        if fields.get("post_type") == "attachment":
            continue
        # Co-Authors Plus bylines by display name, as get_coauthors() gives the plugin (the
        # export lists them in login order: the byline order is not in it).
        coauthors = [names.get(login, login) for domain, _, login in categories if domain == COAUTHOR_DOMAIN]
        creator = fields.get("creator", "")
        image = references.attachments.get(meta.get(THUMBNAIL_META, ""))
        yield {
            "ID": fields.get("post_id", ""),
            "post_type": fields.get("post_type", ""),
            "post_status": fields.get("status", ""),
            "post_password": fields.get("post_password", ""),
            "revision": _revision(meta, fields.get("post_modified_gmt", "")),
            "was_public": False,  # an import fills an empty tree: nothing to take down
            "post_title": fields.get("title", ""),
            "post_content": fields.get("post_content", ""),
            "post_excerpt": fields.get("post_excerpt", ""),
            "post_date_gmt": fields.get("post_date_gmt", ""),
            "post_modified_gmt": fields.get("post_modified_gmt", ""),
            "permalink": fields.get("link", ""),
            "categories": [
                {"slug": slug, "name": name} for domain, slug, name in categories if domain == "category"
            ],
            "tags": [name for domain, _, name in categories if domain == "post_tag"],
            "authors": coauthors or ([names.get(creator, creator)] if creator else []),
            "featured_image": (
                {"url": image.url, "width": image.width, "height": image.height, "alt": image.alt}
                if image
                else None
            ),
        }
