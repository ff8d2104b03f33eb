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

# SLA risk within priority bands (core/sla.queue_order_key, which this is in SQL): paused
# clocks (no due time) last; then the band (P0; P1-P2; P3-P4, as core.sla.QUEUE_BANDS:
# 'P1' > 'P0' and 'P3' > 'P2' count 1 each); then the due minute of the ticket's nearest
# running clock, so the breached come first, most overdue first; the higher priority first
# within a minute; then the exact due time and the id. The order does not depend on the
# moment it is read, so pages stay consistent over time.
# Written as a key of six values that are never NULL (a row value compares only without
# NULLs; '' sorts where NULL did), exactly as the index ix_tickets_queue_order lists them, so
# SQLite walks that index instead of sorting the queue (issue 17: keyset paging).
ORDER_KEY = (
    "(t.sla_due_at IS NULL)",
    "((t.priority > 'P0') + (t.priority > 'P2'))",
    "coalesce(substr(t.sla_due_at, 1, 16), '')",
    "t.priority",
    "coalesce(t.sla_due_at, '')",
    "t.id",
)
ORDER = "ORDER BY " + ", ".join(ORDER_KEY)

QueueKey = tuple[int, int, str, str, str, int]
"""A row's place in the queue order: the page after it starts with the next key."""

DENSE_QUEUE = 1_000
"""From this many matches on, a queue's pages walk the order index (QueuePager). Measured at
50,000 tickets (CPU, first page of 200): 2,500 unassigned walk 3 ms, sorted 14 ms; 5,995 by
channel 3.5 vs 29 ms; 1,257 pending in a region 6 vs 6 ms; 66 of one agent 9 vs 2 ms."""

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


def _named_columns(queue: QueueFilter) -> set[str]:
    """The ticket columns a filter constrains."""
    named = {"assignee_id"} if queue.view in (View.MINE, View.UNASSIGNED) else set()
    if queue.view is View.TIER or queue.tiers:
        named.add("tier")
    for column, values in (
        ("status", queue.statuses),
        ("priority", queue.priorities),
        ("channel", queue.channels),
        ("region", queue.regions),
    ):
        if values:
            named.add(column)
    return named


def filter_index(queue: QueueFilter, *, count: bool = False) -> str:
    """The index a page of a few matches reads (or, with count, the count of the matches):
    one that holds every column the filter names, and for a page the sort key, so neither
    reads a ticket row (migration hmem_filter_indexes). Named: without statistics SQLite
    takes the index of any one column the filter names and reads the ticket row of each of
    its entries for the others (a region and the unassigned: 25,000 rows of 50,000, 20 ms).
    The index that seeks the most of what the filter names: the assignee's (Mine,
    Unassigned), the statuses and priorities' (ix_tickets_queue), a count of one channel's
    or region's; else the statuses (then the tier, for My tier) or, for any status, the
    whole of ix_tickets_filter (50,000 entries, ~5 ms)."""
    named = _named_columns(queue)
    if "assignee_id" in named:
        return "ix_tickets_assignee"
    if "priority" in named and named <= {"status", "priority"}:
        return "ix_tickets_queue"  # (status, priority, sla_due_at): the sort key too
    if count and named - {"status"} in ({"channel"}, {"region"}):
        return f"ix_tickets_{(named - {'status'}).pop()}"  # (channel, status), (region, status)
    return "ix_tickets_filter"


def count_sql(queue: QueueFilter) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {}
    clause = where(queue, params)
    indexed = f"INDEXED BY {filter_index(queue, count=True)}"
    return f"SELECT count(*) FROM tickets t {indexed} {clause}", params


def page_sql(
    queue: QueueFilter, now: datetime, offset: int, limit: int
) -> tuple[str, dict[str, Any]]:
    """One page of the queue. `now` is the moment of the showing; the order itself is by
    absolute due times, so a later page read at another moment joins up with the first."""
    del now  # kept in the signature: callers order every page of a showing at one moment
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    sql = f"SELECT {COLUMNS} {FROM} {where(queue, params)} {ORDER} LIMIT :limit OFFSET :offset"
    return sql, params


