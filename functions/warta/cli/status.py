"""`warta status`: the status report (`warta.status.report`) of a directory and its state.

Written to a file outside the public tree, and rendered on request by `warta serve` at /_status.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from warta.adapters.directory_store import DirectoryStore
from warta.adapters.sqlite_ops import OpsLog
from warta.core.config import load_deployment
from warta.status.report import StatusReport, collect_status, render_status_html
from warta.status.text import render_status_text


def status_page(config: list[Path], out: Path, state: Path, now: datetime | None = None) -> bytes:
    """The page, gathered now from the tree and the state directory."""
    return render_status_html(_collect(config, out, state, now))


def _collect(config: list[Path], out: Path, state: Path, now: datetime | None) -> StatusReport:
    from warta.adapters.local_stack import INDEX_FILE

    deployment = load_deployment(config)
    index_file = state / INDEX_FILE
    ops = OpsLog(index_file) if index_file.is_file() else None
    quarantined = []
    if index_file.is_file():
        from warta.adapters.sqlite_index import SqliteIndex

        index = SqliteIndex(index_file)
        try:
            quarantined = index.quarantined()
        finally:
            index.close()
    try:
        store = DirectoryStore(out, meta_root=state / "objects")
        report = collect_status(deployment, store, ops, now or datetime.now(UTC), str(out), quarantined)
    finally:
        if ops is not None:
            ops.close()
    return report


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser(
        "status", parents=[common], help="print a status summary, or write the HTML status report"
    )
    parser.add_argument(
        "--report",
        default=None,
        metavar="FILE",
        help="write the HTML report there (never inside --out); without it, print a summary",
    )
    parser.set_defaults(run=cmd_status)


def cmd_status(args: argparse.Namespace) -> int:
    out = Path(args.out).resolve()
    if args.report is None:
        if not out.is_dir():
            print(f"warta status: --out {out}: no such directory", file=sys.stderr)
            return 1
        configs = [Path(p) for p in args.config]
        print(render_status_text(_collect(configs, out, Path(args.state), args.now)), end="")
        return 0
    report = Path(args.report).resolve()
    if out in report.parents:
        print(
            f"warta status: --report {report} lies inside --out {out}: it must not be served", file=sys.stderr
        )
        return 1
    if not out.is_dir():
        print(f"warta status: --out {out}: no such directory", file=sys.stderr)
        return 1
    page = status_page([Path(p) for p in args.config], out, Path(args.state), args.now)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_bytes(page)
    print(f"status report written to {report}")
    return 0
