"""Sync conflicts: the same field changed here and in the helpdesk, resolved by hand.

Keep mine, take theirs, or edit a third value; the store does the rest. The types are
re-exported here so that screens never import the sync package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentdesk.desk.base import Desk

if TYPE_CHECKING:
    from agentdesk.store.conflicts import Conflict as Conflict
    from agentdesk.store.conflicts import Resolution as Resolution

RESOLUTIONS = ("kept_mine", "took_theirs", "edited")
"""The Resolution values, for a front end that names them without importing sync."""


def list_conflicts(desk: Desk, *, open_only: bool = True) -> list[Conflict]:
    """The open conflicts (or all of them), oldest first."""
    from agentdesk.store.conflicts import list_conflicts as listed

    with desk.reading(), desk.store.read() as connection:
        return listed(connection, open_only=open_only)


def ticket_conflicts(desk: Desk, ticket_id: int) -> list[Conflict]:
    """The open conflicts of one ticket: what an open ticket screen shows of its own."""
    return [conflict for conflict in list_conflicts(desk) if conflict.ticket_id == ticket_id]


def resolve_conflict(desk: Desk, conflict_id: int, how: str, value: str | None = None) -> Conflict:
    """how: kept_mine, took_theirs or edited (value required). Returns the resolved conflict;
    raises ConflictError (a Refused) when it cannot be applied."""
    from agentdesk.store.conflicts import ConflictError, Resolution, resolve

    try:
        resolution = Resolution(how)
    except ValueError:
        raise ConflictError(f"{how!r} is not a way to resolve a conflict") from None
    with desk.writing("resolve the conflict"):
        return resolve(
            desk.store,
            conflict_id,
            resolution,
            actor=desk.actor.handle,
            now=desk.now(),
            value=value,
        )
