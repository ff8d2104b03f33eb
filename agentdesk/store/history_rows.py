"""The conversation pulled from the helpdesk: which remote transactions were seen, which local
message each one is, and the per-ticket mark of how far the history was read.

Never twice: every remote transaction seen gets a sync_messages row (message_id NULL when it
is deliberately not a message). Each method runs in the caller's transaction (SyncPort).

A pull page brings a few hundred messages: what the history's write asks for, it asks for the
whole page at once (marks, seen transactions, claims, tickets with unsent ops: one statement
each, a chunk of ids at a time) and writes its mappings and marks with one executemany each,
not a statement or three per message. The statements are made once, at import.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Connection, TextClause, bindparam, text

from agentdesk.core.survey import SurveyKind, recognise_answer
from agentdesk.store.qa import recognise_pulled_review
from agentdesk.store.surveys import recognise_pulled_answer
from agentdesk.store.types import to_db

T = TypeVar("T")
# Ids per IN (...) list: well under SQLite's limit on bound parameters.
CHUNK = 500
# Every survey asked: a body that is no answer even then is no answer on any ticket (the
# ticket's labels only choose between the two surveys), so its labels are not read.
_ANY_SURVEY = frozenset(kind.sent_label for kind in SurveyKind)


def _in(sql: str, *names: str) -> TextClause:
    return text(sql).bindparams(*(bindparam(name, expanding=True) for name in names))


def chunks(values: Iterable[T]) -> Iterator[list[T]]:
    batch = list(values)
    for start in range(0, len(batch), CHUNK):
        yield batch[start : start + CHUNK]


_MARKS = _in(
    "SELECT t.remote_id, h.last_txn, h.remote_updated_at FROM tickets t "
    "JOIN sync_history h ON h.ticket_id = t.id WHERE t.remote_id IN :r",
    "r",
)
_SAVE_MARK = text(
    "INSERT INTO sync_history (ticket_id, backend, last_txn, remote_updated_at) "
    "VALUES (:t, :b, :l, :u) ON CONFLICT (ticket_id) DO UPDATE "
    "SET last_txn = :l, remote_updated_at = :u"
)
_SEEN = _in("SELECT remote_ref FROM sync_messages WHERE backend = :b AND remote_ref IN :r", "r")
_CLAIMS = _in(
    "SELECT remote_ref, outbox_id FROM sync_claims WHERE backend = :b AND remote_ref IN :r", "r"
)
_MAP = text(
    "INSERT INTO sync_messages (backend, remote_ref, ticket_id, message_id) VALUES (:b, :r, :t, :m)"
)
_UNSENT = _in(
    "SELECT DISTINCT o.ticket_id FROM outbox o JOIN sync_ops s ON s.outbox_id = o.id "
    "WHERE o.ticket_id IN :t AND o.state IN ('pending', 'parked')",
    "t",
)
_INSERT_MESSAGE = text(
    "INSERT INTO messages (ticket_id, kind, author, agent_id, body, created_at) "
    "VALUES (:t, :kind, :author, :agent, :body, :at) RETURNING id"
)


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

    def history_marks(self, remote_ids: Iterable[str]) -> dict[str, HistoryMark]:
        """history_mark of many tickets at once: remote id -> mark, for those that have one."""
        found: dict[str, HistoryMark] = {}
        for batch in chunks(remote_ids):
            for row in self.connection.execute(_MARKS, {"r": batch}):
                found[str(row.remote_id)] = HistoryMark(int(row.last_txn), row.remote_updated_at)
        return found

    def save_history_mark(
        self, ticket_id: int, backend: str, last_txn: int, remote_updated_at: str
    ) -> None:
        self.save_history_marks(backend, [(ticket_id, last_txn, remote_updated_at)])

    def save_history_marks(self, backend: str, marks: Sequence[tuple[int, int, str]]) -> None:
        """(ticket id, last transaction, remote LastUpdated) per ticket, one executemany."""
        if marks:
            self.connection.execute(
                _SAVE_MARK, [{"t": t, "b": backend, "l": last, "u": u} for t, last, u in marks]
            )

    def seen_remote_refs(self, backend: str, refs: Iterable[str]) -> set[str]:
        """Which of these remote refs already have a sync_messages row."""
        seen: set[str] = set()
        for batch in chunks(refs):
            seen.update(self.connection.execute(_SEEN, {"b": backend, "r": batch}).scalars())
        return seen

    def claim_owners(self, backend: str, refs: Iterable[str]) -> dict[str, int]:
        """claim_owner of many refs at once: ref -> the outbox op that claimed it."""
        owners: dict[str, int] = {}
        for batch in chunks(refs):
            for ref, owner in self.connection.execute(_CLAIMS, {"b": backend, "r": batch}):
                owners[str(ref)] = int(owner)
        return owners

    def tickets_with_unsent_ops(self, ticket_ids: Iterable[int]) -> set[int]:
        """Which of these tickets have a pending or parked op with progress (unsent_ops is
        then worth reading for them)."""
        found: set[int] = set()
        for batch in chunks(ticket_ids):
            found.update(int(t) for t in self.connection.execute(_UNSENT, {"t": batch}).scalars())
        return found

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
        self.map_remote_messages(backend, [(remote_ref, ticket_id, message_id)])

    def map_remote_messages(
        self, backend: str, mappings: Sequence[tuple[str, int, int | None]]
    ) -> None:
        """(remote ref, ticket id, message id or None) each, one executemany."""
        if mappings:
            self.connection.execute(
                _MAP, [{"b": backend, "r": r, "t": t, "m": m} for r, t, m in mappings]
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
                _INSERT_MESSAGE,
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
        if message.kind == "customer" and recognise_answer(message.body, _ANY_SURVEY):
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
