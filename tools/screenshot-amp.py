#!/usr/bin/env python3
"""Screenshot one corpus article's AMP page with headless Chromium, for the README.

    .venv/bin/python tools/screenshot-amp.py [EVENT.json] [--out docs/screenshots/amp-page.png]

The AMP runtime cannot load offline, and its boilerplate CSS keeps the page hidden until it
does, so for the picture only the page is changed: the boilerplate and scripts go, amp-img
becomes img, and images and players (whose files live on the newsroom's servers) become
labelled placeholders. Everything else — markup, text and our CSS — is the page as published.
Needs Debian's `chromium` package. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

import lxml.html

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "functions"))

from warta.core.articles import Article  # noqa: E402
from warta.core.body import build_body  # noqa: E402
from warta.core.config import load_site  # noqa: E402
from warta.core.events import parse_event, state_from_event  # noqa: E402
from warta.core.render.amp import render_amp_page  # noqa: E402

SITE = REPO / "examples" / "andalpost" / "site.toml"
DEFAULT_EVENT = REPO / "examples" / "andalpost" / "events" / "015-embed-gol-salto-rizal-pratama.json"
WIDTH, HEIGHT = 412, 1600  # a common phone viewport, tall enough for header, hero and text
PLAYERS = ("amp-youtube", "amp-vimeo", "amp-twitter", "amp-instagram", "amp-facebook", "amp-tiktok")


def _svg(width: int, height: int, label: str, logo: bool = False) -> str:
    """A placeholder image as a data: URL: a soft gradient (or the wordmark) and its label."""
    hue = int(hashlib.sha256(label.encode()).hexdigest()[:2], 16) * 360 // 256
    if not logo:  # sizes may be a bare ratio (16 x 9): draw at a real size for legible text
        width, height = 1200, round(1200 * height / width)
    if logo:
        body = (
            f'<text x="0" y="{height * 0.78:.0f}" font-family="Georgia,serif" font-weight="700" '
            f'font-size="{height * 0.8:.0f}" fill="#b3121f">{escape(label)}</text>'
        )
    else:
        body = (
            f'<defs><linearGradient id="g" x2="1" y2="1"><stop offset="0" stop-color="hsl({hue},35%,72%)"/>'
            f'<stop offset="1" stop-color="hsl({(hue + 40) % 360},40%,45%)"/></linearGradient></defs>'
            f'<rect width="100%" height="100%" fill="url(#g)"/>'
            f'<text x="50%" y="50%" text-anchor="middle" dominant-baseline="middle" '
            f'font-family="Arial,sans-serif" font-size="40" fill="#fff">{escape(label[:60])}</text>'
        )
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">{body}</svg>'
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def offline_html(page: bytes, site_name: str) -> str:
    doc = lxml.html.document_fromstring(page.decode("utf-8"))
    for node in doc.xpath("//style[@amp-boilerplate] | //noscript | //script"):
        node.drop_tree()
    for amp_img in doc.xpath("//amp-img"):
        width, height = int(amp_img.get("width")), int(amp_img.get("height"))
        is_logo = bool(amp_img.xpath("ancestor::header"))
        img = lxml.html.Element("img")
        img.set("src", _svg(width, height, site_name if is_logo else amp_img.get("alt") or "", is_logo))
        img.set("alt", amp_img.get("alt") or "")
        img.set("style", "display:block;width:100%;height:auto")
        img.set("width", str(width))
        img.set("height", str(height))
        img.tail = amp_img.tail
        amp_img.getparent().replace(amp_img, img)
    for player in doc.xpath(" | ".join(f"//{tag}" for tag in PLAYERS)):
        width, height = int(player.get("width")), int(player.get("height"))
        label = player.tag.removeprefix("amp-").capitalize()
        placeholder = player.xpath("./*[@placeholder]")
        box = lxml.html.Element("div")
        if player.tag == "amp-twitter" and placeholder:
            box.append(placeholder[0])  # what a reader sees until the widget loads
        else:
            img = lxml.html.Element("img")
            img.set("src", _svg(width, height, f"▶ {label}"))
            img.set("style", "display:block;width:100%;height:auto")
            img.set("width", str(width))
            img.set("height", str(height))
            box.append(img)
        box.tail = player.tail
        player.getparent().replace(player, box)
    return lxml.html.tostring(doc, doctype="<!doctype html>", encoding="unicode")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("event", nargs="?", type=Path, default=DEFAULT_EVENT)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots" / "amp-page.png")
    parser.add_argument("--height", type=int, default=HEIGHT, help="viewport height (whole page: 6000)")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium is not installed (Debian: apt-get install chromium)", file=sys.stderr)
        return 1
    site = load_site(SITE)
    article = state_from_event(parse_event(args.event.read_bytes()), site, build_body)
    if not isinstance(article, Article):
        print(f"{args.event} does not publish an article", file=sys.stderr)
        return 1
    html = offline_html(render_amp_page(article, site), site.name)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(html, encoding="utf-8")
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                f"--user-data-dir={Path(tmp) / 'profile'}",
                f"--screenshot={args.out.resolve()}",
                f"--window-size={WIDTH},{args.height}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    print(f"{args.out} ({args.out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
