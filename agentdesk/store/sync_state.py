"""What sync keeps per backend: remote versions of tickets, cursors, claims, rejects, status.

Each method runs in the caller's transaction (SyncPort): a pull page and its cursor, or an
op's result and its claim, always commit together.
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
class TicketSync:
    etag: str | None
    remote_updated_at: str | None
    remote_values: Mapping[str, str]


@dataclass(frozen=True)
class SyncStatus:
    paused_reason: str | None
    offline_until: datetime | None
    failures: int
    last_success_at: datetime | None


class SyncStateRows:
    connection: Connection

    # -- claims: remote records an op has made its own ------------------------------------

    def claim(self, backend: str, remote_ref: str, outbox_id: int) -> bool:
        """Record that remote_ref (a remote transaction or ticket) is this op's. False if
        another op has it."""
        taken = self.connection.execute(
            text("SELECT outbox_id FROM sync_claims WHERE backend = :b AND remote_ref = :r"),
            {"b": backend, "r": remote_ref},
        ).scalar_one_or_none()
        if taken is not None:
            return bool(taken == outbox_id)
        self.connection.execute(
            text("INSERT INTO sync_claims (backend, remote_ref, outbox_id) VALUES (:b, :r, :o)"),
            {"b": backend, "r": remote_ref, "o": outbox_id},
        )
        return True

    def claimed(self, backend: str) -> set[str]:
        rows = self.connection.execute(
            text("SELECT remote_ref FROM sync_claims WHERE backend = :b"), {"b": backend}
        )
        return {row[0] for row in rows}

    def claim_owner(self, backend: str, remote_ref: str) -> int | None:
        """The outbox op that claimed remote_ref, if any."""
        owner = self.connection.execute(
            text("SELECT outbox_id FROM sync_claims WHERE backend = :b AND remote_ref = :r"),
            {"b": backend, "r": remote_ref},
        ).scalar_one_or_none()
        return None if owner is None else int(owner)

    # -- the remote version of a ticket ---------------------------------------------------

    def ticket_sync(self, ticket_id: int) -> TicketSync:
        row = self.connection.execute(
            text(
                "SELECT etag, remote_updated_at, remote_values FROM sync_tickets "
                "WHERE ticket_id = :t"
            ),
            {"t": ticket_id},
        ).one_or_none()
        if row is None:
            return TicketSync(None, None, {})
        return TicketSync(row.etag, row.remote_updated_at, json.loads(row.remote_values))

    def save_ticket_sync(
        self,
        ticket_id: int,
        backend: str,
        *,
        etag: str | None,
        remote_updated_at: datetime | None,
        remote_values: Mapping[str, str],
    ) -> None:
        self.connection.execute(
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

    # -- cursors, rejects, status ---------------------------------------------------------

    def get_cursor(self, backend: str, scope: str) -> dict[str, Any] | None:
        value = self.connection.execute(
            text("SELECT value FROM sync_cursors WHERE backend = :b AND scope = :s"),
            {"b": backend, "s": scope},
        ).scalar_one_or_none()
        return None if value is None else dict(json.loads(value))

    def set_cursor(self, backend: str, scope: str, value: Mapping[str, Any]) -> None:
        self.connection.execute(
            text(
                "INSERT INTO sync_cursors (backend, scope, value) VALUES (:b, :s, :v) "
                "ON CONFLICT (backend, scope) DO UPDATE SET value = :v"
            ),
            {"b": backend, "s": scope, "v": json.dumps(dict(value), sort_keys=True)},
        )

    def reject(
        self, backend: str, remote_id: str | None, reason: str, record: Any, now: datetime
    ) -> bool:
        """Set a remote record aside with the reason: kept, never applied. Once: the same
        record for the same reason (a pull's overlap window reads it again) is not set aside
        again until it changes. True if this is a new reject."""
        params = {
            "b": backend,
            "r": remote_id,
            "why": reason,
            "rec": json.dumps(record, sort_keys=True, default=str)[:20_000],
        }
        seen = self.connection.execute(
            text(
                "SELECT 1 FROM sync_rejects WHERE backend = :b AND remote_id IS :r "
                "AND reason = :why AND record = :rec LIMIT 1"
            ),
            params,
        ).first()
        if seen is not None:
            return False
        self.connection.execute(
            text(
                "INSERT INTO sync_rejects (backend, remote_id, reason, record, at) "
                "VALUES (:b, :r, :why, :rec, :at)"
            ),
            {**params, "at": to_db(now)},
        )
        return True

    def get_status(self, backend: str) -> SyncStatus:
        row = self.connection.execute(
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

    def set_status(self, backend: str, status: SyncStatus) -> None:
        self.connection.execute(
            text(
                "INSERT INTO sync_status (backend, paused_reason, offline_until, failures, "
                "last_success_at) VALUES (:b, :p, :o, :f, :s) ON CONFLICT (backend) DO UPDATE "
                "SET paused_reason = :p, offline_until = :o, failures = :f, last_success_at = :s"
            ),
            {
                "b": backend,
                "p": status.paused_reason,
                "o": None if status.offline_until is None else to_db(status.offline_until),
                "f": status.failures,
                "s": None if status.last_success_at is None else to_db(status.last_success_at),
            },
        )
