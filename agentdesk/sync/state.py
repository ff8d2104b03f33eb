"""What sync keeps in the store: op progress, remote ids and ETags, cursors, claims, rejects.

Each function takes a Connection so the caller decides the transaction: a pull page and its
cursor, or an op's result and its outbox row, always commit together.
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


def pending_ops(connection: Connection) -> list[Op]:
    """Pending and parked ops in outbox order (parked ones block their ticket's later ops)."""
    rows = connection.execute(
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


def save_progress(
    connection: Connection, outbox_id: int, progress: Mapping[str, Any], now: datetime
) -> None:
    connection.execute(
        text(
            "INSERT INTO sync_ops (outbox_id, progress, updated_at) VALUES (:id, :p, :now) "
            "ON CONFLICT (outbox_id) DO UPDATE SET progress = :p, updated_at = :now"
        ),
        {"id": outbox_id, "p": json.dumps(progress, sort_keys=True), "now": to_db(now)},
    )


def count_attempt(connection: Connection, outbox_id: int, error: str | None) -> None:
    connection.execute(
        text("UPDATE outbox SET attempts = attempts + 1, last_error = :e WHERE id = :id"),
        {"id": outbox_id, "e": error},
    )


def mark_done(connection: Connection, outbox_id: int, now: datetime) -> None:
    connection.execute(
        text("UPDATE outbox SET state = 'done', done_at = :now, last_error = NULL WHERE id = :id"),
        {"id": outbox_id, "now": to_db(now)},
    )


def park(connection: Connection, outbox_id: int, reason: str, now: datetime) -> None:
    connection.execute(
        text("UPDATE outbox SET state = 'parked', last_error = :r WHERE id = :id"),
        {"id": outbox_id, "r": reason},
    )
    connection.execute(
        text(
            "INSERT INTO sync_ops (outbox_id, parked_reason, parked_at, updated_at) "
            "VALUES (:id, :r, :now, :now) ON CONFLICT (outbox_id) DO UPDATE "
            "SET parked_reason = :r, parked_at = :now, updated_at = :now"
        ),
        {"id": outbox_id, "r": reason, "now": to_db(now)},
    )


def unpark(connection: Connection, outbox_id: int, now: datetime) -> bool:
    """Send a parked op again (after the agent fixed what RT refused)."""
    done = connection.execute(
        text("UPDATE outbox SET state = 'pending' WHERE id = :id AND state = 'parked'"),
        {"id": outbox_id},
    ).rowcount
    connection.execute(
        text(
            "UPDATE sync_ops SET parked_reason = NULL, parked_at = NULL, updated_at = :now "
            "WHERE outbox_id = :id"
        ),
        {"id": outbox_id, "now": to_db(now)},
    )
    return bool(done)


def claim(connection: Connection, backend: str, remote_ref: str, outbox_id: int) -> bool:
    """Record that remote_ref (an RT transaction or ticket) is this op's. False if taken."""
    taken = connection.execute(
        text("SELECT outbox_id FROM sync_claims WHERE backend = :b AND remote_ref = :r"),
        {"b": backend, "r": remote_ref},
    ).scalar_one_or_none()
    if taken is not None:
        return bool(taken == outbox_id)
    connection.execute(
        text("INSERT INTO sync_claims (backend, remote_ref, outbox_id) VALUES (:b, :r, :o)"),
        {"b": backend, "r": remote_ref, "o": outbox_id},
    )
    return True


def claimed(connection: Connection, backend: str) -> set[str]:
    rows = connection.execute(
        text("SELECT remote_ref FROM sync_claims WHERE backend = :b"), {"b": backend}
    )
    return {row[0] for row in rows}


@dataclass(frozen=True)
class TicketSync:
    etag: str | None
    remote_updated_at: str | None
    remote_values: Mapping[str, str]


def ticket_sync(connection: Connection, ticket_id: int) -> TicketSync:
    row = connection.execute(
        text(
            "SELECT etag, remote_updated_at, remote_values FROM sync_tickets WHERE ticket_id = :t"
        ),
        {"t": ticket_id},
    ).one_or_none()
    if row is None:
        return TicketSync(None, None, {})
    return TicketSync(row.etag, row.remote_updated_at, json.loads(row.remote_values))


def save_ticket_sync(
    connection: Connection,
    ticket_id: int,
    backend: str,
    *,
    etag: str | None,
    remote_updated_at: datetime | None,
    remote_values: Mapping[str, str],
) -> None:
    connection.execute(
        text(
            "INSERT INTO sync_tickets (ticket_id, backend, etag, remote_updated_at, "
            "remote_values) VALUES (:t, :b, :e, :u, :v) ON CONFLICT (ticket_id) DO UPDATE "
            "SET etag = :e, remote_updated_at = coalesce(:u, remote_updated_at), "
            "remote_values = :v"
        ),
        {
            "t": ticket_id,
            "b": backend,
            "e": etag,
            "u": None if remote_updated_at is None else to_db(remote_updated_at),
            "v": json.dumps(dict(remote_values), sort_keys=True),
        },
    )


def get_cursor(connection: Connection, backend: str, scope: str) -> dict[str, Any] | None:
    value = connection.execute(
        text("SELECT value FROM sync_cursors WHERE backend = :b AND scope = :s"),
        {"b": backend, "s": scope},
    ).scalar_one_or_none()
    return None if value is None else dict(json.loads(value))


def set_cursor(connection: Connection, backend: str, scope: str, value: Mapping[str, Any]) -> None:
    connection.execute(
        text(
            "INSERT INTO sync_cursors (backend, scope, value) VALUES (:b, :s, :v) "
            "ON CONFLICT (backend, scope) DO UPDATE SET value = :v"
        ),
        {"b": backend, "s": scope, "v": json.dumps(dict(value), sort_keys=True)},
    )


def reject(
    connection: Connection,
    backend: str,
    remote_id: str | None,
    reason: str,
    record: Any,
    now: datetime,
) -> None:
    connection.execute(
        text(
            "INSERT INTO sync_rejects (backend, remote_id, reason, record, at) "
            "VALUES (:b, :r, :why, :rec, :at)"
        ),
        {
            "b": backend,
            "r": remote_id,
            "why": reason,
            "rec": json.dumps(record, sort_keys=True, default=str)[:20_000],
            "at": to_db(now),
        },
    )


@dataclass(frozen=True)
class SyncStatus:
    paused_reason: str | None
    offline_until: datetime | None
    failures: int
    last_success_at: datetime | None


def get_status(connection: Connection, backend: str) -> SyncStatus:
    row = connection.execute(
        text("SELECT * FROM sync_status WHERE backend = :b"), {"b": backend}
    ).one_or_none()
    if row is None:
        return SyncStatus(None, None, 0, None)
    return SyncStatus(
        row.paused_reason,
        None if row.offline_until is None else from_db(row.offline_until),
        row.failures,
        None if row.last_success_at is None else from_db(row.last_success_at),
    )


def set_status(connection: Connection, backend: str, status: SyncStatus) -> None:
    connection.execute(
        text(
            "INSERT INTO sync_status (backend, paused_reason, offline_until, failures, "
            "last_success_at) VALUES (:b, :p, :o, :f, :s) ON CONFLICT (backend) DO UPDATE SET "
            "paused_reason = :p, offline_until = :o, failures = :f, last_success_at = :s"
        ),
        {
            "b": backend,
            "p": status.paused_reason,
            "o": None if status.offline_until is None else to_db(status.offline_until),
            "f": status.failures,
            "s": None if status.last_success_at is None else to_db(status.last_success_at),
        },
    )


@dataclass(frozen=True)
class Counts:
    pending: int
    parked: int
    conflicts: int


def counts(connection: Connection) -> Counts:
    row = connection.execute(
        text(
            "SELECT (SELECT count(*) FROM outbox WHERE state = 'pending') AS pending, "
            "(SELECT count(*) FROM outbox WHERE state = 'parked') AS parked, "
            "(SELECT count(*) FROM sync_conflicts WHERE state = 'open') AS conflicts"
        )
    ).one()
    return Counts(row.pending, row.parked, row.conflicts)
