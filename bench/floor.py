"""Each renderer against the floor: a bare string template with escaping, for the same output.

    .venv/bin/python bench/floor.py [--repeat 5]

Three outputs of the synthetic archive:
  rss     a feed of 50 items (RSS 2.0: feedgen + lxml) against an f-string template that writes
          the same bytes (checked)
  shard   a 50,000-URL sitemap shard: from the per-article fragments the index keeps (what a
          publish or rebuild runs) and from scratch (lxml per entry), against a template that
          writes the same bytes (checked)
  amp     one AMP page (lxml tree) against a template that writes the same content (the same
          elements and text; the renderer's choices such as component scripts are not redone)
Prints one JSON object: the best of `--repeat` runs of each, in milliseconds, and the ratios.
"""

# ruff: noqa: E501  (tables, templates and argparse lines read better whole)
from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

sys.path.insert(0, str(Path(__file__).resolve().parent))

import archive

FEED_ITEMS = 50
SHARD_URLS = 50_000


def best_ms(function: Callable[[], Any], repeat: int) -> float:
    function()  # warm: imports, caches of compiled templates
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return min(samples)


# --- RSS ------------------------------------------------------------------------------------

_NS = (
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/"'
    ' xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/"'
)


def _attr(value: str) -> str:
    return quoteattr(value, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def floor_rss(view: Any, articles: Sequence[Any], site: Any) -> bytes:
    """The RSS the renderer writes for free articles with hero images (no hubs, no profile)."""
    from warta.core.render.body_html import render_body_html
    from warta.core.render.feed_fields import categories, guid, newest_modification, summary

    e = escape
    out = [
        f"<?xml version='1.0' encoding='UTF-8'?>\n<rss {_NS} version=\"2.0\"><channel>",
        f"<title>{e(view.title)}</title><link>{e(view.link)}</link>",
        f"<description>{e(view.description)}</description>",
        f'<atom:link href={_attr(site.public_url(view.path))} rel="self" type="application/rss+xml"/>',
        "<docs>https://www.rssboard.org/rss-specification</docs><generator>warta</generator>",
        f"<image><url>{e(site.logo.url)}</url><title>{e(view.title)}</title><link>{e(view.link)}</link></image>",
        f"<language>{e(site.language)}</language>",
        f"<lastBuildDate>{format_datetime(newest_modification(articles))}</lastBuildDate>",
        f"<ttl>{view.ttl_minutes}</ttl>",
    ]
    for a in articles:
        image = a.image
        size = f' width="{image.width}" height="{image.height}"'
        out += [
            f"<item><title>{e(a.title)}</title><link>{e(a.url)}</link>",
            f"<description>{e(summary(a))}</description>",
            f"<content:encoded>{e(render_body_html(a.body))}</content:encoded>",
            f'<guid isPermaLink="false">{e(guid(site, a))}</guid>',
            *(f"<category>{e(term)}</category>" for term in categories(a)),
            f"<pubDate>{format_datetime(a.published_at)}</pubDate>",
            *(f"<dc:creator>{e(author.name)}</dc:creator>" for author in a.authors),
            f'<media:content url={_attr(image.url)} medium="image"{size}>',
            f'<media:description type="plain">{e(image.caption)}</media:description>',
            f"<media:credit>{e(image.credit)}</media:credit></media:content>",
            f"<media:thumbnail url={_attr(image.url)}{size}/></item>",
        ]
    out.append("</channel></rss>")
    return "".join(out).encode()


# --- shard ----------------------------------------------------------------------------------

_URLSET = (
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    ' xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">'
)


def floor_shard(entries: Sequence[Any]) -> bytes:
    e = escape
    out = [_URLSET]
    for entry in entries:
        out.append(
            f"<url><loc>{e(entry.url)}</loc><lastmod>{entry.lastmod.isoformat(timespec='seconds')}</lastmod>"
        )
        out += [f"<image:image><image:loc>{e(i.url)}</image:loc></image:image>" for i in entry.images]
        out.append("</url>")
    out.append("</urlset>")
    return "".join(out).encode()


# --- AMP ------------------------------------------------------------------------------------


def floor_amp(article: Any, site: Any) -> bytes:
    """The same elements and text as the renderer's page for a free article with figures."""
    from warta.core.body.model import Figure, Paragraph, iter_images
    from warta.core.render import amp
    from warta.core.render.labels import amp_labels

    e, labels = escape, amp_labels(article.language)
    when = article.published_at.astimezone(site.timezone)
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": article.url},
        "url": article.url,
        "headline": article.title,
        "description": article.summary,
        "datePublished": when.isoformat(timespec="seconds"),
        "dateModified": when.isoformat(timespec="seconds"),
        "author": [{"@type": "Person", "name": a.name, "url": a.url} for a in article.authors],
        "publisher": {
            "@type": "Organization",
            "name": site.name,
            "url": site.base_url,
            "logo": {
                "@type": "ImageObject",
                "url": site.logo.url,
                "width": site.logo.width,
                "height": site.logo.height,
            },
        },
        "articleSection": article.section.name,
        "keywords": list(article.tags),
        "inLanguage": article.language,
        "isAccessibleForFree": True,
        "image": [article.image.url, *(i.src for i in iter_images(article.body))],
    }
    script = json.dumps(ld, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")

    def img(src: str, width: Any, height: Any, alt: str) -> str:
        return (
            f'<amp-img src={_attr(src)} layout="responsive" width="{width}" height="{height}"'
            f" alt={_attr(alt)}></amp-img>"
        )

    hero = article.image
    body = []
    for block in article.body:
        if isinstance(block, Paragraph):
            body.append(f"<p>{e(''.join(child.text for child in block.children))}</p>")
        elif isinstance(block, Figure):
            i = block.image
            body.append(
                f"<figure>{img(i.src, i.width, i.height, i.alt)}<figcaption>{e(block.caption)}"
                f'<span class="credit">Foto: {e(block.credit)}</span></figcaption></figure>'
            )
    author = article.authors[0]
    page = [
        f'<!doctype html>\n<html amp="" lang="{e(article.language)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,minimum-scale=1,initial-scale=1">',
        f'<script async="" src="{amp.AMP_RUNTIME}"></script>',
        f'<title>{e(article.title)} - {e(site.name)}</title><link rel="canonical" href={_attr(article.url)}>',
        f'<meta name="description" content={_attr(article.summary)}>',
        f'<script type="application/ld+json">{script}</script>',
        f'<style amp-boilerplate="">{amp._BOILERPLATE}</style><noscript><style amp-boilerplate="">',
        f'{amp._BOILERPLATE_NOSCRIPT}</style></noscript><style amp-custom="">{amp._CSS}</style></head>',
        f'<body><header class="site"><div class="site-inner"><a class="logo" href={_attr(site.base_url + "/")}>',
        f'<amp-img src={_attr(site.logo.url)} width="{site.logo.width}" height="{site.logo.height}"',
        f' layout="intrinsic" alt={_attr(site.name)}></amp-img></a>',
        f'<p class="section">{e(article.section.name)}</p></div></header><main><article>',
        f'<h1>{e(article.title)}</h1><p class="summary">{e(article.summary)}</p>',
        f'<p class="byline">{e(labels["by"])} <a href={_attr(author.url)} rel="author">{e(author.name)}</a>',
        f'<time datetime="{when.isoformat(timespec="seconds")}">{e(amp._human_date(when, site, labels))}</time></p>',
        f'<figure class="hero">{img(hero.url, hero.width, hero.height, hero.alt)}',
        f'<figcaption>{e(hero.caption)}<span class="credit">Foto: {e(hero.credit)}</span></figcaption></figure>',
        f'<div class="content">{"".join(body)}</div></article></main>',
        f'<footer class="foot"><a href={_attr(site.base_url + "/")}>{e(site.name)}</a></footer></body></html>\n',
    ]
    return "".join(page).encode()


# --- the comparison -------------------------------------------------------------------------


def measure(repeat: int) -> dict[str, Any]:
    from warta.app.outputs.feeds import feed_view
    from warta.core.render import feed_fields
    from warta.core.render.amp import render_amp_page
    from warta.core.render.rss import render_rss
    from warta.core.render.sitemaps import iter_shard_files, render_shard_parts, shard_row
    from warta.core.views import SitemapEntry, SitemapImage
    from warta.synthetic import article_of, draft

    spec = archive.spec(SHARD_URLS)
    site = spec.site
    articles = [article_of(spec, draft(spec, n)) for n in range(spec.articles - FEED_ITEMS, spec.articles)][
        ::-1
    ]
    home = next(s for s in site.feeds if s.select == "all")
    view = feed_view(home, None, site)
    entries = [
        SitemapEntry(a.url, a.modified_at, (SitemapImage(a.image.url),))
        for a in (article_of(spec, draft(spec, n)) for n in range(SHARD_URLS))
    ]
    rows = [shard_row(entry) for entry in entries]

    def rss_cold() -> bytes:
        feed_fields.forget_rendered_items()  # every item and body rendered again, as the floor does
        return render_rss(view, articles, site)

    def rss_bodies_cached() -> bytes:
        feed_fields.forget_rendered_items(keep_bodies=True)  # items made again, bodies' HTML kept
        return render_rss(view, articles, site)

    ours_rss, floor_rss_bytes = rss_cold(), floor_rss(view, articles, site)
    ours_shard = b"".join(p.body for p in iter_shard_files(rows))
    ours_amp, floor_amp_bytes = render_amp_page(articles[0], site), floor_amp(articles[0], site)
    results = {
        "rss_50_items": {
            "ours_ms": best_ms(rss_cold, repeat),
            "ours_warm_ms": best_ms(rss_bodies_cached, repeat),
            "ours_items_cached_ms": best_ms(lambda: render_rss(view, articles, site), repeat),
            "floor_ms": best_ms(lambda: floor_rss(view, articles, site), repeat),
            "same_bytes": ours_rss == floor_rss_bytes,
        },
        "shard_50000_urls": {
            "ours_ms": best_ms(lambda: list(iter_shard_files(rows)), repeat),
            "ours_from_scratch_ms": best_ms(lambda: render_shard_parts(entries), max(1, repeat // 2)),
            "floor_ms": best_ms(lambda: floor_shard(entries), repeat),
            "same_bytes": ours_shard == floor_shard(entries),
        },
        "amp_page": {
            "ours_ms": best_ms(lambda: render_amp_page(articles[0], site), repeat * 20),
            "floor_ms": best_ms(lambda: floor_amp(articles[0], site), repeat * 20),
            "same_bytes": ours_amp == floor_amp_bytes,
            "bytes": [len(ours_amp), len(floor_amp_bytes)],
        },
    }
    for row in results.values():
        row["ratio"] = round(row["ours_ms"] / row["floor_ms"], 2)
        for key in [k for k in row if k.endswith("_ms")]:
            row[key] = round(row[key], 3)
    shard = results["shard_50000_urls"]
    shard["ratio_from_scratch"] = round(shard["ours_from_scratch_ms"] / shard["floor_ms"], 2)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    print(json.dumps(measure(parser.parse_args().repeat)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
