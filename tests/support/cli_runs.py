"""`warta publish` as a person runs it, for tests that judge exit codes, summaries and trees."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from warta.cli.main import main

EXAMPLE_SITE = Path(__file__).resolve().parents[2] / "examples" / "andalpost" / "site.toml"


def publish_events(tmp: Path, now: str, events: Sequence[dict[str, Any]]) -> tuple[int, str]:
    """Write the events as files of a new folder under `tmp` and publish them into
    `tmp/public` with the index in `tmp/state`; the exit code and what was printed."""
    folder = tmp / f"events-{len(list(tmp.glob('events-*')))}"
    folder.mkdir(parents=True)
    for number, data in enumerate(events):
        (folder / f"{number:03}.json").write_text(json.dumps(data))
    args = ["--config", str(EXAMPLE_SITE), "--out", str(tmp / "public"), "--state", str(tmp / "state")]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["publish", *args, "--now", now, str(folder)])
    return code, printed.getvalue()


def article_event(base: dict[str, Any], **article: Any) -> dict[str, Any]:
    """A copy of an event with some of its article's fields replaced."""
    data = json.loads(json.dumps(base))
    data["article"].update(article)
    return data
