"""The team dashboard's reads (issue 15): one query set, grouped in SQL.

Each statement one pass: the open tickets per agent and priority with their at-risk and
breached counts, the agents, each agent's latest shift with its current presence, and each
agent's current interaction (two statements, below).
The SLA risk is core.sla.risk's rule on the stored clock (the ticket's nearest running clock:
breached once due, at risk from its at-risk time; a paused clock has no due time), plus a
breach recorded on a ticket that is still open. Stored stamps are fixed-width UTC text, so
text order is time order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from agentdesk.core.handle_time import TicketEvent
from agentdesk.core.ticket import Channel, Priority, Tier
from agentdesk.store.stamps import from_db, to_db

# The WHERE is ix_tickets_open_team's own (store/migrations.py V_H15A), word for word: SQLite
# then reads that partial index alone, already in group order.
LOAD_SQL = """
SELECT
    assignee_id,
    priority,
    count(*),
    sum(CASE WHEN sla_breached_at IS NOT NULL OR sla_due_at <= :now THEN 1 ELSE 0 END),
    sum(CASE WHEN sla_breached_at IS NULL AND sla_due_at > :now AND sla_at_risk_at <= :now
        THEN 1 ELSE 0 END)
FROM tickets
WHERE status NOT IN ('resolved', 'closed')
GROUP BY assignee_id, priority
"""

AGENTS_SQL = "SELECT id, handle, name, tier FROM agents WHERE active = 1 ORDER BY handle"

# Each handle's latest shift, and the presence interval still running in it.
SHIFTS_SQL = """
SELECT s.agent_handle, s.started_at, s.ended_at, s.planned_end, p.state, p.started_at
FROM shifts s
LEFT JOIN shift_presence p ON p.shift_id = s.id AND p.ended_at IS NULL
WHERE s.id IN (SELECT max(id) FROM shifts GROUP BY agent_handle)
"""


@dataclass(frozen=True)
class LoadCell:
    """Open tickets of one agent (None: unassigned) at one priority."""

    agent_id: int | None
    priority: Priority
    open: int
    breached: int
    at_risk: int


@dataclass(frozen=True)
class TeamAgent:
    id: int
    handle: str
    name: str
    tier: Tier


@dataclass(frozen=True)
class ShiftLine:
    handle: str
    started_at: datetime
    ended_at: datetime | None
    planned_end: datetime | None
    presence: str | None  # core.shift.Presence's value, None when no interval runs
    presence_since: datetime | None


def _when(value: str | None) -> datetime | None:
    return None if value is None else from_db(value)


def team_load(connection: Connection, now: datetime) -> list[LoadCell]:
    rows = connection.execute(text(LOAD_SQL), {"now": to_db(now)})
    return [
        LoadCell(agent_id, Priority(priority), int(count), int(breached or 0), int(risk or 0))
        for agent_id, priority, count, breached, risk in rows
    ]


def team_agents(connection: Connection) -> list[TeamAgent]:
    return [
        TeamAgent(int(row[0]), row[1], row[2], Tier(row[3]))
        for row in connection.execute(text(AGENTS_SQL))
    ]


def team_shifts(connection: Connection) -> list[ShiftLine]:
    out: list[ShiftLine] = []
    for handle, started, ended, planned_end, state, since in connection.execute(text(SHIFTS_SQL)):
        start = from_db(started)
        out.append(ShiftLine(handle, start, _when(ended), _when(planned_end), state, _when(since)))
    return out


# Each agent's current interaction: of the tickets the agent has in progress, the one
# touched last (SQLite gives the bare columns of the max() row), then that ticket's audit
# rows, which core.handle_time reads. (Reading every in-progress ticket's audit rows to find
# the latest start cost 100 ms at 5,000 tickets in progress; this costs a few.)
CURRENT_SQL = """
SELECT assignee_id, id, channel, max(updated_at)
FROM tickets
WHERE status = 'in_progress' AND assignee_id IS NOT NULL
GROUP BY assignee_id
"""


@dataclass(frozen=True)
class CurrentWork:
    agent_id: int
    ticket_id: int
    channel: Channel
    events: tuple[TicketEvent, ...]


def current_work(connection: Connection) -> list[CurrentWork]:
    """Per agent with a ticket in progress: that ticket and its audit events."""
    latest = [
        (int(agent_id), int(ticket_id), Channel(channel))
        for agent_id, ticket_id, channel, _at in connection.execute(text(CURRENT_SQL))
    ]
    if not latest:
        return []
    ids = ", ".join(str(ticket_id) for _, ticket_id, _ in latest)
    events: dict[int, list[TicketEvent]] = {}
    for ticket_id, action, field_name, new_value, at in connection.execute(
        text(
            "SELECT ticket_id, action, field, new_value, at FROM audit "
            f"WHERE ticket_id IN ({ids}) ORDER BY ticket_id, at, id"
        )
    ):
        events.setdefault(int(ticket_id), []).append(
            TicketEvent(from_db(at), action, field_name, new_value)
        )
    return [
        CurrentWork(agent_id, ticket_id, channel, tuple(events.get(ticket_id, ())))
        for agent_id, ticket_id, channel in latest
    ]
