"""Bulk writes for imports and the demo, and the sweep of sent outbox rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, insert, text

from agentdesk.store.engine import Store
from agentdesk.store.models import (
    Agent,
    AuditRow,
    Customer,
    Message,
    OutboxRow,
    SlaBreachRow,
    Ticket,
)
from agentdesk.store.types import to_db

TABLES: Mapping[str, Table] = {
    "customers": Customer.__table__,  # type: ignore[attr-defined]
    "agents": Agent.__table__,  # type: ignore[attr-defined]
    "tickets": Ticket.__table__,  # type: ignore[attr-defined]
    "messages": Message.__table__,  # type: ignore[attr-defined]
    "audit": AuditRow.__table__,  # type: ignore[attr-defined]
    "outbox": OutboxRow.__table__,  # type: ignore[attr-defined]
    "sla_breaches": SlaBreachRow.__table__,  # type: ignore[attr-defined]
}


def bulk_insert(connection: Connection, table: str, rows: Iterable[Mapping[str, Any]]) -> int:
    """executemany through SQLAlchemy core: ~20x faster than ORM objects at 100k rows."""
    batch = list(rows)
    if batch:
        connection.execute(insert(TABLES[table]), batch)
    return len(batch)


def mark_outbox_done(store: Store, now: datetime) -> int:
    """The local backend has no remote: a pending op is done once it is committed here."""
    with store.write() as connection:
        result = connection.execute(
            text("UPDATE outbox SET state = 'done', done_at = :now WHERE state = 'pending'"),
            {"now": to_db(now)},
        )
    return int(result.rowcount)
