"""Which tickets still owe their conversation: the second stage of a first sync.

A first sync brings the ticket fields only (the queue); the conversations of the tickets that
are still open follow (sync/rt/conversations.py). A ticket owes its conversation while it is
linked to the helpdesk, open here, and has no history mark yet (store/history_rows.py): a
mark is written with the conversation, in the same transaction, so a ticket is owed until its
conversation is in, and never after. A closed ticket owes nothing: its whole history is read
the first time it changes (the pull reads any changed ticket without a mark).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, bindparam, text

from agentdesk.core.ticket import Region

# The linked tickets open here, each with its mark if it has one.
_LINKED_OPEN = (
    "FROM tickets t JOIN sync_tickets s ON s.ticket_id = t.id AND s.backend = :b "
    "JOIN customers c ON c.id = t.customer_id "
    "LEFT JOIN sync_history h ON h.ticket_id = t.id "
    "WHERE t.remote_id IS NOT NULL AND t.status NOT IN ('resolved', 'closed') "
)
_COLUMNS = (
    "SELECT t.id, t.remote_id, t.region, s.remote_updated_at, c.account_id "
    + _LINKED_OPEN
    + "AND h.ticket_id IS NULL "
)
# The queue's order, roughly: the most urgent first (P0 first, then the nearest due time).
_NEXT = text(_COLUMNS + "ORDER BY t.priority, t.sla_due_at IS NULL, t.sla_due_at, t.id LIMIT :n")
_FIRST = text(_COLUMNS + "AND t.id IN :first ORDER BY t.id").bindparams(
    bindparam("first", expanding=True)
)
_COUNTS = text("SELECT count(h.ticket_id), count(*) - count(h.ticket_id) " + _LINKED_OPEN)
_IS_OWED = text(
    "SELECT 1 FROM tickets t JOIN sync_tickets s ON s.ticket_id = t.id "
    "LEFT JOIN sync_history h ON h.ticket_id = t.id "
    "WHERE t.id = :t AND h.ticket_id IS NULL AND t.remote_id IS NOT NULL "
    "AND t.status NOT IN ('resolved', 'closed')"
)
# The pull writes an unknown requestor as this account (store/remote.py).
_NO_REQUESTOR = "rt:unknown"


@dataclass(frozen=True)
class OwedConversation:
    ticket_id: int
    remote_id: str
    region: Region
    remote_updated_at: str  # the ticket's LastUpdated as the pull saw it ("" unknown)
    requestor: str  # "" unknown


class ConversationRows:
    connection: Connection

    def owed_conversations(
        self, backend: str, limit: int, *, first: Collection[int] = ()
    ) -> list[OwedConversation]:
        """Up to `limit` tickets that owe their conversation: those in `first` (tickets an
        agent opened) before the rest, the rest the most urgent first."""
        found: list[OwedConversation] = []
        if first:
            found += map(
                _owed, self.connection.execute(_FIRST, {"b": backend, "first": list(first)})
            )
        if len(found) < limit:
            taken = {o.ticket_id for o in found}
            rest = self.connection.execute(_NEXT, {"b": backend, "n": limit + len(taken)})
            found += [o for o in map(_owed, rest) if o.ticket_id not in taken]
        return found[:limit]

    def conversation_counts(self, backend: str) -> tuple[int, int]:
        """(read, owed) among the linked tickets open here."""
        read, owed = self.connection.execute(_COUNTS, {"b": backend}).one()
        return int(read or 0), int(owed or 0)


def owes_conversation(connection: Connection, ticket_id: int) -> bool:
    """Whether this ticket's conversation is still to come from the helpdesk (the ticket
    workspace says so, and asks for it first)."""
    return connection.execute(_IS_OWED, {"t": ticket_id}).first() is not None


def _owed(row: Row[Any]) -> OwedConversation:
    requestor = str(row.account_id or "")
    return OwedConversation(
        ticket_id=int(row.id),
        remote_id=str(row.remote_id),
        region=Region(row.region),
        remote_updated_at="" if row.remote_updated_at is None else str(row.remote_updated_at),
        requestor="" if requestor == _NO_REQUESTOR else requestor.removeprefix("rt:"),
    )
