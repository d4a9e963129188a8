"""The webhook's rules, shared by the Lambda (handlers/webhook.py) and `warta serve`'s `/_webhook`.

The CMS signs each request: `X-Warta-Timestamp` (Unix seconds) and
`X-Warta-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` with the shared secret.
Checks run cheapest first: size (413), signature and replay window (401), then the event itself
(400 naming the field). Pure: the caller passes the clock and the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from typing import Any

from warta.app.ingest import EventOutcome

SIGNATURE_HEADER = "x-warta-signature"
TIMESTAMP_HEADER = "x-warta-timestamp"
SIGNATURE_SCHEME = "sha256="
REPLAY_WINDOW_SECONDS = 5 * 60
# Unix seconds in ASCII digits only: int() would also take " 17", "+17", "1_7" and Arabic-Indic
# or fullwidth digits, and the signature covers the header's bytes, not the number.
TIMESTAMP_FORMAT = re.compile(r"[0-9]{1,12}")
# A synchronous Lambda invocation carries at most 6 MB of request (Lambda quotas); a body may
# reach 2 MB a page, so the default leaves room for a long article without nearing the cap.
DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024


def signature_for(secret: bytes, timestamp: str, body: bytes) -> str:
    """The signature header value a sender computes (see infra/README.md for curl)."""
    digest = hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return SIGNATURE_SCHEME + digest


def signature_problem(
    headers: Mapping[str, str], body: bytes, secret: Callable[[], bytes], now_seconds: float
) -> str | None:
    """Why a request is refused with 401, or None; `headers` keyed in lower case. The secret is
    fetched only for a request inside the window (the Lambda reads it from SSM)."""
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    signature = headers.get(SIGNATURE_HEADER, "")
    if not timestamp or not signature:
        return "missing signature or timestamp header"
    if not TIMESTAMP_FORMAT.fullmatch(timestamp):
        return "timestamp is not Unix seconds (ASCII digits)"
    sent_at = int(timestamp)
    if abs(now_seconds - sent_at) > REPLAY_WINDOW_SECONDS:
        return "timestamp outside the replay window"
    if not hmac.compare_digest(signature.encode("utf-8"), signature_for(secret(), timestamp, body).encode()):
        return "signature does not match"
    return None


def too_large_answer(max_body_bytes: int) -> tuple[int, dict[str, Any]]:
    return 413, {"error": f"body over {max_body_bytes} bytes"}


def outcome_answer(outcome: EventOutcome) -> tuple[int, dict[str, Any]]:
    """The status and JSON body for an ingested event: 400 naming the field, 202 new, 200 stale."""
    if outcome.status == "rejected":
        return 400, {"error": outcome.reason, "field": outcome.reason.split(": ", 1)[0]}
    payload = {"status": outcome.status, "event_id": outcome.event_id, "revision": outcome.revision}
    return (202 if outcome.status == "accepted" else 200), payload
