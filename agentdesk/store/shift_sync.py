"""The shift record's way to the helpdesk and back, in SQLite.

Going out: `shift_outbox`, one row per text of the shift record (its opening, each comment, the
close), queued by the desk in the same transaction as the shift write it describes, so the
record survives a dropped link and a restart like every ticket edit. Outbox rows of tickets
(`outbox`) belong to a ticket; a shift is not one, hence its own table with the same contract:
pending until the helpdesk confirmed it, progress saved before a send (sync/rt/shifts.py).

Coming back: `team_shifts` and `team_shift_texts`, the shift tickets of the helpdesk's shift
queue as pulled, read by desk.shift.team_shifts (core.shift_record.read_shift makes the record).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from agentdesk.store.types import from_db, to_db


def queue_shift_text(
    connection: Connection, shift_id: int, kind: str, body: str, now: datetime
) -> int:
    """One text of the shift record for the helpdesk, in the caller's transaction."""
    return int(
        connection.execute(
            text(
                "INSERT INTO shift_outbox (shift_id, kind, body, created_at) "
                "VALUES (:s, :k, :b, :at) RETURNING id"
            ),
            {"s": shift_id, "k": kind, "b": body, "at": to_db(now)},
        ).scalar_one()
    )


def ticket_remote_id(connection: Connection, ticket_id: int) -> str | None:
    value = connection.execute(
        text("SELECT remote_id FROM tickets WHERE id = :t"), {"t": ticket_id}
    ).scalar()
    return None if value is None else str(value)


@dataclass(frozen=True)
class ShiftOp:
    id: int
    shift_id: int
    kind: str
    body: str
    state: str
    progress: Mapping[str, Any]
    handle: str
    started_at: datetime
    remote_id: str | None


@dataclass(frozen=True)
class TeamShiftTexts:
    remote_id: str
    subject: str
    status: str
    texts: tuple[str, ...]


