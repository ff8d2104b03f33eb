"""Moved: conflicts live in the store (agentdesk.store.conflicts). These names stay importable
here for the conflicts screen until it reads them through the desk layer."""

from __future__ import annotations

from agentdesk.store.conflicts import (
    Conflict,
    ConflictError,
    Resolution,
    list_conflicts,
    open_fields,
    record_conflict,
    resolve,
)

__all__ = [
    "Conflict",
    "ConflictError",
    "Resolution",
    "list_conflicts",
    "open_fields",
    "record_conflict",
    "resolve",
]
