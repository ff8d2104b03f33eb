"""Read queries. Sorting, filtering and paging happen in SQL; results are plain rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from agentdesk.core.sla import Clock
from agentdesk.core.ticket import Channel, MessageKind, Priority, Region, Status, Tier
from agentdesk.security.masking import mask_email, mask_name
from agentdesk.store.rows import (
    AgentRow,
    AuditLine,
    MessageRow,
    QueueFilter,
    QueueRow,
    TicketDetail,
    View,
)
from agentdesk.store.types import from_db, to_db

# Breached first, then at risk, then the rest; paused and finished clocks last in each group.
_ORDER = """
ORDER BY
    CASE
        WHEN t.sla_due_at IS NOT NULL AND t.sla_due_at <= :now THEN 0
        WHEN t.sla_at_risk_at IS NOT NULL AND t.sla_at_risk_at <= :now THEN 1
        ELSE 2
    END,
    t.priority,
    t.sla_due_at IS NULL,
    t.sla_due_at,
    t.id
"""

_COLUMNS = """
    t.id, t.priority, t.status, t.subject, c.name AS customer, t.channel, t.region,
    coalesce(a.handle, '') AS assignee, t.sla_clock, t.sla_due_at, t.sla_at_risk_at,
    t.sla_breached_at
"""

_FROM = """
FROM tickets t
JOIN customers c ON c.id = t.customer_id
LEFT JOIN agents a ON a.id = t.assignee_id
"""


def _where(queue: QueueFilter, params: dict[str, Any]) -> str:
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
    if queue.statuses:
        member("t.status", "status", [s.value for s in queue.statuses])
    if queue.priorities:
        member("t.priority", "priority", [p.value for p in queue.priorities])
    if queue.channels:
        member("t.channel", "channel", [c.value for c in queue.channels])
    if queue.regions:
        member("t.region", "region", [r.value for r in queue.regions])
    return ("WHERE " + " AND ".join(clauses)) if clauses else ""


def _when(value: str | None) -> datetime | None:
    return None if value is None else from_db(value)


def _queue_row(row: Any) -> QueueRow:
    return QueueRow(
        id=row.id,
        priority=Priority(row.priority),
        status=Status(row.status),
        subject=row.subject,
        customer=mask_name(row.customer),
        channel=Channel(row.channel),
        region=Region(row.region),
        assignee=row.assignee,
        sla_clock=Clock(row.sla_clock) if row.sla_clock else None,
        sla_due_at=_when(row.sla_due_at),
        sla_at_risk_at=_when(row.sla_at_risk_at),
        sla_breached_at=_when(row.sla_breached_at),
    )


def count_queue(connection: Connection, queue: QueueFilter) -> int:
    params: dict[str, Any] = {}
    sql = f"SELECT count(*) FROM tickets t {_where(queue, params)}"
    return int(connection.execute(text(sql), params).scalar_one())


def page_queue(
    connection: Connection, queue: QueueFilter, now: datetime, offset: int, limit: int
) -> list[QueueRow]:
    """One page of the queue in SLA-risk order."""
    params: dict[str, Any] = {"now": to_db(now), "limit": limit, "offset": offset}
    sql = f"SELECT {_COLUMNS} {_FROM} {_where(queue, params)} {_ORDER} LIMIT :limit OFFSET :offset"
    return [_queue_row(row) for row in connection.execute(text(sql), params)]


def rows_by_id(connection: Connection, queue: QueueFilter, ids: Sequence[int]) -> list[QueueRow]:
    """The given tickets that pass the filter, in the order of ids (a search ranking)."""
    if not ids:
        return []
    params: dict[str, Any] = {}
    where = _where(queue, params)
    id_list = ", ".join(str(int(i)) for i in ids)
    where = f"{where} AND t.id IN ({id_list})" if where else f"WHERE t.id IN ({id_list})"
    found = {
        row.id: _queue_row(row)
        for row in connection.execute(text(f"SELECT {_COLUMNS} {_FROM} {where}"), params)
    }
    return [found[i] for i in ids if i in found]


def priority_counts(connection: Connection) -> dict[Priority, int]:
    """Open tickets per priority, for the header."""
    counts = {p: 0 for p in Priority}
    sql = (
        "SELECT priority, count(*) FROM tickets "
        "WHERE status NOT IN ('resolved', 'closed') GROUP BY priority"
    )
    for priority, count in connection.execute(text(sql)):
        counts[Priority(priority)] = int(count)
    return counts


def search_corpus(connection: Connection) -> tuple[list[int], list[str]]:
    """Every ticket as (id, "#id subject customer"), for the fuzzy search index."""
    ids: list[int] = []
    texts: list[str] = []
    sql = "SELECT t.id, t.subject, c.name FROM tickets t JOIN customers c ON c.id = t.customer_id"
    for ticket_id, subject, name in connection.execute(text(sql)):
        ids.append(ticket_id)
        texts.append(f"#{ticket_id} {subject} {name}")
    return ids, texts


def ticket_detail(connection: Connection, ticket_id: int) -> TicketDetail | None:
    sql = f"""
        SELECT t.*, c.name AS customer_name, c.email AS customer_email, c.account_id,
               coalesce(a.handle, '') AS assignee
        {_FROM} WHERE t.id = :id
    """
    row = connection.execute(text(sql), {"id": ticket_id}).one_or_none()
    if row is None:
        return None
    messages = tuple(
        MessageRow(
            id=m.id,
            kind=MessageKind(m.kind),
            # A customer message is signed with the customer's full name: masked like the header.
            author=mask_name(m.author) if m.kind == MessageKind.CUSTOMER else m.author,
            body=m.body,
            created_at=from_db(m.created_at),
        )
        for m in connection.execute(
            text(
                "SELECT id, kind, author, body, created_at FROM messages "
                "WHERE ticket_id = :id ORDER BY created_at, id"
            ),
            {"id": ticket_id},
        )
    )
    return TicketDetail(
        id=row.id,
        subject=row.subject,
        priority=Priority(row.priority),
        status=Status(row.status),
        channel=Channel(row.channel),
        region=Region(row.region),
        tier=Tier(row.tier),
        assignee=row.assignee,
        customer_name=mask_name(row.customer_name),
        customer_email=mask_email(row.customer_email),
        account_id=row.account_id,
        product_area=row.product_area,
        issue_type=row.issue_type,
        created_at=from_db(row.created_at),
        updated_at=from_db(row.updated_at),
        first_response_at=_when(row.first_response_at),
        resolved_at=_when(row.resolved_at),
        sla_clock=Clock(row.sla_clock) if row.sla_clock else None,
        sla_due_at=_when(row.sla_due_at),
        sla_at_risk_at=_when(row.sla_at_risk_at),
        sla_breached_at=_when(row.sla_breached_at),
        messages=messages,
    )


def audit_trail(connection: Connection, ticket_id: int) -> list[AuditLine]:
    sql = (
        "SELECT actor, action, field, old_value, new_value, at FROM audit "
        "WHERE ticket_id = :id ORDER BY at, id"
    )
    return [
        AuditLine(r.actor, r.action, r.field, r.old_value, r.new_value, from_db(r.at))
        for r in connection.execute(text(sql), {"id": ticket_id})
    ]


def agent_by_handle(connection: Connection, handle: str) -> AgentRow | None:
    row = connection.execute(
        text("SELECT id, handle, name, tier FROM agents WHERE handle = :h"), {"h": handle}
    ).one_or_none()
    return None if row is None else AgentRow(row.id, row.handle, row.name, Tier(row.tier))


def pending_outbox(connection: Connection) -> int:
    return int(
        connection.execute(text("SELECT count(*) FROM outbox WHERE state = 'pending'")).scalar_one()
    )
