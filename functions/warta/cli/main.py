"""`warta`: publish, rebuild and serve on the local default (a directory and a SQLite file)."""

from __future__ import annotations

import argparse
import importlib.metadata
import logging
import os
import sys
import time
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from warta.adapters.local_stack import LocalStack, open_local_stack
from warta.app.ingest import EventOutcome
from warta.app.render import RenderReport
from warta.app.render_workers import start_fork_server, wants_workers, worker_count
from warta.cli import config_cmd as config_cli
from warta.cli import import_wordpress as import_cli
from warta.cli import status as status_cli
from warta.cli import validate as validate_cli
from warta.core.config import ConfigError

if TYPE_CHECKING:
    from warta.cli.run_hooks import RunObserver

EXIT_OK, EXIT_INTERNAL, EXIT_REJECTED = 0, 1, 2


class InputMissing(Exception):
    """An input the person named does not exist or cannot be read: exit 2, nothing changed."""


def _check_event_specs(specs: list[str]) -> None:
    """Every named event file or directory is readable, before anything is published."""
    for spec in specs:
        if spec == "-":
            continue
        path = Path(spec)
        if not path.exists():
            raise InputMissing(f"event file {spec}: no such file or directory")
        if path.is_file() and not os.access(path, os.R_OK):
            raise InputMissing(f"event file {spec}: not readable")


def _parse_now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--now: {value!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"--now: {value!r} has no UTC offset")
    return moment


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of at least 1")
    return number


def _open_stack(args: argparse.Namespace) -> LocalStack:
    return open_local_stack([Path(p) for p in args.config], Path(args.out), Path(args.state))


def _event_sources(specs: list[str]) -> Iterator[tuple[str, bytes]]:
    """(source name, raw event) for each file, each *.json of a directory, each stdin line."""
    for spec in specs:
        if spec == "-":
            for number, line in enumerate(sys.stdin.buffer, start=1):
                if line.strip():
                    yield f"stdin:{number}", line
            continue
        path = Path(spec)
        files = sorted(path.glob("*.json")) if path.is_dir() else [path]
        for file in files:
            yield str(file), file.read_bytes()


def _print_summary(outcomes: list[EventOutcome], report: RenderReport) -> None:
    count = {s: sum(1 for o in outcomes if o.status == s) for s in ("accepted", "stale", "rejected")}
    print(
        f"events: {count['accepted']} accepted, {count['stale']} ignored as stale,"
        f" {count['rejected']} rejected"
    )
    for outcome in outcomes:
        if outcome.status == "rejected":
            print(f"  rejected {outcome.source}: {outcome.reason}")
    print(
        f"outputs: {report.count('written')} written, {report.count('unchanged')} unchanged,"
        f" {report.count('deleted')} deleted"
    )
    for kind in sorted({kind for kind, _ in report.outcomes}):
        parts = ", ".join(
            f"{report.outcomes[(kind, o)]} {o}"
            for o in ("written", "unchanged", "deleted")
            if report.outcomes[(kind, o)]
        )
        print(f"  {kind}: {parts}")
    if report.quarantined:
        print(f"quarantined: {len(report.quarantined)} outputs not rendered or written (retried later):")
        for key, reason in report.quarantined:
            print(f"  {key.kind} {key.name or '(site-wide)'}: {reason}")


def _render(
    stack: LocalStack, now: datetime, observer: RunObserver | None = None, workers: int = 1
) -> RenderReport:
    from warta.app.render import render_pending

    with stack.render_lock():
        return render_pending(
            deployment=stack.deployment,
            index=stack.index,
            queue=stack.index,
            store=stack.store,
            now=now,
            on_output=observer.output if observer is not None else None,
            on_plan=observer.start_render if observer is not None else None,
            render_workers=workers,
            open_worker=stack.worker_stores(),
        )


def _observer(args: argparse.Namespace, stack: LocalStack) -> RunObserver:
    from warta.cli.run_hooks import RunObserver, progress_mode

    mode = progress_mode(args.progress, getattr(logging, args.log_level))
    return RunObserver(args.command, stack.index, Path(args.state).resolve(), mode, args.now)


def _event_count(specs: list[str]) -> int | None:
    """How many events `_event_sources` will give, None when stdin is among them."""
    if "-" in specs:
        return None
    return sum(len(list(Path(s).glob("*.json"))) if Path(s).is_dir() else 1 for s in specs)


