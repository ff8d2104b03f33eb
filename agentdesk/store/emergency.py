"""The store's part of the escalation matrix and the SLA-at-risk path: why a ticket stays
past its tier's time limit, the path's steps, links to incidents.

Every write here runs in one transaction with its audit rows (store.audit).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from agentdesk.core.emergency import PARENT_INCIDENT, EscalationState, RiskPath
from agentdesk.core.links import LinkKind
from agentdesk.core.sla import Clock
from agentdesk.core.ticket import Tier
from agentdesk.store.audit import AuditRecord, write_audit
from agentdesk.store.engine import Store
from agentdesk.store.links import insert_link
from agentdesk.store.stamps import from_db, to_db

_PATH_COLUMNS = (
    "ticket_id, clock, risk_began_at, notified_name, notified_role, notified_via, notified_at, "
    "incident_ticket_id, incident_at, customer_informed_at, etr, breach_noted_at"
)


def _when(value: str | None) -> datetime | None:
    return None if value is None else from_db(value)


def _path(row: Any) -> RiskPath:
    return RiskPath(
        ticket_id=row.ticket_id,
        clock=Clock(row.clock),
        risk_began_at=from_db(row.risk_began_at),
        notified_name=row.notified_name,
        notified_role=row.notified_role,
        notified_via=row.notified_via,
        notified_at=_when(row.notified_at),
        incident_ticket_id=row.incident_ticket_id,
        incident_at=_when(row.incident_at),
        customer_informed_at=_when(row.customer_informed_at),
        etr=row.etr,
        breach_noted_at=_when(row.breach_noted_at),
    )


def escalation_state(connection: Connection, ticket_id: int) -> EscalationState:
    row = connection.execute(
        text(
            "SELECT coalesce((SELECT max(h.at) FROM handoffs h WHERE h.ticket_id = t.id "
            "AND h.to_tier = t.tier), t.created_at) AS since FROM tickets t WHERE t.id = :t"
        ),
        {"t": ticket_id},
    ).one_or_none()
    if row is None:
        return EscalationState()
    tiers = frozenset(
        connection.execute(
            text("SELECT DISTINCT tier FROM tier_limit_reasons WHERE ticket_id = :t"),
            {"t": ticket_id},
        ).scalars()
    )
    paths = tuple(
        _path(r)
        for r in connection.execute(
            text(
                f"SELECT {_PATH_COLUMNS} FROM sla_risk_paths WHERE ticket_id = :t "
                "ORDER BY risk_began_at DESC, id DESC"
            ),
            {"t": ticket_id},
        )
    )
    incidents = tuple(
        connection.execute(
            text(
                "SELECT other_ticket_id FROM ticket_links WHERE ticket_id = :t AND kind = :k "
                "ORDER BY other_ticket_id"
            ),
            {"t": ticket_id, "k": PARENT_INCIDENT},
        ).scalars()
    )
    return EscalationState(from_db(row.since), tiers, paths, incidents)


def record_tier_reason(
    store: Store, ticket_id: int, tier: Tier, reason: str, *, actor: str, now: datetime
) -> None:
    with store.write() as connection:
        connection.execute(
            text(
                "INSERT INTO tier_limit_reasons (ticket_id, tier, reason, actor, at) "
                "VALUES (:t, :tier, :reason, :actor, :at)"
            ),
            {
                "t": ticket_id,
                "tier": tier.value,
                "reason": reason,
                "actor": actor,
                "at": to_db(now),
            },
        )
        write_audit(
            connection,
            [AuditRecord(ticket_id, actor, "tier_limit_why_not", tier.value, None, reason, now)],
        )


_STEP_FIELDS = {
    "notified_name",
    "notified_role",
    "notified_via",
    "notified_at",
    "incident_ticket_id",
    "incident_at",
    "customer_informed_at",
    "etr",
    "breach_noted_at",
}


def record_step(
    connection: Connection,
    ticket_id: int,
    clock: Clock,
    risk_began_at: datetime,
    *,
    actor: str,
    now: datetime,
    audit: tuple[str, str],
    **fields: Any,
) -> None:
    """Set the step's fields on the path (made on its first step), with an audit row
    (action, new value), inside the caller's transaction."""
    unknown = set(fields) - _STEP_FIELDS
    if unknown:
        raise ValueError(f"not a step field: {sorted(unknown)}")
    key = {"t": ticket_id, "c": clock.value, "r": to_db(risk_began_at)}
    connection.execute(
        text(
            "INSERT INTO sla_risk_paths (ticket_id, clock, risk_began_at, started_at, started_by) "
            "VALUES (:t, :c, :r, :at, :actor) ON CONFLICT DO NOTHING"
        ),
        {**key, "at": to_db(now), "actor": actor},
    )
    values = {k: to_db(v) if isinstance(v, datetime) else v for k, v in fields.items()}
    assignments = ", ".join(f"{name} = :{name}" for name in values)
    connection.execute(
        text(
            f"UPDATE sla_risk_paths SET {assignments} "
            "WHERE ticket_id = :t AND clock = :c AND risk_began_at = :r"
        ),
        {**key, **values},
    )
    action, new_value = audit
    write_audit(
        connection, [AuditRecord(ticket_id, actor, action, clock.value, None, new_value, now)]
    )


