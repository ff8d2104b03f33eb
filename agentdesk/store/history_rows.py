"""The conversation pulled from the helpdesk: which remote transactions were seen, which local
message each one is, and the per-ticket mark of how far the history was read.

Never twice: every remote transaction seen gets a sync_messages row (message_id NULL when it
is deliberately not a message). Each method runs in the caller's transaction (SyncPort).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from agentdesk.store.qa import recognise_pulled_review
from agentdesk.store.surveys import recognise_pulled_answer
from agentdesk.store.types import to_db


@dataclass(frozen=True)
class HistoryMark:
    last_txn: int  # the newest remote transaction read
    remote_updated_at: str | None  # the ticket's remote LastUpdated then ("" = read again)


@dataclass(frozen=True)
class PulledMessage:
    ticket_id: int
    kind: str  # customer, reply or internal_note
    author: str
    agent_id: int | None
    body: str
    created_at: datetime


class HistoryRows:
    connection: Connection

    def history_mark(self, remote_id: str) -> HistoryMark | None:
        row = self.connection.execute(
            text(
                "SELECT h.last_txn, h.remote_updated_at FROM tickets t "
                "JOIN sync_history h ON h.ticket_id = t.id WHERE t.remote_id = :r"
            ),
            {"r": remote_id},
        ).one_or_none()
        return None if row is None else HistoryMark(int(row.last_txn), row.remote_updated_at)

    def save_history_mark(
        self, ticket_id: int, backend: str, last_txn: int, remote_updated_at: str
    ) -> None:
        self.connection.execute(
            text(
                "INSERT INTO sync_history (ticket_id, backend, last_txn, remote_updated_at) "
                "VALUES (:t, :b, :l, :u) ON CONFLICT (ticket_id) DO UPDATE "
                "SET last_txn = :l, remote_updated_at = :u"
            ),
            {"t": ticket_id, "b": backend, "l": last_txn, "u": remote_updated_at},
        )

    def remote_message_seen(self, backend: str, remote_ref: str) -> bool:
        return (
            self.connection.execute(
                text("SELECT 1 FROM sync_messages WHERE backend = :b AND remote_ref = :r"),
                {"b": backend, "r": remote_ref},
            ).one_or_none()
            is not None
        )

    def map_remote_message(
        self, backend: str, remote_ref: str, ticket_id: int, message_id: int | None
    ) -> None:
        self.connection.execute(
            text(
                "INSERT INTO sync_messages (backend, remote_ref, ticket_id, message_id) "
                "VALUES (:b, :r, :t, :m)"
            ),
            {"b": backend, "r": remote_ref, "t": ticket_id, "m": message_id},
        )

    def first_unmapped_customer_message(self, ticket_id: int) -> int | None:
        """The ticket's opening message written here (no remote transaction is it yet)."""
        first = self.connection.execute(
            text(
                "SELECT m.id FROM messages m WHERE m.ticket_id = :t AND m.kind = 'customer' "
                "AND NOT EXISTS (SELECT 1 FROM sync_messages s WHERE s.message_id = m.id) "
                "ORDER BY m.created_at, m.id LIMIT 1"
            ),
            {"t": ticket_id},
        ).scalar_one_or_none()
        return None if first is None else int(first)

    def unmapped_messages(self, ticket_id: int, stamped: datetime) -> list[tuple[int, str]]:
        """(id, body) of the ticket's messages no remote transaction is yet; those written at
        `stamped` (an op's own moment) first."""
        rows = self.connection.execute(
            text(
                "SELECT m.id, m.body FROM messages m WHERE m.ticket_id = :t "
                "AND NOT EXISTS (SELECT 1 FROM sync_messages s WHERE s.message_id = m.id) "
                "ORDER BY (m.created_at = :at) DESC, m.id"
            ),
            {"t": ticket_id, "at": to_db(stamped)},
        )
        return [(int(row.id), str(row.body)) for row in rows]

    def insert_pulled_message(self, message: PulledMessage) -> int:
        message_id = int(
            self.connection.execute(
                text(
                    "INSERT INTO messages (ticket_id, kind, author, agent_id, body, created_at) "
                    "VALUES (:t, :kind, :author, :agent, :body, :at) RETURNING id"
                ),
                {
                    "t": message.ticket_id,
                    "kind": message.kind,
                    "author": message.author,
                    "agent": message.agent_id,
                    "body": message.body,
                    "at": to_db(message.created_at),
                },
            ).scalar_one()
        )
        if message.kind == "internal_note":
            # A colleague's QA review travels as an internal comment (issue 15).
            recognise_pulled_review(
                self.connection, message.ticket_id, message.body, message.author, message.created_at
            )
        if message.kind == "customer":
            # A reply to the closing survey that is a plain score is the answer (issue 15).
            recognise_pulled_answer(
                self.connection,
                message.ticket_id,
                message_id,
                message.body,
                message.author,
                message.created_at,
            )
        return message_id
