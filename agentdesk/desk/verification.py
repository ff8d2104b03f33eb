"""Identity verification on a ticket (a minimal stand-in: the verification helper's module
replaces this one at the merge)."""

from __future__ import annotations

from agentdesk.desk.base import Desk


def clear_lock(desk: Desk, ticket_id: int) -> None:
    """A Level 2 (or 3) agent lifts the lock after failed attempts; the customer verifies
    again."""
    from agentdesk.store.verification import clear_lock as lift

    actor = desk.actor
    with desk.writing("clear the verification lock"):
        lift(desk.store, ticket_id, agent_tier=actor.tier, actor=actor.handle, now=desk.now())
