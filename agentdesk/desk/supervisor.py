"""Monitoring mode (issue 15): the supervisor's read-only desk, the team dashboard's reads,
and the pull of the team's queues into the supervisor's own store.

What is enforced where (README, "Supervisor monitoring mode"):
- the desk is Desk(read_only=True): every desk write raises ReadOnly before it starts;
- its store is opened mode=ro + query_only (store/engine.py): SQLite refuses any write that
  would get past the desk;
- the backend is sync/read_only.ReadOnlyBackend: it pulls, and push/resume raise ReadOnly.
The pull still has to write what it read somewhere: into the supervisor profile's own store,
through a second, writable Store that only TeamPull holds and only the sync port's pull uses.
The dashboard's desk reads the same file (WAL shows it each committed page). A store given
with --db is another agentdesk's: it is only read, and nothing is pulled into it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from agentdesk.core.shift import Presence
from agentdesk.core.shift_roster import RosterEntry
from agentdesk.core.ticket import Priority, Tier
from agentdesk.desk.base import Clock, Desk

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from agentdesk.config import Settings
    from agentdesk.core.shift import PlannedShift
    from agentdesk.core.shift_record import TeamShift
    from agentdesk.desk.queue import QueueStart
    from agentdesk.store.engine import Store
    from agentdesk.sync.protocol import Backend, SyncSummary

UNASSIGNED = "(unassigned)"


@dataclass(frozen=True)
class AgentLine:
    """One row of the dashboard: an agent (agent_id None: the unassigned tickets)."""

    agent_id: int | None
    handle: str
    name: str
    tier: Tier | None
    by_priority: tuple[int, int, int, int, int]  # open tickets at P0..P4
    at_risk: int
    breached: int
    presence: str  # "available 3 min", "on break 12 min", ... or "" without an open shift
    shift: str  # "on shift since 08:02 (40 min)", "ended 02 Dec 16:05", "not started"
    handle_time: str = ""
    """The current interaction against its target: "4:10 / 5:00" (core.handle_time's label),
    "" with none: always "" without an open shift (team_board's rule, _on_shift)."""
    handle_ticket: int | None = None
    """The ticket of that interaction: the agent's in-progress ticket touched last."""
    adherence: str = ""
    """Schedule adherence (core.shift.adherence): the ended shift's, or "so far" while it
    runs; "" without a planned shift."""

    @property
    def key(self) -> str:
        """The row's stable key in the table (updated in place on each refresh)."""
        return self.handle

    @property
    def open(self) -> int:
        return sum(self.by_priority)


@dataclass(frozen=True)
class TeamBoard:
    read_at: datetime
    lines: tuple[AgentLine, ...]
    totals: AgentLine = field(repr=False)


def _minutes(since: datetime, now: datetime) -> int:
    return max(int((now - since).total_seconds() // 60), 0)


def _days(since: datetime, now: datetime) -> str:
    hours = _minutes(since, now) // 60
    return f"{hours // 24} d {hours % 24} h"


def _clock(at: datetime, now: datetime) -> str:
    return f"{at:%H:%M}" if at.date() == now.date() else f"{at:%d %b %H:%M}"


def _plan(record: TeamShift) -> PlannedShift | None:
    from agentdesk.core.shift import PlannedShift

    if record.planned_start is None or record.planned_end is None:
        return None
    return PlannedShift(record.planned_start, record.planned_end, record.planned_breaks)


def shift_words(
    record: TeamShift | None, roster: RosterEntry | None, now: datetime
) -> tuple[str, str, str]:
    """(presence, shift state, adherence) of an agent's latest shift as the dashboard says
    them: on shift / on break / ended / not started, with the minutes in that state."""
    from agentdesk.core.shift import adherence, adherence_so_far
    from agentdesk.core.shift_roster import planned_shift_for

    if record is None or record.started_at is None:
        state = "not started"
        plan = None if roster is None else planned_shift_for(roster, now)
        if plan is not None:
            state += f", planned {_clock(plan.start, now)}"
            if plan.start <= now < plan.end:
                state += f", {_minutes(plan.start, now)} min late"
        return "", state, ""
    plan = _plan(record)
    if record.ended_at is not None:
        score = record.adherence
        if not score and plan is not None:
            value = adherence(plan, record.intervals, record.ended_at)
            score = "" if value is None else f"{value:.1%}"
        return "", f"ended {_clock(record.ended_at, now)}", score
    if now - record.started_at > RECENT_SHIFTS:
        # No shift runs this long: the agent forgot to end it, or their agentdesk could not
        # send the end. Still open in the helpdesk, so not "not started"; not counted on shift.
        state = f"shift open since {_clock(record.started_at, now)}"
        state += f" ({_days(record.started_at, now)}), not ended"
        return "", state, ""
    state = (
        f"on shift since {_clock(record.started_at, now)} ({_minutes(record.started_at, now)} min)"
    )
    if plan is not None and now > plan.end:
        state += f", {_minutes(plan.end, now)} min past its end"
    so_far = None if plan is None else adherence_so_far(plan, record.intervals, now)
    score = "" if so_far is None else f"{so_far:.1%} so far"
    running = record.intervals[-1] if record.intervals else None
    if running is None or running.end is not None:
        return "", state, score
    return f"{Presence(running.state).label} {_minutes(running.start, now)} min", state, score


# How far back the dashboard looks for a pulled shift that has ended: no shift runs longer,
# and an agent whose last ended shift is older has not started one. A shift still open is
# read whatever its age (store.supervision), and past this it is shown as not ended.
RECENT_SHIFTS = timedelta(hours=48)


def latest_shifts(connection: Connection, now: datetime) -> dict[str, TeamShift]:
    """Each agent's latest shift: from the team's shift records the pull brought from the
    helpdesk (desk.shift_record's source), and from this store's own shift tables (the
    profile's own agent, or the agent whose store --db watches, which writes them). The later
    start wins; on a tie the local record, which its agentdesk writes first."""
    from agentdesk.core.shift_record import read_shift
    from agentdesk.store.supervision import latest_team_shift_texts, local_shifts

    found: dict[str, TeamShift] = {}
    for ticket in latest_team_shift_texts(connection, now - RECENT_SHIFTS):
        record = read_shift(ticket.remote_id, ticket.texts)
        if record is not None and record.started_at is not None:
            found[record.agent] = _later(found.get(record.agent), record)
    for record in local_shifts(connection):
        found[record.agent] = _later(found.get(record.agent), record, tie=True)
    return found


def _later(a: TeamShift | None, b: TeamShift, *, tie: bool = False) -> TeamShift:
    """The later-started of two records of one agent (b on a tie when tie)."""
    if a is None or a.started_at is None or b.started_at is None:
        return b if a is None or a.started_at is None else a
    return b if b.started_at > a.started_at or (tie and b.started_at == a.started_at) else a


def _on_shift_now(record: TeamShift | None, now: datetime) -> bool:
    """Open, and not past the longest a shift runs (see shift_words)."""
    return (
        record is not None
        and record.is_open
        and record.started_at is not None
        and now - record.started_at <= RECENT_SHIFTS
    )


def _on_shift(
    work: tuple[str, int, datetime] | None, record: TeamShift | None
) -> tuple[str, int | None]:
    """The handle time the board shows: a shift's end ends the interaction on the board.
    Without an open shift the agent has no current interaction, and one that began before
    the open shift did (a ticket left In progress overnight) ended with the shift before;
    core.handle_time's AHT, which counts the ticket's own events, is not changed by this."""
    if work is None or record is None or not record.is_open or record.started_at is None:
        return "", None
    label, ticket, began = work
    return (label, ticket) if began >= record.started_at else ("", None)


def _roster(desk: Desk) -> dict[str, RosterEntry]:
    """The team's planned shifts, for "not started"; none when the profile runs no shifts."""
    if not desk.settings.shift:
        return {}
    from agentdesk.desk.shift import shift_files

    return shift_files(desk).roster


def team_board(desk: Desk) -> TeamBoard:
    """Per agent: open tickets by priority, at-risk and breached counts, presence and shift
    state, the handle time of the current interaction; every active agent, busiest first,
    and the unassigned tickets last."""
    from agentdesk.core.handle_time import current
    from agentdesk.store.supervision import current_work, team_agents, team_load

    now = desk.now()
    roster = _roster(desk)
    with desk.reading(), desk.store.read() as connection:
        cells = team_load(connection, now)
        agents = team_agents(connection)
        shifts = latest_shifts(connection, now)
        working = current_work(connection)
    handle_times: dict[int, tuple[str, int, datetime]] = {}
    for work in working:
        shown = current(work.events, channel=work.channel, now=now)
        if shown.label and shown.interaction is not None:
            handle_times[work.agent_id] = (
                shown.label,
                work.ticket_id,
                shown.interaction.started_at,
            )
    order = list(Priority)
    counts: dict[int | None, list[int]] = {}
    risk: dict[int | None, list[int]] = {}
    for cell in cells:
        counts.setdefault(cell.agent_id, [0] * len(order))[order.index(cell.priority)] += cell.open
        pair = risk.setdefault(cell.agent_id, [0, 0])
        pair[0] += cell.at_risk
        pair[1] += cell.breached

    def line(agent_id: int | None, handle: str, name: str, tier: Tier | None) -> AgentLine:
        by = counts.get(agent_id, [0] * len(order))
        at_risk, breached = risk.get(agent_id, [0, 0])
        presence, shift, score = (
            shift_words(shifts.get(handle), roster.get(handle), now) if agent_id else ("", "", "")
        )
        handle_time, ticket = _on_shift(handle_times.get(agent_id or 0), shifts.get(handle))
        five = (by[0], by[1], by[2], by[3], by[4])
        return AgentLine(agent_id, handle, name, tier, five, at_risk, breached, presence,
                         shift, handle_time, ticket, score)  # fmt: skip

    lines = [line(a.id, a.handle, a.name, a.tier) for a in agents]
    lines.sort(key=lambda row: (-row.breached, -row.at_risk, -row.open, row.handle))
    if None in counts:
        lines.append(line(None, UNASSIGNED, "nobody has taken these", None))
    totals = [sum(row.by_priority[i] for row in lines) for i in range(len(order))]
    total = AgentLine(
        None,
        "team",
        f"{len(agents)} agents",
        None,
        (totals[0], totals[1], totals[2], totals[3], totals[4]),
        sum(row.at_risk for row in lines),
        sum(row.breached for row in lines),
        "",
        f"{sum(1 for a in agents if _on_shift_now(shifts.get(a.handle), now))} on shift",
    )
    return TeamBoard(now, tuple(lines), total)


def agent_queue(desk: Desk, agent_id: int | None, limit: int) -> QueueStart:
    """Drill-down: the agent's open tickets (None: the unassigned ones), in SLA-risk order."""
    from agentdesk.desk.queue import open_queue
    from agentdesk.store.rows import QueueFilter, View

    if agent_id is None:
        return open_queue(desk, QueueFilter(view=View.UNASSIGNED), limit)
    return open_queue(desk, QueueFilter(view=View.MINE, agent_id=agent_id), limit)


def open_supervisor_desk(settings: Settings, clock: Clock, *, interactive: bool = False) -> Desk:
    """The read-only desk of monitoring mode. The profile's own store (the pull cache) is
    created and migrated first if it must be: that is the pull path's write, not the desk's.
    A demo profile is filled first the same way. Another agentdesk's store (--db) is never
    written: it must exist, at this version's schema."""
    from agentdesk.desk.session import open_desk

    if not settings.watching_other_store:
        _prepare_pull_cache(settings, clock)
    return open_desk(settings, clock, read_only=True, quick_check=False, interactive=interactive)


def _prepare_pull_cache(settings: Settings, clock: Clock) -> None:
    from agentdesk.session import open_session

    session = open_session(settings, clock(), quick_check=False, start_of_day=settings.demo)
    try:
        if settings.demo:
            from agentdesk.demo.shifts import add_demo_shifts

            add_demo_shifts(session.store, clock())  # presence on the dashboard
    finally:
        session.store.close()


@dataclass
class TeamPull:
    """The team's queues from the helpdesk into the supervisor's own store. Holds the only
    writable Store of monitoring mode, and the read-only backend."""

    backend: Backend
    cache: Store | None = None

    def close(self) -> None:
        self.backend.close()
        if self.cache is not None:
            self.cache.close()


def open_team_pull(settings: Settings) -> TeamPull | None:
    """The pull of monitoring mode, or None when nothing may be pulled: a store given with
    --db is another agentdesk's, and a local profile has no helpdesk."""
    if settings.watching_other_store or settings.backend == "local":
        return None
    from agentdesk.sync.read_only import ReadOnlyBackend
    from agentdesk.sync.runner import make_backend

    return TeamPull(ReadOnlyBackend(make_backend(settings)))


def pull_team(desk: Desk, pull: TeamPull) -> SyncSummary:
    """One pull of every team queue into the supervisor's store (never a push)."""
    if pull.cache is None:
        from agentdesk.security.db_key import database_key
        from agentdesk.shipped import load_sla_policy
        from agentdesk.store.engine import open_store

        pull.cache = open_store(
            desk.settings.db_path,
            load_sla_policy(),
            quick_check=False,
            key=database_key(desk.settings),
        )
    with desk.reading():
        return pull.backend.sync(pull.cache, desk.now())
