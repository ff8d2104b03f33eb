"""The queue's SQL and row mapping, shared by the store's queries and the start-up peek.

Plain SQL with :named parameters and positional rows, so it runs the same on a SQLAlchemy
connection and on a bare sqlite3 one. No SQLAlchemy import here: the peek must not wait for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from agentdesk.core.sla import Clock
from agentdesk.core.ticket import Channel, Priority, Region, Status, Tier
from agentdesk.security.masking import mask_name
from agentdesk.store.rows import AgentRow, QueueFilter, QueueRow, View
from agentdesk.store.stamps import from_db

# By how soon each ticket breaches: the stored due time is the ticket's nearest running clock
# (first response, next P0 update or resolution), so breached tickets come first, most
# overdue first, then the rest by absolute time left. Within the same minute the higher
# priority leads. Paused and finished clocks (no due time) come last, by priority.
# The order does not depend on the moment it is read, so pages stay consistent over time.
ORDER = """
ORDER BY
    t.sla_due_at IS NULL,
    substr(t.sla_due_at, 1, 16),
    t.priority,
    t.sla_due_at,
    t.id
"""

# queue_row() reads these by position.
COLUMNS = """
    t.id, t.priority, t.status, t.subject, c.name AS customer, t.channel, t.region,
    coalesce(a.handle, '') AS assignee, t.sla_clock, t.sla_due_at, t.sla_at_risk_at,
    t.sla_breached_at, t.tier,
    coalesce((SELECT max(h.at) FROM handoffs h WHERE h.ticket_id = t.id AND h.to_tier = t.tier),
             t.created_at) AS tier_since,
    EXISTS (SELECT 1 FROM tier_limit_reasons r WHERE r.ticket_id = t.id AND r.tier = t.tier)
        AS tier_why_not
"""

FROM = """
FROM tickets t
JOIN customers c ON c.id = t.customer_id
LEFT JOIN agents a ON a.id = t.assignee_id
"""

PRIORITY_COUNTS = (
    "SELECT priority, count(*) FROM tickets "
    "WHERE status NOT IN ('resolved', 'closed') GROUP BY priority"
)

AGENT_BY_HANDLE = "SELECT id, handle, name, tier FROM agents WHERE handle = :h"

PENDING_OUTBOX = "SELECT count(*) FROM outbox WHERE state = 'pending'"


def where(queue: QueueFilter, params: dict[str, Any]) -> str:
    clauses: list[str] = []

    def member(column: str, name: str, values: Sequence[str]) -> None:
        keys = []
        for index, value in enumerate(sorted(values)):
            key = f"{name}{index}"
            params[key] = value
            keys.append(f":{key}")
        clauses.append(f"{column} IN ({', '.join(keys)})")

    if queue.view is View.MINE:
        clauses.append("t.assignee_id = :agent_id")
        params["agent_id"] = queue.agent_id if queue.agent_id is not None else -1
    elif queue.view is View.UNASSIGNED:
        clauses.append("t.assignee_id IS NULL")
    elif queue.view is View.TIER:
        clauses.append("t.tier = :agent_tier")
        params["agent_tier"] = queue.tier.value if queue.tier is not None else ""
    if queue.statuses:
        member("t.status", "status", [s.value for s in queue.statuses])
    if queue.priorities:
        member("t.priority", "priority", [p.value for p in queue.priorities])
    if queue.channels:
        member("t.channel", "channel", [c.value for c in queue.channels])
    if queue.regions:
        member("t.region", "region", [r.value for r in queue.regions])
    if queue.tiers:
        member("t.tier", "tier", [t.value for t in queue.tiers])
    return ("WHERE " + " AND ".join(clauses)) if clauses else ""


def count_sql(queue: QueueFilter) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {}
    return f"SELECT count(*) FROM tickets t {where(queue, params)}", params


def page_sql(
    queue: QueueFilter, now: datetime, offset: int, limit: int
) -> tuple[str, dict[str, Any]]:
    """One page of the queue. `now` is the moment of the showing; the order itself is by
    absolute due times, so a later page read at another moment joins up with the first."""
    del now  # kept in the signature: callers order every page of a showing at one moment
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    sql = f"SELECT {COLUMNS} {FROM} {where(queue, params)} {ORDER} LIMIT :limit OFFSET :offset"
    return sql, params


def when(value: str | None) -> datetime | None:
    return None if value is None else from_db(value)


def queue_row(row: Sequence[Any]) -> QueueRow:
    (
        ticket_id,
        priority,
        status,
        subject,
        customer,
        channel,
        region,
        assignee,
        sla_clock,
        due_at,
        at_risk_at,
        breached_at,
        tier,
        tier_since,
        tier_why_not,
    ) = row
    return QueueRow(
        id=ticket_id,
        priority=Priority(priority),
        status=Status(status),
        subject=subject,
        customer=mask_name(customer),
        channel=Channel(channel),
        region=Region(region),
        assignee=assignee,
        sla_clock=Clock(sla_clock) if sla_clock else None,
        sla_due_at=when(due_at),
        sla_at_risk_at=when(at_risk_at),
        sla_breached_at=when(breached_at),
        tier=Tier(tier),
        tier_since=when(tier_since),
        tier_why_not=bool(tier_why_not),
    )


def priority_counts_from(rows: Sequence[Sequence[Any]]) -> dict[Priority, int]:
    counts = {p: 0 for p in Priority}
    for priority, count in rows:
        counts[Priority(priority)] = int(count)
    return counts


def agent_row(row: Sequence[Any] | None) -> AgentRow | None:
    if row is None:
        return None
    agent_id, handle, name, tier = row
    return AgentRow(agent_id, handle, name, Tier(tier))
