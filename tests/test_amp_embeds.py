"""CMS embed markup of each provider → the matching AMP component, checked by the validator.

The corpus has YouTube, X/Twitter, Instagram, a map iframe, video and audio (test_amp_corpus);
these cover the providers it lacks, from the markup each platform's share button produces.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import lxml.html
import pytest

from warta.core.articles import Article, Author, Section
from warta.core.body import build_body
from warta.core.config import SiteConfig
from warta.core.render.amp import render_amp_page

from amp_validator import ValidatorUnavailable, validate_amp, validator_problem

URL = "https://www.andalpost.com/nasional/berita-embed"
WIB = timezone(timedelta(hours=7))

# name → (CMS HTML, XPath that must find exactly one element, its expected attributes)
CASES: dict[str, tuple[str, str, dict[str, str]]] = {
    "vimeo": (
        '<figure class="wp-block-embed is-provider-vimeo"><div class="wp-block-embed__wrapper">'
        '<iframe title="Film pendek" src="https://player.vimeo.com/video/76979871?h=8272103f6e&amp;dnt=1" '
        'width="640" height="360" frameborder="0" allow="autoplay; fullscreen"></iframe></div></figure>',
        "//amp-vimeo",
        {"data-videoid": "76979871", "width": "640", "height": "360", "layout": "responsive"},
    ),
    "youtube-nocookie": (
        '<iframe width="560" height="315" src="https://www.youtube-nocookie.com/embed/Xk3pT9aLm2Q?rel=0" '
        'title="YouTube video player" frameborder="0" allowfullscreen></iframe>',
        "//amp-youtube",
        {"data-videoid": "Xk3pT9aLm2Q", "width": "560", "height": "315"},
    ),
    "facebook-iframe-post": (
        '<iframe src="https://www.facebook.com/plugins/post.php?href=https%3A%2F%2Fwww.facebook.com'
        '%2Fandalpost%2Fposts%2F1234567890&amp;show_text=true&amp;width=500" width="500" height="600" '
        'style="border:none;overflow:hidden" scrolling="no" frameborder="0"></iframe>',
        "//amp-facebook",
        {"data-href": "https://www.facebook.com/andalpost/posts/1234567890"},
    ),
    "facebook-iframe-video": (
        '<iframe src="https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fwww.facebook.com'
        '%2Fandalpost%2Fvideos%2F987654321%2F&amp;show_text=false" width="560" height="314"></iframe>',
        "//amp-facebook",
        {"data-href": "https://www.facebook.com/andalpost/videos/987654321/", "data-embed-as": "video"},
    ),
    "facebook-sdk": (
        '<div id="fb-root"></div><script async defer src="https://connect.facebook.net/id_ID/sdk.js">'
        '</script><div class="fb-post" data-href="https://www.facebook.com/andalpost/posts/555" '
        'data-width="500"><blockquote cite="https://www.facebook.com/andalpost/posts/555" '
        'class="fb-xfbml-parse-ignore"><p>Teks unggahan Facebook</p></blockquote></div>',
        "//amp-facebook",
        {"data-href": "https://www.facebook.com/andalpost/posts/555"},
    ),
    "tiktok-blockquote": (
        '<blockquote class="tiktok-embed" cite="https://www.tiktok.com/@andalpost/video/7280000000000000001" '
        'data-video-id="7280000000000000001" style="max-width: 605px;min-width: 325px;"><section>'
        '<a target="_blank" title="@andalpost" href="https://www.tiktok.com/@andalpost">@andalpost</a> '
        "Cuplikan karnaval</section></blockquote>"
        '<script async src="https://www.tiktok.com/embed.js"></script>',
        "//amp-tiktok",
        {"data-src": "7280000000000000001"},
    ),
    "tiktok-iframe": (
        '<iframe src="https://www.tiktok.com/embed/v2/7280000000000000002" width="325" height="575">'
        "</iframe>",
        "//amp-tiktok",
        {"data-src": "7280000000000000002"},
    ),
    "x-tweet": (
        '<blockquote class="twitter-tweet"><p lang="in" dir="ltr">Kabar terbaru</p>&mdash; Andalpost '
        '(@andalpost) <a href="https://x.com/andalpost/status/1800000000000000000">1 Juni 2024</a>'
        '</blockquote><script async src="https://platform.twitter.com/widgets.js"></script>',
        "//amp-twitter",
        {"data-tweetid": "1800000000000000000"},
    ),
    "instagram-reel": (
        '<blockquote class="instagram-media" data-instgrm-permalink="https://www.instagram.com/reel/C1a2B3c4D5e/">'
        '<a href="https://www.instagram.com/reel/C1a2B3c4D5e/">View this post on Instagram</a></blockquote>',
        "//amp-instagram",
        {"data-shortcode": "C1a2B3c4D5e"},
    ),
    "generic-https-iframe": (
        '<iframe src="https://www.google-maps.example.org/maps/embed?pb=abc" width="600" height="450" '
        'style="border:0;" allowfullscreen="" loading="lazy"></iframe>',
        "//amp-iframe",
        {
            "src": "https://www.google-maps.example.org/maps/embed?pb=abc",
            "sandbox": "allow-scripts allow-same-origin",
        },
    ),
    "http-iframe-is-a-link": (
        '<iframe src="http://old.example.org/widget" width="300" height="200"></iframe>',
        '//p[contains(@class, "embed-link")]/a',
        {"href": "http://old.example.org/widget"},
    ),
    "video-with-caption": (
        '<figure class="wp-block-video"><video controls src="https://cdn.example.org/v.mp4" '
        'poster="https://cdn.example.org/v.jpg" width="1280" height="720"></video>'
        "<figcaption>Gladi bersih Sumber: Humas</figcaption></figure>",
        "//figure[amp-video]/figcaption/span",
        {"class": "credit"},
    ),
    "audio-from-source": (
        '<audio controls><source src="https://cdn.example.org/a.mp3" type="audio/mpeg"></audio>',
        "//amp-audio",
        {"src": "https://cdn.example.org/a.mp3", "controls": ""},
    ),
}

COMPONENT_OF = {
    "vimeo": "amp-vimeo",
    "youtube-nocookie": "amp-youtube",
    "facebook-iframe-post": "amp-facebook",
    "facebook-iframe-video": "amp-facebook",
    "facebook-sdk": "amp-facebook",
    "tiktok-blockquote": "amp-tiktok",
    "tiktok-iframe": "amp-tiktok",
    "x-tweet": "amp-twitter",
    "instagram-reel": "amp-instagram",
    "generic-https-iframe": "amp-iframe",
    "http-iframe-is-a-link": None,
    "video-with-caption": "amp-video",
    "audio-from-source": "amp-audio",
}


def _article(site: SiteConfig, html: str) -> Article:
    return Article(
        site=site.id,
        id="9001",
        revision=1,
        url=URL,
        title="Berita dengan sematan",
        summary="Ringkasan.",
        language=site.language,
        section=Section("nasional", "Nasional"),
        tags=(),
        authors=(Author("Redaksi"),),
        published_at=datetime(2024, 6, 1, 8, 0, tzinfo=WIB),
        updated_at=None,
        image=None,
        access="free",
        body=build_body([f"<p>Pembuka.</p>{html}<p>Penutup.</p>"], URL, site),
        page_count=1,
    )


def _page(site: SiteConfig, name: str) -> bytes:
    return render_amp_page(_article(site, CASES[name][0]), site)


@pytest.mark.parametrize("name", sorted(CASES))
def test_provider_becomes_its_component(name: str, site: SiteConfig) -> None:
    _, xpath, attributes = CASES[name]
    page = _page(site, name)
    doc = lxml.html.document_fromstring(page.decode("utf-8"))
    (node,) = doc.xpath(xpath)
    for attribute, value in attributes.items():
        assert node.get(attribute) == value, attribute
    component = COMPONENT_OF[name]
    assert doc.xpath("//head/script/@custom-element") == ([component] if component else [])
    # The CMS's own scripts never survive; only AMP's runtime and components load.
    for src in doc.xpath("//script/@src"):
        assert src.startswith("https://cdn.ampproject.org/")
    text = doc.xpath('//div[@class="content"]/p/text()')
    assert text[0] == "Pembuka." and text[-1] == "Penutup."


def test_facebook_sdk_keeps_the_post_text(site: SiteConfig) -> None:
    body = _article(site, CASES["facebook-sdk"][0]).body
    assert any(getattr(block, "title", "") == "Teks unggahan Facebook" for block in body)


@pytest.fixture(scope="module")
def validated(site: SiteConfig) -> dict[str, list[str]]:
    problem = validator_problem()
    if problem is not None:
        pytest.skip(f"AMP validator not installed: {problem}")
    try:
        return validate_amp({name: _page(site, name) for name in CASES})
    except ValidatorUnavailable as exc:
        pytest.skip(str(exc))


@pytest.mark.parametrize("name", sorted(CASES))
def test_provider_page_is_valid_amp(name: str, validated: dict[str, list[str]]) -> None:
    assert validated[name] == []
