"""`warta config check FILE...` and `warta config reference`: a site config checked without
publishing, and the reference of every table and key (docs/configuration.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from warta.core.config import ConfigError, load_deployment
from warta.core.config_reference import reference_markdown

EXIT_OK, EXIT_REJECTED = 0, 2


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("config", parents=[common], help="check site configs; print the key reference")
    actions = parser.add_subparsers(dest="config_command", required=True)
    check = actions.add_parser("check", help="check site config files without publishing")
    check.add_argument(
        "files", nargs="*", metavar="FILE", help="site config TOML (default: the --config files)"
    )
    check.set_defaults(run=cmd_check)
    reference = actions.add_parser("reference", help="print the reference of every table and key (Markdown)")
    reference.set_defaults(run=cmd_reference)


def cmd_check(args: argparse.Namespace) -> int:
    files = [Path(name) for name in (args.files or args.config)]
    try:
        deployment = load_deployment(files)
    except ConfigError as exc:
        print(f"warta: configuration error: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    for site in deployment.sites.values():
        feeds = sum(len(spec.all_variants()) for spec in site.feeds)
        kinds = len(site.feeds)
        print(f"ok: site {site.id} ({len(site.sections)} sections, {kinds} feed kinds, {feeds} files each)")
    return EXIT_OK


def cmd_reference(args: argparse.Namespace) -> int:
    sys.stdout.write(reference_markdown())
    return EXIT_OK
