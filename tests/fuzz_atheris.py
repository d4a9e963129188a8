"""Coverage-guided fuzzing with atheris: the event parser, the body model and every renderer.

    python tests/fuzz_atheris.py -runs=20000 -seed=1          (`make fuzz` runs this)

The hypothesis suite (tests/test_fuzz_pipeline.py) draws events from a grammar; atheris mutates
bytes towards code the grammar never reaches. An input that raises anything but a clean
`EventRejected`, or gives an output with a script, an event handler, an unsafe URL, a form, a
foreign style or an XML-illegal character, ends the run with a non-zero exit and the input
saved under `-artifact_prefix`. `tests/test_fuzz_atheris.py` runs a short run in `make test`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import atheris

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))

with atheris.instrument_imports(include=["warta"]):
    from warta.core.articles import Article
    from warta.core.body import build_body
    from warta.core.config import load_site
    from warta.core.events import EventRejected, parse_event, state_from_event
    from warta.core.render.amp import render_amp_page
    from warta.core.render.rss import render_rss
    from warta.core.render.sitemaps import render_news_sitemap
    from warta.core.views import FeedView

from support.output_safety import HOSTILE_FRAGMENTS, assert_clean_html, assert_clean_xml  # noqa: E402

SITE = load_site(TESTS.parent / "examples" / "andalpost" / "site.toml")
# A string no output may hold, planted by a test to show the checks see every output.
FORBIDDEN = os.environ.get("WARTA_FUZZ_FORBID", "").encode()
RAW_EVENT_BYTES = 2_000


def hostile_text(fdp: atheris.FuzzedDataProvider, parts: int) -> str:
    """Known-bad HTML fragments and arbitrary Unicode (lone surrogates too), interleaved."""
    text = []
    for _ in range(fdp.ConsumeIntInRange(0, parts)):
        if fdp.ConsumeBool():
            text.append(HOSTILE_FRAGMENTS[fdp.ConsumeIntInRange(0, len(HOSTILE_FRAGMENTS) - 1)])
        else:
            text.append(fdp.ConsumeUnicode(fdp.ConsumeIntInRange(0, 40)))
    return "".join(text)


def hostile_event(fdp: atheris.FuzzedDataProvider) -> dict[str, Any]:
    article: dict[str, Any] = {
        "id": "fuzz-1",
        "revision": fdp.ConsumeIntInRange(1, 10**6),
        "url": "https://www.andalpost.com/nasional/fuzz-" + str(fdp.ConsumeIntInRange(0, 10**6)),
        "title": hostile_text(fdp, 4) or "judul",
        "summary": hostile_text(fdp, 4),
        "section": {"id": "nasional", "name": hostile_text(fdp, 2) or "Nasional"},
        "tags": [t for t in (hostile_text(fdp, 2) for _ in range(fdp.ConsumeIntInRange(0, 4))) if t],
        "authors": [{"name": hostile_text(fdp, 2) or "Redaksi"}],
        "published_at": "2023-09-10T19:40:00+07:00",
        "image": {
            "url": "https://www.andalpost.com/a.jpg?x=1&y=%3C2%3E",
            "alt": hostile_text(fdp, 2),
            "caption": hostile_text(fdp, 2),
            "credit": hostile_text(fdp, 2),
        },
        "pages": [hostile_text(fdp, 12) or "<p>x</p>" for _ in range(fdp.ConsumeIntInRange(1, 3))],
        "access": "subscriber" if fdp.ConsumeBool() else "free",
    }
    return {
        "spec_version": "1",
        "event_id": "fuzz",
        "type": "article.published",
        "occurred_at": "2023-09-10T19:40:00+07:00",
        "article": article,
    }


def check_output(document: bytes, clean: Any) -> None:
    clean(document)
    assert not FORBIDDEN or FORBIDDEN not in document, f"planted string in output: {FORBIDDEN!r}"


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    if fdp.ConsumeIntInRange(0, 3) == 0:  # raw bytes as a whole event
        try:
            parse_event(fdp.ConsumeBytes(RAW_EVENT_BYTES))
        except EventRejected as exc:
            assert exc.field and exc.reason, exc
        return
    try:
        state = state_from_event(parse_event(json.dumps(hostile_event(fdp))), SITE, build_body)
    except EventRejected as exc:
        assert exc.field and exc.reason, exc
        return
    assert isinstance(state, Article)
    check_output(render_amp_page(state, SITE), assert_clean_html)
    view = FeedView("feed/index.xml", SITE.name, f"{SITE.base_url}/", SITE.description, 5)
    check_output(render_rss(view, [state], SITE), assert_clean_xml)
    check_output(render_news_sitemap([state], SITE), assert_clean_xml)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
