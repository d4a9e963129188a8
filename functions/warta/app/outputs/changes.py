"""What rendering an output asks of the object store."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Put:
    path: str
    body: bytes
    content_type: str
    cache_policy: str  # a key of the site config's [cache_control] table


@dataclass(frozen=True, slots=True)
class Delete:
    path: str


Change = Put | Delete
