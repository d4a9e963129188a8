"""The one error an event can cause: a rejection naming the field and the reason."""

from __future__ import annotations

# A rejection's message is logged, answered to the webhook's caller, stored in the operator log
# and shown on the status page: a 3 MB title must not be echoed into all of them.
QUOTED_CHARS_LIMIT = 300
FIELD_CHARS_LIMIT = 120


def _capped(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


class EventRejected(ValueError):
    """An event that breaks the contract or a rule of its site. It changes nothing."""

    def __init__(self, field: str, reason: str) -> None:
        field = _capped(field, FIELD_CHARS_LIMIT)
        reason = _capped(reason, QUOTED_CHARS_LIMIT)
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
