"""The outbox as sync sees it: pending ops with their progress, parking, and what is dirty.

A step's outcome is saved in sync_ops before the next step runs (see sync/rt/push.py): each
method here runs in the caller's transaction (SyncPort.write), so an op's result and its
outbox row commit together.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from agentdesk.store.types import from_db, to_db


@dataclass(frozen=True)
class Op:
    """One outbox row with its sync progress."""

    id: int
    ticket_id: int
    op: str
    payload: Mapping[str, Any]
    state: str
    attempts: int
    progress: Mapping[str, Any]
    created_at: datetime
    remote_id: str | None


@dataclass(frozen=True)
class OpRecord:
    """An op's payload and progress, whatever its state (the history maps ours with it)."""

    payload: Mapping[str, Any]
    progress: Mapping[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class Counts:
    pending: int
    parked: int
    conflicts: int


class OutboxRows:
    connection: Connection

    def pending_ops(self) -> list[Op]:
        """Pending and parked ops in outbox order (parked ones block their ticket's later ops)."""
        rows = self.connection.execute(
            text(
                "SELECT o.id, o.ticket_id, o.op, o.payload, o.state, o.attempts, o.created_at, "
                "coalesce(s.progress, '{}') AS progress, t.remote_id "
                "FROM outbox o JOIN tickets t ON t.id = o.ticket_id "
                "LEFT JOIN sync_ops s ON s.outbox_id = o.id "
                "WHERE o.state IN ('pending', 'parked') ORDER BY o.id"
            )
        )
        return [
            Op(
                id=row.id,
                ticket_id=row.ticket_id,
                op=row.op,
                payload=json.loads(row.payload),
                state=row.state,
                attempts=row.attempts,
                progress=json.loads(row.progress),
                created_at=from_db(row.created_at),
                remote_id=row.remote_id,
            )
            for row in rows
        ]

    def save_progress(self, outbox_id: int, progress: Mapping[str, Any], now: datetime) -> None:
        self.connection.execute(
            text(
                "INSERT INTO sync_ops (outbox_id, progress, updated_at) VALUES (:id, :p, :now) "
                "ON CONFLICT (outbox_id) DO UPDATE SET progress = :p, updated_at = :now"
            ),
            {"id": outbox_id, "p": json.dumps(progress, sort_keys=True), "now": to_db(now)},
        )

    def count_attempt(self, outbox_id: int, error: str | None) -> None:
        self.connection.execute(
            text("UPDATE outbox SET attempts = attempts + 1, last_error = :e WHERE id = :id"),
            {"id": outbox_id, "e": error},
        )

    def mark_done(self, outbox_id: int, now: datetime) -> None:
        self.connection.execute(
            text(
                "UPDATE outbox SET state = 'done', done_at = :now, last_error = NULL WHERE id = :id"
            ),
            {"id": outbox_id, "now": to_db(now)},
        )

    def park(self, outbox_id: int, reason: str, now: datetime) -> None:
        self.connection.execute(
            text("UPDATE outbox SET state = 'parked', last_error = :r WHERE id = :id"),
            {"id": outbox_id, "r": reason},
        )
        self.connection.execute(
            text(
                "INSERT INTO sync_ops (outbox_id, parked_reason, parked_at, updated_at) "
                "VALUES (:id, :r, :now, :now) ON CONFLICT (outbox_id) DO UPDATE "
                "SET parked_reason = :r, parked_at = :now, updated_at = :now"
            ),
            {"id": outbox_id, "r": reason, "now": to_db(now)},
        )

    def unpark(self, outbox_id: int, now: datetime) -> bool:
        """Send a parked op again (after the agent fixed what the helpdesk refused)."""
        done = self.connection.execute(
            text("UPDATE outbox SET state = 'pending' WHERE id = :id AND state = 'parked'"),
            {"id": outbox_id},
        ).rowcount
        self.connection.execute(
            text(
                "UPDATE sync_ops SET parked_reason = NULL, parked_at = NULL, updated_at = :now "
                "WHERE outbox_id = :id"
            ),
            {"id": outbox_id, "now": to_db(now)},
        )
        return bool(done)

    def dirty_fields(self, ticket_id: int) -> set[str]:
        """Fields with an edit not yet confirmed remotely: a pull must not overwrite them."""
        dirty: set[str] = set()
        rows = self.connection.execute(
            text(
                "SELECT payload FROM outbox WHERE ticket_id = :t AND state IN ('pending', 'parked')"
            ),
            {"t": ticket_id},
        )
        for (payload,) in rows:
            for name in json.loads(payload).get("fields") or {}:
                dirty.add("assignee" if name == "assignee_id" else name)
        return dirty

    def unsent_ops(self, ticket_id: int) -> list[OpRecord]:
        """The ticket's pending and parked ops that have progress (some step was started)."""
        rows = self.connection.execute(
            text(
                "SELECT o.payload, s.progress, o.created_at FROM outbox o "
                "JOIN sync_ops s ON s.outbox_id = o.id "
                "WHERE o.ticket_id = :t AND o.state IN ('pending', 'parked')"
            ),
            {"t": ticket_id},
        )
        return [
            OpRecord(json.loads(payload), json.loads(progress), from_db(created_at))
            for payload, progress, created_at in rows
        ]

    def op_record(self, outbox_id: int) -> OpRecord | None:
        row = self.connection.execute(
            text("SELECT payload, created_at FROM outbox WHERE id = :id"), {"id": outbox_id}
        ).one_or_none()
        if row is None:
            return None
        progress = self.connection.execute(
            text("SELECT progress FROM sync_ops WHERE outbox_id = :id"), {"id": outbox_id}
        ).scalar_one_or_none()
        done = json.loads(progress) if progress else {}
        return OpRecord(json.loads(row.payload), done, from_db(row.created_at))

    def counts(self) -> Counts:
        row = self.connection.execute(
            text(
                "SELECT (SELECT count(*) FROM outbox WHERE state = 'pending') AS pending, "
                "(SELECT count(*) FROM outbox WHERE state = 'parked') AS parked, "
                "(SELECT count(*) FROM sync_conflicts WHERE state = 'open') AS conflicts"
            )
        ).one()
        return Counts(row.pending, row.parked, row.conflicts)
