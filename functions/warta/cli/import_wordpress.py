"""`warta import wordpress EXPORT.xml`: a WordPress archive published as `warta publish` would."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from warta.app.ingest import EventOutcome
from warta.core.wordpress import PUBLIC_STATUSES, MappingSettings, map_post


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    importer = sub.add_parser("import", help="publish an archive exported from a CMS")
    sources = importer.add_subparsers(dest="source", required=True)
    wordpress = sources.add_parser(
        "wordpress", parents=[common], help="a WordPress export (Tools -> Export, WXR)"
    )
    wordpress.add_argument("export", metavar="EXPORT.xml", help="the WXR file WordPress wrote")
    wordpress.add_argument(
        "--default-section",
        metavar="ID",
        default=None,
        help="section of a post none of whose categories is a site section (default: report and skip it)",
    )
    wordpress.add_argument(
        "--post-type",
        action="append",
        default=None,
        metavar="TYPE",
        help="post type to publish; repeat for several (default: post)",
    )
    wordpress.add_argument(
        "--dry-run", action="store_true", help="print the events as JSON lines on stdout; publish nothing"
    )
    wordpress.add_argument(
        "--no-ping", action="store_true", help="send no WebSub, IndexNow or AMP cache ping"
    )
    wordpress.set_defaults(run=cmd_import_wordpress, command="import")


def cmd_import_wordpress(args: argparse.Namespace) -> int:
    from warta.adapters.wxr_reader import read_posts, read_references
    from warta.cli import main as cli

    export = Path(args.export)
    if not export.is_file():
        print(f"warta: {export}: no such export file", file=sys.stderr)
        return cli.EXIT_REJECTED
    if args.dry_run:
        from warta.core.config import load_deployment

        deployment = load_deployment([Path(p) for p in args.config])
        stack = None
    else:
        stack = cli._open_stack(args)
        deployment = stack.deployment
    site = deployment.site(None)
    assert site is not None  # load_deployment refuses a deployment without sites
    if args.default_section is not None and args.default_section not in site.sections:
        print(
            f"warta: --default-section: {args.default_section!r} is not a section of {site.id}",
            file=sys.stderr,
        )
        return cli.EXIT_REJECTED
    settings = MappingSettings(site.sections, args.default_section, tuple(args.post_type or ["post"]))
    skipped: Counter[str] = Counter()
    outcomes: list[EventOutcome] = []
    observer = cli._observer(args, stack) if stack is not None else None
    if observer is not None:
        observer.start("posts", None)
    from warta.app.ingest import ingest_recorded
    from warta.core.body import build_body

    for post in read_posts(export, read_references(export)):
        source = f"{export.name}:post {post['ID']}"
        if post["post_type"] not in settings.post_types:
            skipped[f"post type {post['post_type']}"] += 1
            continue
        if post["post_status"] not in PUBLIC_STATUSES or post["post_password"]:
            skipped["password-protected" if post["post_password"] else f"status {post['post_status']}"] += 1
            continue
        mapped = map_post(post, settings)
        if mapped.event is None:
            outcomes.append(EventOutcome(source, "rejected", reason=mapped.reason or ""))
            continue
        if stack is None or observer is None:
            print(json.dumps(mapped.event, ensure_ascii=False))
            continue
        started = time.perf_counter()
        outcome = ingest_recorded(
            json.dumps(mapped.event).encode(),
            source,
            deployment=deployment,
            index=observer.index,
            queue=stack.index,
            records=observer.ops,
            now=args.now,
            build_body=build_body,
        )
        observer.event(outcome, started)
        outcomes.append(outcome)
    out = sys.stderr if stack is None else sys.stdout  # stdout carries only the events in a dry run
    if skipped:
        print("skipped: " + ", ".join(f"{n} {why}" for why, n in sorted(skipped.items())), file=out)
    if stack is None or observer is None:
        for outcome in outcomes:
            print(f"  rejected {outcome.source}: {outcome.reason}", file=out)
    else:
        report = cli._render(stack, args.now, observer)
        observer.finish(outcomes, report)
        cli._print_summary(outcomes, report)
        cli._notify(stack, report, args)
    return cli.EXIT_REJECTED if any(o.status == "rejected" for o in outcomes) else cli.EXIT_OK
