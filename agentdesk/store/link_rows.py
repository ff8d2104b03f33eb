"""The sync port's side of ticket links (issue 14): RT's links of a ticket, as a pull read
them, replace the local ones, except while a local link op is still on its way."""

from __future__ import annotations

from collections.abc import Set
from datetime import datetime

from sqlalchemy import Connection, text

from agentdesk.store.types import to_db

LinkEnd = tuple[str, int, bool]
"""(kind, the other local ticket id, outgoing: this ticket is the link's ticket_id)."""


class LinkRows:
    connection: Connection

    def link_op_pending(self, ticket_id: int) -> bool:
        """A local link op on this ticket, or pointing at it, not yet confirmed by RT."""
        found = self.connection.execute(
            text(
                "SELECT 1 FROM outbox WHERE op = 'link' AND state IN ('pending', 'parked') "
                "AND (ticket_id = :t OR json_extract(payload, '$.link.other_ticket_id') = :t) "
                "LIMIT 1"
            ),
            {"t": ticket_id},
        ).first()
        return found is not None

    def replace_links(self, ticket_id: int, found: Set[LinkEnd], now: datetime) -> int:
        """Make the ticket's links with tickets that are in RT what RT has; returns how many
        rows were added or removed. Links with a ticket not (yet) in RT are left alone."""
        rows = self.connection.execute(
            text(
                "SELECT l.kind, l.other_ticket_id, 1 FROM ticket_links l "
                "JOIN tickets o ON o.id = l.other_ticket_id "
                "WHERE l.ticket_id = :t AND o.remote_id IS NOT NULL "
                "UNION ALL SELECT l.kind, l.ticket_id, 0 FROM ticket_links l "
                "JOIN tickets o ON o.id = l.ticket_id "
                "WHERE l.other_ticket_id = :t AND o.remote_id IS NOT NULL"
            ),
            {"t": ticket_id},
        )
        here = {(str(kind), int(other), bool(outgoing)) for kind, other, outgoing in rows}
        for kind, other, outgoing in here - found:
            base, target = (ticket_id, other) if outgoing else (other, ticket_id)
            self.connection.execute(
                text(
                    "DELETE FROM ticket_links WHERE ticket_id = :b AND other_ticket_id = :o "
                    "AND kind = :k"
                ),
                {"b": base, "o": target, "k": kind},
            )
        for kind, other, outgoing in found - here:
            base, target = (ticket_id, other) if outgoing else (other, ticket_id)
            self.connection.execute(
                text(
                    "INSERT INTO ticket_links (ticket_id, other_ticket_id, kind, created_at, "
                    "created_by) VALUES (:b, :o, :k, :at, 'sync') ON CONFLICT DO NOTHING"
                ),
                {"b": base, "o": target, "k": kind, "at": to_db(now)},
            )
        return len(here ^ found)
