"""TicketSQL, RT's query language: the one place its string literals are quoted."""

from __future__ import annotations


def quote(value: str) -> str:
    """A TicketSQL string literal: 'it\\'s' (backslashes and single quotes escaped)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def queue_clause(queues: tuple[str, ...]) -> str:
    """Tickets in any of these queues."""
    quoted = [f"Queue = {quote(q)}" for q in queues]
    return quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")"
