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

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from agentdesk.core.handle_time import INTAKE_ACTION, TicketEvent
from agentdesk.core.shift import Interval, Presence
from agentdesk.core.shift_record import TeamShift
from agentdesk.core.ticket import Channel, Priority, Tier
from agentdesk.store.kpi_reads import parse_stamp, plain_rows
from agentdesk.store.shift_sync import TeamShiftTexts
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

# Each handle's latest shift in this store's own shift tables (the profile's own agent, or
# the agent whose store --db watches), and the presence intervals of those shifts.
SHIFTS_SQL = """
SELECT id, agent_handle, planned_start, planned_end, planned_breaks, started_at, ended_at
FROM shifts
WHERE id IN (SELECT max(id) FROM shifts GROUP BY agent_handle)
"""

PRESENCE_SQL = """
SELECT shift_id, state, started_at, ended_at FROM shift_presence
WHERE shift_id IN (SELECT max(id) FROM shifts GROUP BY agent_handle)
ORDER BY shift_id, started_at, id
"""

# The newest pulled shift ticket of each agent (the helpdesk's shift queue, issue 13) among
# those changed since :since (the queue keeps every shift ever worked: 50,000 shift tickets
# cost 290 ms to group whole, the recent ones a few) and those still open whatever their age:
# an overnight shift, or one its agent forgot to end, must not read "not started". There are
# few (agentdesk resolves the ticket at the shift's end), and the <> comes first because
# nearly every row is resolved. Our subjects are "Shift of <handle> from <start>"
# (core.shift_record.shift_subject), so the handle groups them; SQLite gives the bare columns
# of the max() row. The record's own Agent line is what the desk believes.
LATEST_TEAM_SHIFTS_SQL = """
SELECT remote_id, subject, status, max(CAST(remote_id AS INTEGER))
FROM team_shifts
WHERE remote_updated_at >= :since
    OR (status <> 'resolved' AND status NOT IN ('rejected', 'deleted'))
GROUP BY substr(subject, 1, instr(subject || ' from ', ' from '))
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


def _when(value: str | None) -> datetime | None:
    return None if value is None else parse_stamp(value)


_PRIORITIES = {p.value: p for p in Priority}


def team_load(connection: Connection, now: datetime) -> list[LoadCell]:
    # Plain driver tuples, as every read of the refresh (store.kpi_reads.plain_rows).
    rows = plain_rows(connection, LOAD_SQL, {"now": to_db(now)})
    return [
        LoadCell(agent_id, _PRIORITIES[priority], int(count), int(breached or 0), int(risk or 0))
        for agent_id, priority, count, breached, risk in rows
    ]


def team_agents(connection: Connection) -> list[TeamAgent]:
    return [
        TeamAgent(int(row[0]), row[1], row[2], Tier(row[3]))
        for row in connection.execute(text(AGENTS_SQL))
    ]


def local_shifts(connection: Connection) -> list[TeamShift]:
    """Each handle's latest shift from this store's shift tables, in the form the team's
    pulled records take (core.shift_record.TeamShift), so the dashboard reads both alike."""
    spans: dict[int, list[Interval]] = {}
    for shift_id, state, started, ended in plain_rows(connection, PRESENCE_SQL, {}):
        spans.setdefault(int(shift_id), []).append(
            Interval(Presence(state), parse_stamp(started), _when(ended))
        )
    out: list[TeamShift] = []
    for shift_id, agent, planned_start, planned_end, planned_breaks, started, ended in plain_rows(
        connection, SHIFTS_SQL, {}
    ):
        intervals = tuple(spans.get(int(shift_id), ()))
        running = intervals[-1] if intervals and intervals[-1].end is None else None
        breaks = tuple((from_db(a), from_db(b)) for a, b in json.loads(planned_breaks or "[]"))
        out.append(
            TeamShift(
                remote_id="",
                agent=agent,
                planned_start=_when(planned_start),
                planned_end=_when(planned_end),
                started_at=parse_stamp(started),
                ended_at=_when(ended),
                presence=None if running is None else running.state,
                presence_since=None if running is None else running.start,
                planned_breaks=breaks,
                intervals=intervals,
            )
        )
    return out


def latest_team_shift_texts(connection: Connection, since: datetime) -> list[TeamShiftTexts]:
    """Each agent's newest shift ticket changed since `since` or still open, as the pull
    stored it, with its texts oldest first."""
    tickets = {
        str(remote_id): (subject, status)
        for remote_id, subject, status, _ in connection.execute(
            text(LATEST_TEAM_SHIFTS_SQL), {"since": to_db(since)}
        )
    }
    if not tickets:
        return []
    bodies: dict[str, list[str]] = {remote_id: [] for remote_id in tickets}
    marks = ", ".join(f":r{n}" for n in range(len(tickets)))
    for remote_id, body in connection.execute(
        text(
            f"SELECT remote_id, body FROM team_shift_texts WHERE remote_id IN ({marks}) "
            "ORDER BY remote_id, txn"
        ),
        {f"r{n}": remote_id for n, remote_id in enumerate(tickets)},
    ):
        bodies[str(remote_id)].append(body)
    return [
        TeamShiftTexts(remote_id, subject, status, tuple(bodies[remote_id]))
        for remote_id, (subject, status) in tickets.items()
    ]


# Each agent's current interaction: of the tickets the agent has in progress, the one
# touched last (SQLite gives the bare columns of the max() row), then that ticket's audit
# rows, which core.handle_time reads. (Reading every in-progress ticket's audit rows to find
# the latest start cost 100 ms at 5,000 tickets in progress; this costs a few.) The planner,
# without statistics, prefers ix_tickets_queue and sorts; the partial index (migration
# h15r2_kpi_indexes) holds exactly these tickets in group order: 13 ms -> 2 ms at 50,000.
CURRENT_SQL = """
SELECT assignee_id, id, channel, max(updated_at)
FROM tickets INDEXED BY ix_tickets_in_progress
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
    """Per agent with a ticket in progress: that ticket and its audit events (plain driver
    tuples: 200 tickets' audit is 30,000 rows, whose SQLAlchemy rows cost 20 ms)."""
    latest = [
        (int(agent_id), int(ticket_id), Channel(channel))
        for agent_id, ticket_id, channel, _at in plain_rows(connection, CURRENT_SQL, {})
    ]
    if not latest:
        return []
    ids = ", ".join(str(ticket_id) for _, ticket_id, _ in latest)
    events: dict[int, list[TicketEvent]] = {}
    # Only the rows core.handle_time.mark_of reads (the others never touch the clock).
    for ticket_id, action, field_name, new_value, at in plain_rows(
        connection,
        "SELECT ticket_id, action, field, new_value, at FROM audit "
        f"WHERE ticket_id IN ({ids}) AND (field = 'status' OR action IN "
        f"('{INTAKE_ACTION}', 'escalate', 'shift_end')) ORDER BY ticket_id, at, id",
        {},
    ):
        found = events.get(ticket_id)
        if found is None:
            found = events[ticket_id] = []
        found.append(TicketEvent(parse_stamp(at), action, field_name, new_value))
    return [
        CurrentWork(agent_id, ticket_id, channel, tuple(events.get(ticket_id, ())))
        for agent_id, ticket_id, channel in latest
    ]