def _refuse_empty_index(stack: LocalStack, args: argparse.Namespace) -> str | None:
    """Why this run must not go on (an empty or new index beside a published tree), or None."""
    from warta.app.sweep import EmptyIndexError, check_index_matches_tree

    if args.new_index:
        return None
    try:
        check_index_matches_tree(stack.deployment, stack.index, stack.store)
    except EmptyIndexError as exc:
        return f"warta: refused: {exc} (--state {args.state}, --out {args.out})"
    return None


def cmd_publish(args: argparse.Namespace) -> int:
    from warta.app.ingest import ingest_recorded
    from warta.core.body import build_body

    _check_event_specs(args.events)
    stack = _open_stack(args)
    refusal = _refuse_empty_index(stack, args)
    if refusal:
        print(refusal, file=sys.stderr)
        return EXIT_REJECTED
    observer = _observer(args, stack)
    observer.start("events", _event_count(args.events))
    outcomes = []
    for source, raw in _event_sources(args.events):
        started = time.perf_counter()
        outcome = ingest_recorded(
            raw,
            source,
            deployment=stack.deployment,
            index=observer.index,
            queue=stack.index,
            records=observer.ops,
            now=args.now,
            build_body=build_body,
        )
        observer.event(outcome, started)
        outcomes.append(outcome)
    report = _render(stack, args.now, observer)
    observer.finish(outcomes, report)
    _print_summary(outcomes, report)
    _notify(stack, report, args)
    return EXIT_REJECTED if any(o.status == "rejected" for o in outcomes) else EXIT_OK


def _notify(stack: LocalStack, report: RenderReport, args: argparse.Namespace) -> None:
    """WebSub, IndexNow and AMP cache pings for what changed, as configured; failures never fail
    the run. AMP cache flushes are signed with the key file the site config names."""
    if args.no_ping:
        return
    from warta.adapters.amp_cache_keys import file_signer
    from warta.adapters.http_ping import HttpPinger
    from warta.app.notify import notify_after_render

    result = notify_after_render(report, stack.deployment, HttpPinger(), file_signer)
    if result.sent or result.failed:
        print(f"pings: {len(result.sent)} sent, {len(result.failed)} failed (see the log)")


