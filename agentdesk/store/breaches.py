"""SLA breaches: the rows a change's plan records, and the sweep that records the ones time
brought."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, text

from agentdesk.core.changes import ChangePlan
from agentdesk.store.audit import AuditRecord, write_audit
from agentdesk.store.engine import Store
from agentdesk.store.types import from_db, to_db


def _insert_breaches(connection: Connection, ticket_id: int, plan: ChangePlan, stamp: str) -> None:
    at = from_db(stamp)
    for breach in plan.breaches:
        inserted = connection.execute(
            text(
                "INSERT OR IGNORE INTO sla_breaches (ticket_id, clock, due_at, recorded_at) "
                "VALUES (:t, :clock, :due, :at)"
            ),
            {"t": ticket_id, "clock": breach.clock.value, "due": to_db(breach.due_at), "at": stamp},
        )
        if inserted.rowcount:
            due = to_db(breach.due_at)
            row = AuditRecord(ticket_id, "sla", "sla_breach", breach.clock.value, None, due, at)
            write_audit(connection, [row])
    if plan.breaches:
        connection.execute(
            text(
                "UPDATE tickets SET sla_breached_at = coalesce(sla_breached_at, :at) WHERE id = :t"
            ),
            {"t": ticket_id, "at": to_db(min(b.due_at for b in plan.breaches))},
        )


def record_breaches(store: Store, now: datetime) -> int:
    """Record every running clock whose due time has passed. Returns how many were new."""
    stamp = to_db(now)
    with store.write() as connection:
        due = {"now": stamp}
        # Audit first: the NOT EXISTS sees only breaches not yet recorded.
        new = connection.execute(
            text(
                "SELECT t.id, t.sla_clock, t.sla_due_at "
                "FROM tickets t WHERE t.sla_due_at <= :now AND t.sla_clock IS NOT NULL "
                "AND NOT EXISTS (SELECT 1 FROM sla_breaches b WHERE b.ticket_id = t.id "
                "AND b.clock = t.sla_clock AND b.due_at = t.sla_due_at)"
            ),
            due,
        )
        write_audit(
            connection,
            [
                AuditRecord(t, "sla", "sla_breach", clock, None, due_at, now)
                for t, clock, due_at in new
            ],
        )
        inserted = connection.execute(
            text(
                "INSERT OR IGNORE INTO sla_breaches (ticket_id, clock, due_at, recorded_at) "
                "SELECT id, sla_clock, sla_due_at, :now FROM tickets "
                "WHERE sla_due_at <= :now AND sla_clock IS NOT NULL"
            ),
            due,
        ).rowcount
        connection.execute(
            text(
                "UPDATE tickets SET sla_breached_at = sla_due_at "
                "WHERE sla_breached_at IS NULL AND sla_due_at <= :now AND sla_clock IS NOT NULL"
            ),
            due,
        )
    return int(inserted)
