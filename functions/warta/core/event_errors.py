"""The one error an event can cause: a rejection naming the field and the reason."""

from __future__ import annotations

from collections.abc import Sequence

# A rejection's message is logged, answered to the webhook's caller, stored in the operator log
# and shown on the status page: a 3 MB title must not be echoed into all of them.
QUOTED_CHARS_LIMIT = 300
FIELD_CHARS_LIMIT = 120
OTHER_ERRORS_LIMIT = 20  # further schema errors named beside the first; the rest are counted


def _capped(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


class EventRejected(ValueError):
    """An event that breaks the contract or a rule of its site. It changes nothing.

    `field` and `reason` are the most relevant error; `others` are the rest of the event's
    schema errors as (field, reason), so one round trip to the CMS fixes them all.
    """

    def __init__(self, field: str, reason: str, others: Sequence[tuple[str, str]] = ()) -> None:
        field = _capped(field, FIELD_CHARS_LIMIT)
        reason = _capped(reason, QUOTED_CHARS_LIMIT)
        shown = [(_capped(f, FIELD_CHARS_LIMIT), _capped(r, QUOTED_CHARS_LIMIT)) for f, r in others]
        shown = shown[:OTHER_ERRORS_LIMIT]
        parts = [f"{f}: {r}" for f, r in [(field, reason), *shown]]
        if len(others) > len(shown):
            parts.append(f"and {len(others) - len(shown)} more errors")
        super().__init__("; ".join(parts))
        self.field = field
        self.reason = reason
        self.others = tuple(shown)
