"""docs/configuration.md, written from the config schema (core/config_schema.py): every table
and key of a site config, its type, default and meaning. A test keeps the file in step."""

from __future__ import annotations

from typing import Any

from warta.core.config_schema import REQUIRED, SCHEMA, TYPE_NAMES


def _shown(value: Any) -> str:
    if value is REQUIRED:
        return "**required**"
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, list):
        return "`[" + ", ".join(f'"{v}"' if isinstance(v, str) else str(v) for v in value) + "]`"
    if isinstance(value, int):
        return f"`{value:_}`" if value >= 10_000 else f"`{value}`"
    return f"`{value}`"


def reference_markdown() -> str:
    """docs/configuration.md: every table and key of a site config."""
    lines = [
        "# Site configuration reference",
        "",
        "<!-- Generated from functions/warta/core/config_schema.py by `warta config reference`;",
        "     tests/test_config_schema.py fails when this file and the schema disagree. -->",
        "",
        "A site config is a TOML file (`--config FILE`, or every `*.toml` under the deployment's",
        "`SiteConfigPrefix` on AWS). Unknown tables and keys are refused, naming the nearest known",
        "one; every missing required key is listed at once. `warta config check FILE...` checks",
        "files without publishing. examples/andalpost/site.toml is a complete, commented example.",
        "",
        "Table names in angle brackets are your own names (`[feeds.home]`, `[profiles.msn]`).",
    ]
    for table in SCHEMA:
        title = f"[[{table.path}]]" if table.many else f"[{table.path}]"
        lines += ["", f"## `{title}`" + (" (required)" if table.required else ""), "", table.doc]
        if table.free:
            lines += ["", f"Keys are your own: {table.free_doc} ({TYPE_NAMES[table.free]})."]
            if table.required_keys:
                lines += ["Required keys: " + ", ".join(f"`{name}`" for name in table.required_keys) + "."]
        if table.keys:
            lines += ["", "| key | type | default | meaning |", "| --- | --- | --- | --- |"]
            for key in table.keys:
                meaning = key.doc
                if key.choices:
                    meaning += " One of: " + ", ".join(f"`{c}`" for c in key.choices) + "."
                if key.example is not None:
                    meaning += f" Example: {_shown(key.example)}."
                lines.append(f"| `{key.name}` | {TYPE_NAMES[key.type]} | {_shown(key.default)} | {meaning} |")
    return "\n".join(lines) + "\n"
