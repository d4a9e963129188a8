"""Issue 14, class 9: a page that kills the AMP validator fails alone, with the reason.

`warta validate` hands pages to the official validator in batches of node processes; a batch
whose process dies (a 4 MB page with 24,000 images runs it out of memory) is split until the
page that kills it stands alone, so every other page still gets its verdict.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from warta.core.body import build_body
from warta.core.config import load_site
from warta.core.events import parse_event, state_from_event
from warta.core.render.amp import render_amp_page
from warta.validate.amp_checks import AmpValidator, find_amp_validator, validate_amp_pages

from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE

SITE = load_site(EXAMPLE_SITE)
VALIDATOR = find_amp_validator()
pytestmark = pytest.mark.skipif(not isinstance(VALIDATOR, AmpValidator), reason=str(VALIDATOR))


# warta caps its own pages at 2 MiB now; a tree can still hold a bigger page (written by an
# older release, or restored by hand), and `validate` must survive it.
UNCAPPED = replace(SITE, amp=replace(SITE.amp, max_page_bytes=100_000_000))


def page(pages: list[str]) -> bytes:
    data = json.loads((EXAMPLE_EVENTS / "002-festival-layang-layang.json").read_text())
    data["article"]["pages"] = pages
    return render_amp_page(state_from_event(parse_event(json.dumps(data)), SITE, build_body), UNCAPPED)


def test_the_page_that_kills_the_validator_fails_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    image = '<p><img src="https://www.andalpost.com/i/{}.jpg" width="800" height="600"></p>'
    images = ["".join(image.format(n) for n in range(i * 12_000, (i + 1) * 12_000)) for i in range(2)]
    huge = page(images)
    assert len(huge) > 4_000_000
    small = page(["<p>Satu paragraf.</p>"])
    # The memory node gets on a small machine: the huge page exhausts it, the small one fits.
    monkeypatch.setenv("NODE_OPTIONS", "--max-old-space-size=200")
    assert isinstance(VALIDATOR, AmpValidator)
    results = validate_amp_pages(
        VALIDATOR, [("a-small.html", small), ("b-huge.html", huge), ("c-small.html", small)]
    )
    assert results["a-small.html"] == [] and results["c-small.html"] == []
    (reason,) = results["b-huge.html"]
    assert reason.startswith("the AMP validator could not check this page")
