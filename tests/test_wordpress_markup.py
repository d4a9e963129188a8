"""Issue 16, point 6: real WordPress markup survives, with every AMP page valid.

Shortcodes become their media or their text (`core.body.shortcodes`), classic-editor blank-line
paragraphs stay paragraphs (`core.body.parse.autop`), an oEmbed URL alone on its line becomes a
link or embed, and brackets that are no shortcode ("[sic]") stay text.
"""

from __future__ import annotations

import json
import re

import lxml.html
import pytest

from warta.core.body import build_body
from warta.core.body.model import Paragraph
from warta.core.config import load_site
from warta.core.events import parse_event, state_from_event
from warta.core.render.amp import render_amp_page

from amp_validator import validate_amp, validator_problem
from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE

SITE = load_site(EXAMPLE_SITE)
IMAGE = (
    '<img class="size-full" src="https://www.andalpost.com/wp-content/uploads/2023/09/pantai.jpg"'
    ' alt="Pantai" width="800" height="533" />'
)
CLASSIC_POST = f"""Paragraf pertama dari editor klasik.
Baris kedua paragraf pertama.

[caption id="attachment_12" align="aligncenter" width="800"]{IMAGE} Pantai Gading Sari pagi ini[/caption]

Paragraf kedua, dengan catatan [sic] yang bukan shortcode.

[gallery ids="31,32,33" columns="3"]

[audio mp3="https://www.andalpost.com/wp-content/uploads/2023/09/wawancara.mp3"][/audio]

[embed]https://www.youtube.com/watch?v=dQw4w9WgXcQ[/embed]

https://twitter.com/andalpost/status/1700000000000000000

<!--more-->
<!-- wp:paragraph -->
<p>Paragraf dari editor blok.</p>
<!-- /wp:paragraph -->

Paragraf terakhir."""


def article(pages: list[str]):  # type: ignore[no-untyped-def]
    data = json.loads((EXAMPLE_EVENTS / "002-festival-layang-layang.json").read_text())
    data["article"]["pages"] = pages
    return state_from_event(parse_event(json.dumps(data)), SITE, build_body)


def test_wordpress_markup_becomes_content_not_brackets() -> None:
    post = article([CLASSIC_POST])
    page = render_amp_page(post, SITE).decode()
    text = lxml.html.fromstring(page).xpath('string(//div[@class="content"])')
    for literal in ("[caption", "[/caption]", "[gallery", "[audio", "[embed", "[/embed]", "<!--more-->"):
        assert literal not in text, literal
    assert "Pantai Gading Sari pagi ini" in text
    assert "[sic]" in text
    paragraphs = [b for b in post.body if isinstance(b, Paragraph)]
    assert len(paragraphs) >= 4  # blank lines part paragraphs, as wpautop does
    assert re.search(r"<amp-img[^>]+pantai\.jpg", page)
    assert "wawancara.mp3" in page
    assert "dQw4w9WgXcQ" in page


@pytest.mark.skipif(validator_problem() is not None, reason="the AMP validator is installed by make test")
def test_wordpress_markup_gives_valid_amp() -> None:
    page = render_amp_page(article([CLASSIC_POST, "Halaman kedua.\n\nDua paragraf."]), SITE)
    assert validate_amp({"wp.html": page}) == {"wp.html": []}
