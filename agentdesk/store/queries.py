"""Read queries. Sorting, filtering and paging happen in SQL; results are plain rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from agentdesk.core.sla import Clock
from agentdesk.core.ticket import Channel, MessageKind, Priority, Region, Status, Tier
from agentdesk.security.masking import mask_email, mask_name
from agentdesk.store.queue_sql import (
    AGENT_BY_HANDLE,
    COLUMNS,
    DENSE_QUEUE,
    FROM,
    PENDING_OUTBOX,
    PRIORITY_COUNTS,
    QueueKey,
    agent_row,
    count_sql,
    keyed_rows,
    keyset_sql,
    page_sql,
    priority_counts_from,
    queue_row,
    when,
    where,
)
from agentdesk.store.rows import (
    AgentRow,
    AuditLine,
    MessageRow,
    QueueFilter,
    QueueRow,
    TicketDetail,
)
from agentdesk.store.stamps import from_db


def count_queue(connection: Connection, queue: QueueFilter) -> int:
    sql, params = count_sql(queue)
    return int(connection.execute(text(sql), params).scalar_one())


def page_queue(
    connection: Connection, queue: QueueFilter, now: datetime, offset: int, limit: int
) -> list[QueueRow]:
    """One page of the queue in SLA-risk order."""
    sql, params = page_sql(queue, now, offset, limit)
    return [queue_row(row) for row in connection.execute(text(sql), params)]


class QueuePager:
    """The pages of one showing of a queue, read by the order key (keyset paging), so the
    end of 50,000 tickets comes as fast as the start.

    Every page read leaves the keys at its edges: the page after it starts past its last
    key, the page before it ends short of its first. A page with no known edge is read from
    the nearer end of the queue, by a walk over the order index alone."""

    def __init__(self, queue: QueueFilter, total: int) -> None:
        self.queue = queue
        self.total = total
        self._after: dict[int, QueueKey] = {}  # offset -> key of the row before it
        self._first: dict[int, QueueKey] = {}  # offset -> key of the row at it
        # Many matches: the order index reaches a page of them soon. A few: their own index
        # and a sort of those few beats a walk past every other ticket.
        self._walk = total >= DENSE_QUEUE

    def page(self, connection: Connection, offset: int, limit: int) -> list[QueueRow]:
        queue, total, walk = self.queue, self.total, self._walk
        limit = max(min(limit, total - offset), 0)
        if limit == 0:
            return []
        end = offset + limit
        if offset in self._after:
            sql, params = keyset_sql(queue, limit, after=self._after[offset], walk_order=walk)
        elif end in self._first:
            sql, params = keyset_sql(
                queue, limit, after=self._first[end], from_end=True, walk_order=walk
            )
        elif offset and total - end < offset:
            sql, params = keyset_sql(
                queue, limit, offset=total - end, from_end=True, walk_order=walk
            )
        else:
            sql, params = keyset_sql(queue, limit, offset=offset, walk_order=walk)
        rows, keys = keyed_rows(list(connection.execute(text(sql), params)))
        if keys:
            self._first[offset] = keys[0]
            self._after[offset + len(keys)] = keys[-1]
        return rows


def rows_by_id(connection: Connection, queue: QueueFilter, ids: Sequence[int]) -> list[QueueRow]:
    """The given tickets that pass the filter, in the order of ids (a search ranking)."""
    if not ids:
        return []
    params: dict[str, Any] = {}
    clause = where(queue, params)
    id_list = ", ".join(str(int(i)) for i in ids)
    clause = f"{clause} AND t.id IN ({id_list})" if clause else f"WHERE t.id IN ({id_list})"
    found = {
        row.id: queue_row(row)
        for row in connection.execute(text(f"SELECT {COLUMNS} {FROM} {clause}"), params)
    }
    return [found[i] for i in ids if i in found]


def priority_counts(connection: Connection) -> dict[Priority, int]:
    """Open tickets per priority, for the header."""
    return priority_counts_from(list(connection.execute(text(PRIORITY_COUNTS))))


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
        {FROM} WHERE t.id = :id
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
                # A duplicate merged into this ticket shows its conversation here, as RT does.
                "SELECT id, kind, author, body, created_at FROM messages "
                "WHERE ticket_id = :id OR ticket_id IN "
                "(SELECT ticket_id FROM ticket_merges WHERE into_ticket_id = :id) "
                "ORDER BY created_at, id"
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
        first_response_at=when(row.first_response_at),
        resolved_at=when(row.resolved_at),
        sla_clock=Clock(row.sla_clock) if row.sla_clock else None,
        sla_due_at=when(row.sla_due_at),
        sla_at_risk_at=when(row.sla_at_risk_at),
        sla_breached_at=when(row.sla_breached_at),
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
    return agent_row(connection.execute(text(AGENT_BY_HANDLE), {"h": handle}).one_or_none())


def agent_by_id(connection: Connection, agent_id: int) -> AgentRow | None:
    sql = "SELECT id, handle, name, tier FROM agents WHERE id = :id"
    return agent_row(connection.execute(text(sql), {"id": agent_id}).one_or_none())


def active_agents(connection: Connection, tiers: Sequence[Tier]) -> list[AgentRow]:
    """The active agents of these tiers, by tier then name (whom an escalation can go to)."""
    if not tiers:
        return []
    names = ", ".join(f"'{Tier(t).value}'" for t in tiers)
    sql = (
        "SELECT id, handle, name, tier FROM agents "
        f"WHERE active = 1 AND tier IN ({names}) ORDER BY tier, name, id"
    )
    return [AgentRow(r.id, r.handle, r.name, Tier(r.tier)) for r in connection.execute(text(sql))]


def pending_outbox(connection: Connection) -> int:
    return int(connection.execute(text(PENDING_OUTBOX)).scalar_one())
