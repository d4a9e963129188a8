"""`warta serve --webhook-secret-file F`: the Lambda webhook's `/_webhook`, on the local default.

Same rules and answers as handlers/webhook.py (app/webhook_rules.py); an accepted event is
published into the served tree at once (ingest, then render), one request at a time.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warta.app.webhook_rules import outcome_answer, signature_problem

WebhookReceiver = Callable[[Mapping[str, str], bytes], tuple[int, dict[str, Any]]]


def read_secret(path: Path) -> bytes:
    """The shared secret: the file's content without its trailing newline (as `echo` writes it)."""
    secret = path.read_bytes().rstrip(b"\r\n")
    if not secret:
        raise ValueError(f"--webhook-secret-file {path}: empty")
    return secret


def make_receiver(args: argparse.Namespace, secret: bytes) -> WebhookReceiver:
    lock = threading.Lock()  # one ingest and render at a time, as the render lock wants anyway

    def receive(headers: Mapping[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        problem = signature_problem(headers, body, lambda: secret, time.time())
        if problem is not None:
            return 401, {"error": problem}
        from warta.adapters.local_stack import INDEX_FILE
        from warta.adapters.sqlite_ops import OpsLog
        from warta.app.ingest import ingest_recorded
        from warta.cli.main import _open_stack, _render
        from warta.core.body import build_body

        with lock:
            stack = _open_stack(args)  # per request: SQLite connections stay in their thread
            now = datetime.now(UTC)
            ops = OpsLog(Path(args.state) / INDEX_FILE)
            try:
                outcome = ingest_recorded(
                    body,
                    "webhook:local",
                    deployment=stack.deployment,
                    index=stack.index,
                    queue=stack.index,
                    records=ops,
                    now=now,
                    build_body=build_body,
                )
            finally:
                ops.close()
            if outcome.status == "accepted":
                _render(stack, now)
        return outcome_answer(outcome)

    return receive
