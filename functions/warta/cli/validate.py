"""`warta validate`: check every output of a tree and exit non-zero naming what is wrong.

Exit 0 when every check passed, 2 when any failed (the report names each file and reason),
1 on an internal error; a site config that does not load is refused with 2 before any check.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # warta's modules load when a command runs: `warta --help` stays quick
    from warta.core.ports import ObjectStore

EXIT_OK, EXIT_INTERNAL, EXIT_INVALID = 0, 1, 2


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser(
        "validate",
        parents=[common],
        help="check every output: XML, sitemap schemas, feeds, AMP, and against the index",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--bucket",
        metavar="NAME[/PREFIX]",
        help="check an S3 bucket (AWS credentials from the environment) instead of --out",
    )
    parser.add_argument("--no-amp", action="store_true", help="skip the AMP validator (faster)")
    parser.set_defaults(run=cmd_validate)


def _tree(args: argparse.Namespace) -> ObjectStore:
    if args.bucket:
        import boto3

        from warta.adapters.s3_store import S3Store

        bucket, _, prefix = args.bucket.partition("/")
        return S3Store(boto3.client("s3"), bucket, prefix.strip("/") + "/" if prefix.strip("/") else "")
    from warta.adapters.directory_store import DirectoryStore

    out = Path(args.out)
    if not out.is_dir():
        raise FileNotFoundError(f"--out {out}: no such directory")
    return DirectoryStore(out, meta_root=Path(args.state) / "objects")


def cmd_validate(args: argparse.Namespace) -> int:
    from warta.adapters.local_stack import INDEX_FILE
    from warta.adapters.sqlite_index import SqliteIndex
    from warta.adapters.sqlite_ops import OpsLog
    from warta.cli.progress import Progress
    from warta.cli.run_hooks import progress_mode
    from warta.core.config import load_deployment
    from warta.validate import validate_outputs
    from warta.validate.amp_checks import find_amp_validator

    deployment = load_deployment([Path(p) for p in args.config])
    try:
        tree = _tree(args)
    except FileNotFoundError as exc:
        print(f"warta validate: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    index_file = Path(args.state) / INDEX_FILE
    index = ops = None
    if index_file.is_file():
        index, ops = SqliteIndex(index_file), OpsLog(index_file)
    mode = progress_mode(args.progress, getattr(logging, args.log_level))
    progress = Progress("validate", mode=mode)
    try:
        report, _ = validate_outputs(
            deployment,
            tree,
            now=args.now,
            index=index,
            takedowns={site: ops.takedowns(site) for site in deployment.sites} if ops else None,
            amp=None if args.no_amp else find_amp_validator(),
            on_start=progress.set_total,
            on_file=progress.advance,
        )
    finally:
        progress.close()
        for closable in (index, ops):
            if closable is not None:
                closable.close()
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(report.to_text())
    return EXIT_OK if report.ok else EXIT_INVALID