def link_incident(
    connection: Connection, ticket_id: int, incident_id: int, *, actor: str, now: datetime
) -> None:
    """The ticket becomes a member of the incident through the links' own path (audited on
    both, an outbox op, so RT shows MemberOf); linking again changes nothing."""
    there = connection.execute(
        text(
            "SELECT 1 FROM ticket_links WHERE ticket_id = :t AND other_ticket_id = :o AND kind = :k"
        ),
        {"t": ticket_id, "o": incident_id, "k": PARENT_INCIDENT},
    ).first()
    if there is None:
        insert_link(
            connection, ticket_id, incident_id, LinkKind.PARENT_INCIDENT, actor=actor, now=now
        )


def incident_step(
    connection: Connection,
    ticket_id: int,
    clock: Clock,
    risk_began_at: datetime,
    incident_id: int,
    *,
    actor: str,
    now: datetime,
    said: str,
) -> None:
    """Step 2 recorded: the ticket linked to its incident, and the step with its audit row
    (said: what the audit says, "#12 opened" or "linked to #12")."""
    link_incident(connection, ticket_id, incident_id, actor=actor, now=now)
    record_step(
        connection,
        ticket_id,
        clock,
        risk_began_at,
        actor=actor,
        now=now,
        audit=("sla_risk_incident", said),
        incident_ticket_id=incident_id,
        incident_at=now,
    )


def customer_of(connection: Connection, ticket_id: int) -> int:
    """The ticket's customer (an incident is opened for the same one)."""
    found = connection.execute(
        text("SELECT customer_id FROM tickets WHERE id = :t"), {"t": ticket_id}
    ).scalar_one()
    return int(found)


def open_incidents(connection: Connection) -> list[tuple[int, str]]:
    """(id, subject) of the open P0 tickets that are some ticket's parent incident."""
    rows = connection.execute(
        text(
            "SELECT t.id, t.subject FROM tickets t WHERE t.priority = 'P0' "
            "AND t.status NOT IN ('resolved', 'closed') AND EXISTS (SELECT 1 FROM ticket_links "
            "l WHERE l.other_ticket_id = t.id AND l.kind = :k) ORDER BY t.id DESC"
        ),
        {"k": PARENT_INCIDENT},
    )
    return [(int(r.id), str(r.subject)) for r in rows]


def breaches_to_document(connection: Connection) -> list[tuple[RiskPath, str, datetime]]:
    """(path, clock, due) for each breach recorded on a ticket after its risk began, whose
    path has an incident and no breach noted in it yet."""
    rows = connection.execute(
        text(
            f"SELECT {', '.join('p.' + c.strip() for c in _PATH_COLUMNS.split(','))}, "
            "b.clock AS breached_clock, b.due_at AS breached_due FROM sla_risk_paths p "
            "JOIN sla_breaches b ON b.ticket_id = p.ticket_id AND b.due_at >= p.risk_began_at "
            "WHERE p.incident_ticket_id IS NOT NULL AND p.breach_noted_at IS NULL "
            "ORDER BY p.id, b.due_at"
        )
    )
    return [(_path(r), str(r.breached_clock), from_db(r.breached_due)) for r in rows]
