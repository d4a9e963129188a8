"""A synthetic WordPress export (WXR 1.2) of a synthetic archive, written as a stream.

Post n is the archive's article n (see archive.py); each post's featured image is an attachment
item written after it (as WordPress does for media uploaded later), and every `draft_every`-th
item is a draft that an import must skip.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO
from xml.sax.saxutils import escape, quoteattr

from warta.synthetic.archive import IMAGE_HEIGHT, IMAGE_WIDTH, ArchiveSpec, draft

WXR_HEADER = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>{title}</title>
<link>{link}</link>
<wp:wxr_version>1.2</wp:wxr_version>
"""
WXR_FOOTER = "</channel>\n</rss>\n"


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _gmt(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _items(spec: ArchiveSpec, draft_every: int) -> Iterator[str]:
    for number in range(spec.articles):
        item = draft(spec, number)
        post_id, image_id = 2 * number + 1, 2 * number + 2
        status = "draft" if draft_every and number % draft_every == draft_every - 1 else "publish"
        body = "\n\n".join(item.paragraphs)  # classic editor: blank lines are paragraphs (wpautop)
        categories = (
            f'<category domain="category" nicename="{item.section}">{_cdata(item.section)}</category>'
        )
        categories += "".join(
            f'<category domain="post_tag" nicename={quoteattr(tag)}>{_cdata(tag)}</category>'
            for tag in item.tags
        )
        yield (
            f"<item><title>{escape(item.title)}</title><link>{escape(item.url)}</link>"
            f"<dc:creator>{_cdata(item.author)}</dc:creator>"
            f"<content:encoded>{_cdata(body)}</content:encoded>"
            f"<excerpt:encoded>{_cdata(item.summary)}</excerpt:encoded>"
            f"<wp:post_id>{post_id}</wp:post_id>"
            f"<wp:post_date_gmt>{_gmt(item.published_at)}</wp:post_date_gmt>"
            f"<wp:post_modified_gmt>{_gmt(item.published_at)}</wp:post_modified_gmt>"
            f"<wp:status>{status}</wp:status><wp:post_type>post</wp:post_type>"
            f"<wp:post_password></wp:post_password>{categories}"
            f"<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>{image_id}</wp:meta_value>"
            "</wp:postmeta></item>\n"
        )
        meta = f'a:2:{{s:5:"width";i:{IMAGE_WIDTH};s:6:"height";i:{IMAGE_HEIGHT};}}'
        yield (
            f"<item><title>hero {post_id}</title><wp:post_id>{image_id}</wp:post_id>"
            f"<wp:post_parent>{post_id}</wp:post_parent><wp:status>inherit</wp:status>"
            f"<wp:post_type>attachment</wp:post_type><wp:attachment_url>{escape(item.hero)}</wp:attachment_url>"
            f"<wp:postmeta><wp:meta_key>_wp_attachment_metadata</wp:meta_key>"
            f"<wp:meta_value>{_cdata(meta)}</wp:meta_value></wp:postmeta></item>\n"
        )


def write_wxr(spec: ArchiveSpec, out: IO[str], draft_every: int = 10) -> None:
    """The archive as a WordPress export; drafts are every `draft_every`-th post (0: none)."""
    out.write(WXR_HEADER.format(title=escape(spec.site.name), link=escape(spec.site.base_url)))
    for chunk in _items(spec, draft_every):
        out.write(chunk)
    out.write(WXR_FOOTER)
