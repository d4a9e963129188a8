"""Raw event bytes → JSON values, with every way JSON can hurt a parser turned into a rejection.

`json.loads` alone lets through what later code cannot hold: integers past Python's
int-from-string limit (ValueError), nesting past the recursion limit (RecursionError), NaN and
Infinity (not JSON), duplicate keys (two parsers, two answers), a byte-order mark, lone UTF-16
surrogates. Each of these is an `EventRejected` here, naming what it can.
"""

from __future__ import annotations

import json
from typing import Any

from warta.core.event_errors import EventRejected

# The contract's largest integer is a revision: at most 2^53 - 1 (16 digits). A longer run of
# digits is kept as a marker the schema rejects by name ("is not of type 'integer'") instead of
# being converted (Python refuses past 4,300 digits; DynamoDB numbers hold 38).
INTEGER_DIGITS_LIMIT = 20
UTF8_BOM = b"\xef\xbb\xbf"


class OversizedNumber(float):
    """A number with too many digits to be any field of the contract; never an integer."""

    digits: int

    def __new__(cls, digits: int) -> OversizedNumber:
        number = super().__new__(cls, "inf")
        number.digits = digits
        return number

    def __repr__(self) -> str:
        return f"<a number of {self.digits} digits>"


def _integer(text: str) -> int | float:
    digits = len(text.lstrip("-"))
    return int(text) if digits <= INTEGER_DIGITS_LIMIT else OversizedNumber(digits)


def _constant(name: str) -> Any:
    raise EventRejected("(event)", f"{name} is not a JSON value (RFC 8259 has no NaN or Infinity)")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise EventRejected("(event)", f"key {key[:60]!r} appears twice in one object")
        result[key] = value
    return result


def decode_event(raw: bytes | str) -> Any:
    """The JSON value of an event's bytes (UTF-8, an optional BOM) or text."""
    if isinstance(raw, bytes):
        try:
            text = raw.removeprefix(UTF8_BOM).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise EventRejected("(event)", f"not UTF-8 (byte {exc.start})") from None
    else:
        text = raw.removeprefix("\ufeff")
    try:
        return json.loads(text, parse_int=_integer, parse_constant=_constant, object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        raise EventRejected(
            "(event)", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise EventRejected("(event)", "nested deeper than any event can be") from None


def surrogate_path(value: Any, path: str = "") -> str | None:
    """The field of the first string (or key) holding a lone UTF-16 surrogate, if any."""
    if isinstance(value, str):
        return path or "(event)" if any("\ud800" <= c <= "\udfff" for c in value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            field = f"{path}/{key}" if path else str(key)
            if surrogate_path(key) is not None:
                return path or "(event)"
            found = surrogate_path(item, field)
            if found:
                return found
    if isinstance(value, list):
        for number, item in enumerate(value):
            found = surrogate_path(item, f"{path}/{number}" if path else str(number))
            if found:
                return found
    return None
