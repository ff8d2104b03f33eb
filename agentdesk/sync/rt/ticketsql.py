"""TicketSQL, RT's query language: the one place its string literals are quoted."""

from __future__ import annotations


def quote(value: str) -> str:
    """A TicketSQL string literal: 'it\\'s' (backslashes and single quotes escaped)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


EVERY_QUEUE = "*"
"""queues = ["*"]: every queue the token can see (a supervisor's team pull, issue 15)."""


def queue_clause(queues: tuple[str, ...]) -> str:
    """Tickets in any of these queues; "*" among them: in every queue the token may see
    (RT answers a search only with the tickets its rights show)."""
    if EVERY_QUEUE in queues:
        return "id > 0"
    quoted = [f"Queue = {quote(q)}" for q in queues]
    return quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")"


def after_id(after: int) -> str:
    """Tickets past this one in id order: the key a search's next page is asked for by (a
    page number would shift when a ticket before it leaves or enters the search)."""
    return f"id > {int(after)}"