def keyset_sql(
    queue: QueueFilter,
    limit: int,
    *,
    after: QueueKey | None = None,
    offset: int = 0,
    from_end: bool = False,
    walk_order: bool = True,
) -> tuple[str, dict[str, Any]]:
    """A page by the order key: the rows after `after` (keyset), or `offset` rows in from the
    start or, with from_end, from the end (then read backwards; the page comes out in queue
    order all the same). With walk_order the inner select walks the order index alone
    (named: SQLite would rather take a status index and sort every match, ~85 ms for the
    open queue of 50,000); without, the filter's index (filter_index) and a sort of the
    matches: right for a few spread over the whole order. The joins run for the page's rows
    only. Each row: COLUMNS, then its six key values."""
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    clause = where(queue, params)
    key = ", ".join(ORDER_KEY)
    if after is not None:
        params.update({f"k{n}": value for n, value in enumerate(after)})
        marks = ", ".join(f":k{n}" for n in range(len(ORDER_KEY)))
        seek = f"({key}) {'<' if from_end else '>'} ({marks})"
        clause = f"{clause} AND {seek}" if clause else f"WHERE {seek}"
    indexed = f"INDEXED BY {'ix_tickets_queue_order' if walk_order else filter_index(queue)}"
    direction = " DESC" if from_end else ""
    inner_order = ", ".join(f"{part}{direction}" for part in ORDER_KEY)
    names = ", ".join(f"{part} AS k{n}" for n, part in enumerate(ORDER_KEY))
    picked = ", ".join(f"p.k{n}" for n in range(len(ORDER_KEY)))
    last = len(ORDER_KEY) - 1
    sql = f"""
    SELECT {COLUMNS}, {picked}
    FROM (
        SELECT {names} FROM tickets t {indexed} {clause}
        ORDER BY {inner_order} LIMIT :limit OFFSET :offset
    ) p
    JOIN tickets t ON t.id = p.k{last}
    JOIN customers c ON c.id = t.customer_id
    LEFT JOIN agents a ON a.id = t.assignee_id
    ORDER BY {picked}
    """
    return sql, params


def keyed_rows(rows: Sequence[Sequence[Any]]) -> tuple[list[QueueRow], list[QueueKey]]:
    """keyset_sql's rows as queue rows and their keys."""
    width = len(rows[0]) - len(ORDER_KEY) if rows else 0
    keys: list[QueueKey] = [
        (
            int(r[width]),
            int(r[width + 1]),
            str(r[width + 2]),
            str(r[width + 3]),
            str(r[width + 4]),
            int(r[width + 5]),
        )
        for r in rows
    ]
    return [queue_row(r[:width]) for r in rows], keys


def when(value: str | None) -> datetime | None:
    return None if value is None else from_db(value)


# A dict lookup, not Enum(value): six per row were a quarter of a page's mapping.
_PRIORITY = {p.value: p for p in Priority}
_STATUS = {s.value: s for s in Status}
_CHANNEL = {c.value: c for c in Channel}
_REGION = {r.value: r for r in Region}
_CLOCK = {c.value: c for c in Clock}
_TIER = {t.value: t for t in Tier}


def _member(members: dict[str, Any], enum: type[Any], value: Any) -> Any:
    found = members.get(value)
    return enum(value) if found is None else found  # an unknown value raises as before


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
        priority=_member(_PRIORITY, Priority, priority),
        status=_member(_STATUS, Status, status),
        subject=subject,
        customer=mask_name(customer),
        channel=_member(_CHANNEL, Channel, channel),
        region=_member(_REGION, Region, region),
        assignee=assignee,
        sla_clock=_member(_CLOCK, Clock, sla_clock) if sla_clock else None,
        sla_due_at=when(due_at),
        sla_at_risk_at=when(at_risk_at),
        sla_breached_at=when(breached_at),
        tier=_member(_TIER, Tier, tier),
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