class ShiftSyncRows:
    """The sync port's rows for the shift record (a mixin of store.sync_port.SyncRows)."""

    connection: Connection

    def pending_shift_ops(self) -> list[ShiftOp]:
        rows = self.connection.execute(
            text(
                "SELECT o.id, o.shift_id, o.kind, o.body, o.state, o.progress, "
                "s.agent_handle, s.started_at, s.remote_id FROM shift_outbox o "
                "JOIN shifts s ON s.id = o.shift_id "
                "WHERE o.state IN ('pending', 'parked') ORDER BY o.id"
            )
        )
        return [
            ShiftOp(
                row.id,
                row.shift_id,
                row.kind,
                row.body,
                row.state,
                json.loads(row.progress),
                row.agent_handle,
                from_db(row.started_at),
                row.remote_id,
            )
            for row in rows
        ]

    def save_shift_progress(self, op_id: int, progress: Mapping[str, Any]) -> None:
        self.connection.execute(
            text("UPDATE shift_outbox SET progress = :p WHERE id = :id"),
            {"id": op_id, "p": json.dumps(progress, sort_keys=True)},
        )

    def mark_shift_done(self, op_id: int, now: datetime) -> None:
        self.connection.execute(
            text(
                "UPDATE shift_outbox SET state = 'done', done_at = :now, last_error = NULL "
                "WHERE id = :id"
            ),
            {"id": op_id, "now": to_db(now)},
        )

    def park_shift_op(self, op_id: int, reason: str, now: datetime) -> None:
        """Parked with RT's reason; progress keeps when (push tries it again later)."""
        self.connection.execute(
            text(
                "UPDATE shift_outbox SET state = 'parked', last_error = :r, "
                "attempts = attempts + 1, progress = json_set(progress, '$.parked_at', :now) "
                "WHERE id = :id"
            ),
            {"id": op_id, "r": reason, "now": to_db(now)},
        )

    def set_shift_remote_id(self, shift_id: int, remote_id: str) -> None:
        self.connection.execute(
            text("UPDATE shifts SET remote_id = :r WHERE id = :s"),
            {"r": remote_id, "s": shift_id},
        )

    def shift_remote_id(self, shift_id: int) -> str | None:
        value = self.connection.execute(
            text("SELECT remote_id FROM shifts WHERE id = :s"), {"s": shift_id}
        ).scalar()
        return None if value is None else str(value)

    def shift_remote_ids(self) -> set[str]:
        rows = self.connection.execute(
            text("SELECT remote_id FROM shifts WHERE remote_id IS NOT NULL")
        )
        return {row.remote_id for row in rows}

    def shift_claim_owner(self, ref: str) -> int | None:
        """The shift op whose progress holds this remote transaction ("txn:N"), if any."""
        txn = ref.removeprefix("txn:")
        for row in self.connection.execute(
            text("SELECT id, progress FROM shift_outbox WHERE progress LIKE :p"),
            {"p": f'%"{txn}"%'},
        ):
            if str(json.loads(row.progress).get("txn", "")) == txn:
                return int(row.id)
        return None

    def team_shift_mark(self, remote_id: str) -> tuple[str, int] | None:
        """(remote_updated_at as stored, last transaction read) of a pulled shift ticket."""
        row = self.connection.execute(
            text("SELECT remote_updated_at, last_txn FROM team_shifts WHERE remote_id = :r"),
            {"r": remote_id},
        ).one_or_none()
        return None if row is None else (row.remote_updated_at, int(row.last_txn))

    def save_team_shift(
        self,
        remote_id: str,
        subject: str,
        status: str,
        updated_at: datetime,
        texts: Iterable[tuple[int, datetime, str]],
    ) -> int:
        """A shift ticket and its new texts; returns how many texts were new."""
        texts = list(texts)
        last = max((txn for txn, _, _ in texts), default=0)
        self.connection.execute(
            text(
                "INSERT INTO team_shifts (remote_id, subject, status, remote_updated_at, "
                "last_txn) VALUES (:r, :s, :st, :u, :t) ON CONFLICT (remote_id) DO UPDATE SET "
                "subject = :s, status = :st, remote_updated_at = :u, "
                "last_txn = max(last_txn, :t)"
            ),
            {"r": remote_id, "s": subject, "st": status, "u": to_db(updated_at), "t": last},
        )
        new = 0
        for txn, created, body in texts:
            new += self.connection.execute(
                text(
                    "INSERT OR IGNORE INTO team_shift_texts (remote_id, txn, created_at, body) "
                    "VALUES (:r, :t, :c, :b)"
                ),
                {"r": remote_id, "t": txn, "c": to_db(created), "b": body},
            ).rowcount
        return new


def team_shift_texts(connection: Connection) -> list[TeamShiftTexts]:
    """Every pulled shift ticket with its texts oldest first, newest shift first."""
    found: dict[str, tuple[str, str, list[str]]] = {}
    for row in connection.execute(
        text(
            "SELECT s.remote_id, s.subject, s.status, x.body FROM team_shifts s "
            "LEFT JOIN team_shift_texts x ON x.remote_id = s.remote_id "
            "ORDER BY CAST(s.remote_id AS INTEGER) DESC, x.txn"
        )
    ):
        entry = found.setdefault(row.remote_id, (row.subject, row.status, []))
        if row.body is not None:
            entry[2].append(row.body)
    return [
        TeamShiftTexts(remote_id, subject, status, tuple(texts))
        for remote_id, (subject, status, texts) in found.items()
    ]


def unsent_shift_texts(connection: Connection) -> tuple[int, int]:
    """(pending, parked) texts of the shift record not yet in the helpdesk."""
    rows: dict[str, int] = dict(
        connection.execute(
            text(
                "SELECT state, count(*) FROM shift_outbox WHERE state IN ('pending', 'parked') "
                "GROUP BY state"
            )
        ).all()
    )
    return int(rows.get("pending", 0)), int(rows.get("parked", 0))
