"""The words renderers write, from labels.toml (shipped with the package), read once at import."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from typing import Any

_TABLE: dict[str, Any] = tomllib.loads(
    files("warta.core.render").joinpath("labels.toml").read_text(encoding="utf-8")
)

# The AMP page's words by language (primary subtag); "en" is the fallback (`amp_labels`).
AMP_LABELS: dict[str, dict[str, Any]] = _TABLE["amp"]
# Feed readers' link texts: "video", "audio", and "embeds" by provider.
FEED_LABELS: dict[str, Any] = _TABLE["feed"]


def amp_labels(language: str) -> dict[str, Any]:
    """The AMP page's words in a language ("id-ID" reads "id"); English where there are none."""
    return AMP_LABELS.get(language.split("-")[0].lower(), AMP_LABELS["en"])