def cmd_rebuild(args: argparse.Namespace) -> int:
    from warta.app.rebuild import queue_everything
    from warta.app.sweep import sweep_site

    if args.now_given and args.now > datetime.now(UTC):
        # A rebuild "as of" a future time would publish embargoed articles that nothing takes
        # back when the real clock catches up: only publish may look ahead (for demos, tests).
        print(
            f"warta: refused: rebuild --now {args.now.isoformat()} is ahead of the real clock;"
            " a rebuild would expose scheduled articles early. Leave --now out (or give a past time).",
            file=sys.stderr,
        )
        return EXIT_REJECTED
    stack = _open_stack(args)
    refusal = _refuse_empty_index(stack, args)
    if refusal:
        print(refusal, file=sys.stderr)
        return EXIT_REJECTED
    if args.dry_run:
        with stack.render_lock():
            for site_id in stack.deployment.sites:
                result = sweep_site(
                    stack.deployment,
                    site_id,
                    stack.index,
                    stack.store,
                    args.now,
                    dry_run=True,
                    on_stray=lambda path: print(f"stray {path}"),
                    new_index=args.new_index,
                )
                print(f"{site_id}: {result.removed} stray files would be removed")
        return EXIT_OK
    queued = queue_everything(stack.deployment, stack.index, stack.index, args.now)
    if wants_workers(args.workers, queued):  # an upper bound of the pages: the render decides
        start_fork_server()  # its imports run while this takes and orders the queued outputs
    observer = _observer(args, stack)
    report = _render(stack, args.now, observer, workers=args.workers)
    removed = 0
    with stack.render_lock():
        for site_id in stack.deployment.sites:
            result = sweep_site(
                stack.deployment, site_id, stack.index, stack.store, args.now, new_index=args.new_index
            )
            for path in result.paths:
                logging.getLogger("warta.sweep").info("stray removed", extra={"path": path})
            removed += result.removed
            report.outcomes[("stray", "deleted")] += result.removed
            report.changed_paths += result.paths
    observer.finish([], report)
    _print_summary([], report)
    print(f"swept: {removed} stray files removed")
    _notify(stack, report, args)
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from warta.cli.gone import gone_checker
    from warta.cli.serve import StatusUnavailable, serve
    from warta.cli.status import status_page

    out = Path(args.out).resolve()
    state = Path(args.state).resolve()
    configs = [Path(p) for p in args.config]
    from warta.cli.serve_guard import foreign_metadata

    refusal = foreign_metadata(out, state / "objects")
    if refusal is not None:
        print(f"warta serve: {refusal}", file=sys.stderr)
        return EXIT_REJECTED
    webhook = None
    if args.webhook_secret_file is not None:
        from warta.cli.serve_webhook import make_receiver, read_secret

        try:
            secret = read_secret(Path(args.webhook_secret_file))
        except (OSError, ValueError) as exc:
            print(f"warta: --webhook-secret-file: {exc}", file=sys.stderr)
            return EXIT_REJECTED
        webhook = make_receiver(args, secret)

    def status() -> bytes:
        try:
            return status_page(configs, out, state)
        except ConfigError as exc:
            raise StatusUnavailable(f"{exc} (start warta serve with --config FILE)") from None

    def is_gone(path: str) -> bool:
        try:
            return gone_checker(configs, state)(path)
        except ConfigError:
            return False  # without a site config no takedown is known; files are still served

    serve(out, state / "objects", args.port, status, webhook, is_gone)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="warta", description=__doc__)
    parser.add_argument("--version", action="version", version=f"warta {importlib.metadata.version('warta')}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        action="append",
        default=None,
        metavar="FILE",
        help="site config TOML; repeat for several sites, the first is the default (default: ./site.toml)",
    )
    common.add_argument(
        "--out", default="public", metavar="DIR", help="the public output tree (default: ./public)"
    )
    common.add_argument(
        "--state",
        default=".warta",
        metavar="DIR",
        help="private state: the article index (default: ./.warta)",
    )
    common.add_argument(
        "--now",
        type=_parse_now,
        default=None,
        metavar="TIME",
        help="the clock, ISO 8601 with offset (default: the real time)",
    )
    common.add_argument(
        "--log-level",
        default="WARNING",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="structured JSON logs on stderr at this level (default: WARNING)",
    )
    common.add_argument(
        "--progress",
        default="auto",
        choices=["auto", "bar", "lines", "off"],
        help="progress on stderr: a bar on a terminal, periodic lines otherwise (default: auto)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    publish = sub.add_parser("publish", parents=[common], help="publish events")
    publish.add_argument(
        "events",
        nargs="+",
        metavar="EVENT",
        help="a JSON file, a directory of *.json (name order) or - (JSON lines)",
    )
    publish.set_defaults(run=cmd_publish)
    rebuild = sub.add_parser("rebuild", parents=[common], help="render every output again")
    rebuild.set_defaults(run=cmd_rebuild)
    rebuild.add_argument(
        "--dry-run",
        action="store_true",
        help="render and delete nothing: list the stray files a rebuild would remove",
    )
    rebuild.add_argument(
        "--workers",
        type=_positive,
        default=worker_count(),
        help="processes that render the AMP pages (default: the cores this may run on)",
    )
    for command in (publish, rebuild):
        command.add_argument(
            "--no-ping",
            action="store_true",
            help="send no WebSub, IndexNow or AMP cache ping, whatever the site config says",
        )
        command.add_argument(
            "--new-index",
            action="store_true",
            help="go on although the index holds nothing of a site whose tree holds outputs",
        )
    serve = sub.add_parser("serve", parents=[common], help="serve the output tree on 127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--webhook-secret-file",
        metavar="FILE",
        default=None,
        help="take signed CMS events at POST /_webhook, as the Lambda webhook does (secret in FILE)",
    )
    serve.set_defaults(run=cmd_serve)
    validate_cli.add_parser(sub, common)
    status_cli.add_parser(sub, common)
    import_cli.add_parser(sub, common)
    config_cli.add_parser(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.config = args.config or ["site.toml"]
    args.now_given = args.now is not None
    if args.now is None:
        args.now = datetime.now(UTC)
    from warta.observability import configure_logging

    configure_logging(getattr(logging, args.log_level))
    try:
        code: int = args.run(args)  # the subcommand's function (`set_defaults(run=...)`)
        return code
    except InputMissing as exc:
        print(f"warta: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    except ConfigError as exc:
        # The operator's input, like a bad event: exit 2, nothing published.
        print(f"warta: configuration error: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    except Exception:
        traceback.print_exc()
        print("warta: internal error (see above); nothing half-written was served", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
