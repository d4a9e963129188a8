"""CMS HTML → body model: galleries, responsive images, linked images, media captions, Facebook."""

from __future__ import annotations

import pytest

from warta.core.body import build_body, parse_body
from warta.core.body.model import (
    Audio,
    Body,
    Embed,
    Figure,
    Image,
    Paragraph,
    Text,
    Video,
    body_from_json,
    body_to_json,
)
from warta.core.body.parse import _srcset
from warta.core.config import SiteConfig

URL = "https://www.andalpost.com/nasional/berita-uji"
BASE = "https://www.andalpost.com"


def _parse(html: str) -> Body:
    return parse_body([html], URL)


# --- galleries --------------------------------------------------------------------------------


def test_block_editor_gallery_is_figures_then_its_caption() -> None:
    body = _parse(
        '<figure class="wp-block-gallery has-nested-images">'
        '<figure class="wp-block-image"><img src="/1.jpg" width="10" height="5">'
        "<figcaption>Satu</figcaption></figure>"
        '<figure class="wp-block-image"><img src="/2.jpg"></figure>'
        '<figcaption class="blocks-gallery-caption">Galeri pawai</figcaption></figure>'
    )
    assert body == (
        Figure(Image(f"{BASE}/1.jpg", "", 10, 5), caption="Satu"),
        Figure(Image(f"{BASE}/2.jpg")),
        Paragraph((Text("Galeri pawai"),)),
    )


def test_gallery_grid_list_keeps_its_images() -> None:
    # Older block-editor galleries are a <ul> of figures; a ListBlock cannot hold images.
    body = _parse(
        '<figure class="wp-block-gallery"><ul class="blocks-gallery-grid">'
        '<li class="blocks-gallery-item"><figure><img src="/1.jpg">'
        "<figcaption>Satu</figcaption></figure></li>"
        '<li class="blocks-gallery-item"><figure><img src="/2.jpg">'
        "<figcaption>Dua</figcaption></figure></li>"
        "</ul><figcaption>Galeri</figcaption></figure>"
    )
    assert body == (
        Figure(Image(f"{BASE}/1.jpg"), caption="Satu"),
        Figure(Image(f"{BASE}/2.jpg"), caption="Dua"),
        Paragraph((Text("Galeri"),)),
    )


def test_list_with_an_image_keeps_image_and_text() -> None:
    body = _parse('<ul><li>Teks <img src="/i.jpg"> lanjut</li></ul>')
    assert body == (
        Paragraph((Text("Teks"),)),
        Figure(Image(f"{BASE}/i.jpg")),
        Paragraph((Text("lanjut"),)),
    )


def test_classic_gallery_and_caption_shortcode() -> None:
    body = _parse(
        '<div class="gallery"><dl class="gallery-item"><dt class="gallery-icon">'
        '<a href="/1-besar.jpg"><img src="/1.jpg" width="150" height="150"></a></dt>'
        '<dd class="wp-caption-text gallery-caption">Satu</dd></dl>'
        '<dl class="gallery-item"><dt><img src="/2.jpg"></dt></dl></div>'
        '<div class="wp-caption aligncenter"><img src="/3.jpg" alt="Tiga">'
        '<p class="wp-caption-text">Tiga Sumber: CNN</p></div>'
    )
    assert body == (
        Figure(Image(f"{BASE}/1.jpg", "", 150, 150), caption="Satu", link=f"{BASE}/1-besar.jpg"),
        Figure(Image(f"{BASE}/2.jpg")),
        Figure(Image(f"{BASE}/3.jpg", "Tiga"), caption="Tiga Sumber: CNN"),
    )


# --- <picture> and srcset ---------------------------------------------------------------------


def test_picture_takes_the_widest_candidate_and_keeps_the_img_size() -> None:
    body = _parse(
        '<picture><source srcset="/a-800.webp 800w, /a-1600.webp 1600w" type="image/webp">'
        '<source srcset="/a-900.jpg 900w"><img src="/a.jpg" srcset="/a-400.jpg 400w" '
        'width="400" height="300" alt="A"></picture><p>Sesudah</p>'
    )
    assert body == (
        Figure(Image(f"{BASE}/a-1600.webp", "A", 400, 300)),
        Paragraph((Text("Sesudah"),)),
    )


def test_srcset_density_and_commas_in_urls() -> None:
    assert _parse('<img src="/a.jpg" srcset="/a.jpg, /a-2x.jpg 2x, /a-3x.jpg 3x">') == (
        Figure(Image(f"{BASE}/a-3x.jpg")),
    )
    # Widths win over densities; a CDN URL with commas stays whole.
    html = '<img src="/a.jpg" srcset="https://cdn.example.org/w_400,h_300/a.jpg 400w, /b.jpg 2x">'
    assert _parse(html) == (Figure(Image("https://cdn.example.org/w_400,h_300/a.jpg")),)
    assert _srcset("a.jpg 1x,b.jpg 2x") == [("a.jpg", "1x"), ("b.jpg", "2x")]
    assert _srcset(" a,b.jpg , c.jpg 10w ") == [("a,b.jpg", ""), ("c.jpg", "10w")]


@pytest.mark.parametrize("candidate", ["javascript:alert(1) 2000w", "data:image/png;base64,AAAA 3000w"])
def test_unsafe_srcset_candidates_are_ignored(candidate: str) -> None:
    body = _parse(f'<img src="/a.jpg" srcset="/a-600.jpg 600w, {candidate}">')
    assert body == (Figure(Image(f"{BASE}/a-600.jpg")),)


