"""Ticket lifecycle: New -> Assigned -> In progress -> Pending -> Resolved -> Closed."""

from __future__ import annotations

from datetime import datetime, timedelta

from agentdesk.core.errors import Refused
from agentdesk.core.ticket import Status

# A resolved ticket closes itself after this quality window.
QUALITY_WINDOW = timedelta(hours=48)

ALLOWED: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.ASSIGNED, Status.IN_PROGRESS}),
    Status.ASSIGNED: frozenset({Status.NEW, Status.IN_PROGRESS}),
    Status.IN_PROGRESS: frozenset({Status.ASSIGNED, Status.PENDING, Status.RESOLVED}),
    Status.PENDING: frozenset({Status.IN_PROGRESS, Status.RESOLVED}),
    # Reopen: the customer came back inside the quality window.
    Status.RESOLVED: frozenset({Status.IN_PROGRESS, Status.CLOSED}),
    # Closed is final, as in Zendesk: a follow-up is a new ticket.
    Status.CLOSED: frozenset(),
}


class TransitionRefused(Refused, ValueError):
    """A lifecycle move the SOP does not allow; the message says why and what is allowed."""

    def __init__(self, ticket_ref: str, old: Status, new: Status, reason: str = "") -> None:
        self.ticket_ref = ticket_ref
        self.old = old
        self.new = new
        reason = reason or _table_reason(old, new)
        super().__init__(f"{ticket_ref}: cannot move from {old.label} to {new.label}: {reason}")


def _table_reason(old: Status, new: Status) -> str:
    """Why ALLOWED has no old -> new."""
    if old is Status.CLOSED:
        return "a closed ticket is final; open a follow-up ticket instead"
    if old == new:
        return f"it is already {old.label}"
    allowed = sorted(ALLOWED[old], key=list(Status).index)
    options = ", ".join(s.label for s in allowed) or "nothing"
    return f"from {old.label} it can go to: {options}"


def transition_refusal(
    old: Status,
    new: Status,
    *,
    resolved_at: datetime | None = None,
    now: datetime | None = None,
) -> str | None:
    """Why the SOP refuses old -> new now, or None when it allows it. The one reading of
    ALLOWED: plan_change (through check_transition) and core.actions both ask it."""
    if new not in ALLOWED[old]:
        return _table_reason(old, new)
    if old is Status.RESOLVED and new is Status.CLOSED:
        if resolved_at is None or now is None:
            return "the resolve time is unknown"
        due = resolved_at + QUALITY_WINDOW
        if now < due:
            return f"the 48-hour quality window runs until {due:%Y-%m-%d %H:%M} UTC"
    return None


def check_transition(
    ticket_ref: str,
    old: Status,
    new: Status,
    *,
    resolved_at: datetime | None = None,
    now: datetime | None = None,
) -> None:
    """Raise TransitionRefused unless the SOP allows old -> new now."""
    reason = transition_refusal(old, new, resolved_at=resolved_at, now=now)
    if reason is not None:
        raise TransitionRefused(ticket_ref, old, new, reason)


def is_reopen(old: Status, new: Status) -> bool:
    return old is Status.RESOLVED and new is Status.IN_PROGRESS


def auto_close_due(resolved_at: datetime) -> datetime:
    return resolved_at + QUALITY_WINDOW
