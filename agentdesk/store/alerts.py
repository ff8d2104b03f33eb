"""The store's part of the alerts: the candidates (tickets at risk or breached, new tickets
that came by sync, handovers) and the keys already announced (alert_announcements)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from agentdesk.core.alerts import AlertKey
from agentdesk.core.sla import Clock
from agentdesk.core.ticket import Priority, Status, Tier
from agentdesk.store.engine import Store
from agentdesk.store.stamps import from_db, to_db


@dataclass(frozen=True)
class SlaCandidate:
    id: int
    subject: str
    priority: Priority
    status: Status
    clock: Clock | None
    due_at: datetime | None
    at_risk_at: datetime | None
    breached_at: datetime | None


def _when(value: str | None) -> datetime | None:
    return None if value is None else from_db(value)


def sla_candidates(
    connection: Connection, now: datetime, agent_id: int | None, tier: Tier | None
) -> list[SlaCandidate]:
    """Open tickets past their at-risk time: the agent's own, and the unassigned ones at the
    agent's tier (whom else would the alert help)."""
    rows = connection.execute(
        text(
            "SELECT id, subject, priority, status, sla_clock, sla_due_at, sla_at_risk_at, "
            "sla_breached_at FROM tickets WHERE status IN ('new', 'assigned', 'in_progress') "
            "AND sla_at_risk_at IS NOT NULL AND sla_at_risk_at <= :now "
            "AND (assignee_id = :me OR (assignee_id IS NULL AND tier = :tier)) ORDER BY id"
        ),
        {"now": to_db(now), "me": -1 if agent_id is None else agent_id, "tier": tier or ""},
    )
    return [
        SlaCandidate(
            r.id,
            r.subject,
            Priority(r.priority),
            Status(r.status),
            Clock(r.sla_clock) if r.sla_clock else None,
            _when(r.sla_due_at),
            _when(r.sla_at_risk_at),
            _when(r.sla_breached_at),
        )
        for r in rows
    ]


def new_tickets(connection: Connection) -> list[tuple[int, str, Priority]]:
    """(id, subject, priority) of New tickets that came from the helpdesk (not opened here:
    a ticket created here has a 'create' op in the outbox)."""
    rows = connection.execute(
        text(
            "SELECT t.id, t.subject, t.priority FROM tickets t WHERE t.status = 'new' "
            "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.ticket_id = t.id AND o.op = 'create') "
            "ORDER BY t.id"
        )
    )
    return [(int(r.id), str(r.subject), Priority(r.priority)) for r in rows]


def announced(connection: Connection, kinds: tuple[str, ...]) -> set[AlertKey]:
    """Every key announced for these kinds (a team's store holds thousands at most)."""
    params: dict[str, Any] = {f"k{i}": kind for i, kind in enumerate(kinds)}
    marks = ", ".join(f":k{i}" for i in range(len(kinds)))
    rows = connection.execute(
        text(f"SELECT kind, ref, state FROM alert_announcements WHERE kind IN ({marks})"),
        params,
    )
    return {(r.kind, r.ref, r.state) for r in rows}


def mark_announced(store: Store, keys: list[AlertKey], now: datetime) -> None:
    if not keys:
        return
    with store.write() as connection:
        connection.execute(
            text(
                "INSERT INTO alert_announcements (kind, ref, state, announced_at) "
                "VALUES (:k, :r, :s, :at) ON CONFLICT DO NOTHING"
            ),
            [{"k": k, "r": r, "s": s, "at": to_db(now)} for k, r, s in keys],
        )