def test_lazy_srcset() -> None:
    body = _parse('<img src="data:image/gif;base64,R0lG" data-srcset="/l-300.jpg 300w, /l-900.jpg 900w">')
    assert body == (Figure(Image(f"{BASE}/l-900.jpg")),)


# --- links around images ----------------------------------------------------------------------


def test_link_around_an_image_is_kept_with_the_figure() -> None:
    body = _parse('<p><a href="/besar.jpg"><img src="/kecil.jpg" width="4" height="3"></a></p>')
    assert body == (Figure(Image(f"{BASE}/kecil.jpg", "", 4, 3), link=f"{BASE}/besar.jpg"),)


@pytest.mark.parametrize(
    "html",
    [
        '<p><a href="/x">kata <img src="/kecil.jpg"></a></p>',  # the link has words of its own
        '<p><a href="javascript:alert(1)"><img src="/kecil.jpg"></a></p>',  # unsafe target
    ],
)
def test_image_link_only_when_the_link_is_the_image(html: str) -> None:
    figures = [b for b in _parse(html) if isinstance(b, Figure)]
    assert [f.link for f in figures] == [""]


# --- captions of video, audio and embeds ------------------------------------------------------


def test_media_captions_and_credits(site: SiteConfig) -> None:
    html = (
        '<figure class="wp-block-video"><video src="/v.mp4"></video>'
        "<figcaption>Gladi Sumber: Humas</figcaption></figure>"
        '<figure class="wp-block-audio"><audio src="/a.mp3"></audio><figcaption>Lagu</figcaption></figure>'
        '<figure class="wp-block-embed"><div class="wp-block-embed__wrapper">'
        '<iframe src="https://www.youtube.com/embed/Xk3pT9aLm2Q"></iframe></div>'
        "<figcaption>Cuplikan gol Sumber: Liga</figcaption></figure>"
    )
    assert parse_body([html], URL) == (
        Video(f"{BASE}/v.mp4", caption="Gladi Sumber: Humas"),
        Audio(f"{BASE}/a.mp3", caption="Lagu"),
        Embed(
            "youtube",
            "https://www.youtube.com/watch?v=Xk3pT9aLm2Q",
            "Xk3pT9aLm2Q",
            caption="Cuplikan gol Sumber: Liga",
        ),
    )
    assert build_body([html], URL, site) == (
        Video(f"{BASE}/v.mp4", caption="Gladi", credit="Humas"),
        Audio(f"{BASE}/a.mp3", caption="Lagu"),
        Embed(
            "youtube",
            "https://www.youtube.com/watch?v=Xk3pT9aLm2Q",
            "Xk3pT9aLm2Q",
            caption="Cuplikan gol",
            credit="Liga",
        ),
    )


# --- Facebook ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("href", "media_id"),
    [
        ("https://www.facebook.com/andalpost/posts/1234567890", "1234567890"),
        ("https://www.facebook.com/andalpost/videos/987654321/", "987654321"),
        ("https://www.facebook.com/andalpost/videos/judul-video/987654321/", "987654321"),
        ("https://www.facebook.com/permalink.php?story_fbid=555&id=1", "555"),
        ("https://www.facebook.com/watch/?v=4242", "4242"),
        ("https://www.facebook.com/photo.php?fbid=777", "777"),
        ("https://www.facebook.com/andalpost", ""),
    ],
)
def test_facebook_media_id(href: str, media_id: str) -> None:
    from urllib.parse import quote

    iframe = f'<iframe src="https://www.facebook.com/plugins/post.php?href={quote(href, safe="")}"></iframe>'
    (embed,) = _parse(iframe)
    assert isinstance(embed, Embed)
    assert (embed.provider, embed.url, embed.media_id) == ("facebook", href, media_id)


def test_facebook_sdk_markup_is_an_embed() -> None:
    body = _parse(
        '<div class="fb-post" data-href="https://www.facebook.com/andalpost/posts/123456" data-width="500">'
        '<blockquote cite="https://www.facebook.com/andalpost/posts/123456" class="fb-xfbml-parse-ignore">'
        "Teks unggahan</blockquote></div>"
        '<div class="fb-video" data-href="https://evil.example.org/videos/1"><p>Bukan Facebook</p></div>'
    )
    assert body == (
        Embed("facebook", "https://www.facebook.com/andalpost/posts/123456", "123456", "Teks unggahan"),
        Paragraph((Text("Bukan Facebook"),)),
    )


def test_new_fields_round_trip_and_old_json_still_loads() -> None:
    body = (
        Figure(Image(f"{BASE}/a.jpg"), "C", "K", f"{BASE}/b.jpg"),
        Video(f"{BASE}/v.mp4", caption="V", credit="K"),
        Audio(f"{BASE}/a.mp3", caption="A", credit="K"),
        Embed("facebook", "https://www.facebook.com/x/posts/1", "1", caption="E", credit="K"),
    )
    assert body_from_json(body_to_json(body)) == body
    old = [
        {"@": "Audio", "src": f"{BASE}/a.mp3"},
        {
            "@": "Figure",
            "image": body_to_json((Image("https://x.org/i.jpg"),))[0],
            "caption": "",
            "credit": "",
        },
    ]
    assert body_from_json(old) == (Audio(f"{BASE}/a.mp3"), Figure(Image("https://x.org/i.jpg")))
