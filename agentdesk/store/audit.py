"""The one audit writer: every `audit` row of the program is written here.

Callers build plain AuditRecord values (or turn core's AuditEntry into them with `rows_of`) and
write them inside their own transaction, beside the change they describe.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from agentdesk.core.changes import AuditEntry
from agentdesk.store.stamps import from_db, to_db


@dataclass(frozen=True)
class AuditRecord:
    ticket_id: int | None
    actor: str
    action: str
    field: str
    old_value: str | None
    new_value: str | None
    at: datetime
    # A shift's own events (start, end, presence, checklist): ticket_id None, shift_id set.
    shift_id: int | None = None


def rows_of(
    entries: Iterable[AuditEntry], *, ticket_id: int, actor: str, at: datetime
) -> list[AuditRecord]:
    """Core's audit entries of a plan as rows of one ticket, one actor, one moment."""
    return [
        AuditRecord(ticket_id, actor, e.action, e.field, e.old_value, e.new_value, at)
        for e in entries
    ]


def write_audit(connection: Connection, entries: Iterable[AuditRecord]) -> int:
    """Insert the rows in order (one executemany); returns how many were written."""
    batch = [
        {
            "t": entry.ticket_id,
            "actor": entry.actor,
            "action": entry.action,
            "field": entry.field,
            "old": entry.old_value,
            "new": entry.new_value,
            "at": to_db(entry.at),
            "shift": entry.shift_id,
        }
        for entry in entries
    ]
    if batch:
        connection.execute(
            text(
                "INSERT INTO audit (ticket_id, actor, action, field, old_value, new_value, at, "
                "shift_id) VALUES (:t, :actor, :action, :field, :old, :new, :at, :shift)"
            ),
            batch,
        )
    return len(batch)


# Issue 16: the security trail (PCI DSS 10.2.2): who, what, when, whether it worked, from
# where, on what. Append-only: triggers refuse UPDATE and DELETE (store/migrations.py).


@dataclass(frozen=True)
class SecurityEvent:
    actor: str
    event: str  # see agentdesk.security.audit_events
    success: bool
    origin: str
    resource: str
    at: datetime
    detail: str = ""


def write_security_event(connection: Connection, entry: SecurityEvent) -> None:
    connection.execute(
        text(
            "INSERT INTO security_audit (at, actor, event, success, origin, resource, detail) "
            "VALUES (:at, :actor, :event, :success, :origin, :resource, :detail)"
        ),
        {
            "at": to_db(entry.at),
            "actor": entry.actor,
            "event": entry.event,
            "success": 1 if entry.success else 0,
            "origin": entry.origin,
            "resource": entry.resource,
            "detail": entry.detail,
        },
    )


def security_events(connection: Connection, since: datetime) -> list[SecurityEvent]:
    rows = connection.execute(
        text(
            "SELECT at, actor, event, success, origin, resource, detail FROM security_audit "
            "WHERE at >= :since ORDER BY at, id"
        ),
        {"since": to_db(since)},
    )
    return [
        SecurityEvent(
            actor=row.actor,
            event=row.event,
            success=bool(row.success),
            origin=row.origin,
            resource=row.resource,
            at=from_db(row.at),
            detail=row.detail,
        )
        for row in rows
    ]
