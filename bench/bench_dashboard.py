"""Monitoring mode's dashboard refresh (issue 15) over 50,000 tickets and 200 agents.

The refresh's work, on the read-only desk (mode=ro, query_only): desk.supervisor.team_board
(one query set over the open tickets, the agents and their latest shifts) and the KPIs the
supervisor sees, desk.kpis.kpi_overview of the current week (every KPI, the 8-week trend,
the month, 200 agents' scorecards and the two-months-running check). Each of the 200 agents
has 30 past shifts (6,000 shift rows) and one open with a presence. The clock moves a
minute per refresh, as the dashboard's does, so tickets age past their acknowledgement hour
between refreshes. Also timed: the overview cold (the first load, and the first refresh
after the store changed: everything is read again), and once the plain path it replaced
(tests/desk/kpi_reference.py). Reference, same run, same store: the agent queue's first
page (count + first 200 rows), what an agent's refresh costs. Target: refresh < 300 ms.
Prints medians and p95 of every row twice: wall clock, and the process's CPU time
(time.process_time), which tells the work from the wait on a shared machine; and the load
average when the run started and ended. Asserts nothing.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from _common import CACHE, NOW, big_store, median_ms, p95_ms
from agentdesk.store.stamps import to_db

AGENTS = 200
PAST_SHIFTS = 30
RUNS = 30
COLD_RUNS = 3
CHANGED_RUNS = 10


class Samples:
    """Wall-clock and CPU times of one row's runs."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    @contextmanager
    def timed(self) -> Iterator[None]:
        started, cpu = time.perf_counter(), time.process_time()
        yield
        self.wall.append(time.perf_counter() - started)
        self.cpu.append(time.process_time() - cpu)

    def __add__(self, other: Samples) -> Samples:
        both = Samples()
        both.wall = [a + b for a, b in zip(self.wall, other.wall, strict=True)]
        both.cpu = [a + b for a, b in zip(self.cpu, other.cpu, strict=True)]
        return both

    def __str__(self) -> str:
        return (
            f"wall median {median_ms(self.wall)}, p95 {p95_ms(self.wall)}; "
            f"CPU median {median_ms(self.cpu)}, p95 {p95_ms(self.cpu)}"
        )


def load_average() -> str:
    return "/".join(f"{n:.2f}" for n in os.getloadavg())


class MovingClock:
    """The bench's clock: NOW, then a minute later on each tick."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> Any:
        return self.now

    def tick(self) -> None:
        self.now += timedelta(minutes=1)


def team_store() -> Path:
    """The 50,000-ticket demo store, its assigned tickets spread over 200 agents, with shifts."""
    path = CACHE / f"dashboard-{AGENTS}.db"
    if path.exists():
        return path
    from agentdesk.shipped import load_sla_policy
    from agentdesk.store.engine import open_store

    partial = path.with_suffix(".partial")
    shutil.copyfile(big_store(), partial)
    open_store(partial, load_sla_policy(), quick_check=False).close()  # this schema
    db = sqlite3.connect(partial)
    with db:
        have = db.execute("SELECT max(id) FROM agents").fetchone()[0]
        db.executemany(
            "INSERT INTO agents (id, handle, name, tier, region, active) VALUES (?, ?, ?, ?, ?, 1)",
            [
                (n, f"bench.agent{n}", f"Bench Agent {n}", "L1", "EMEA")
                for n in range(have + 1, AGENTS + 1)
            ],
        )
        db.execute(
            f"UPDATE tickets SET assignee_id = 1 + (id % {AGENTS}) WHERE assignee_id IS NOT NULL"
        )
        handles = [row[0] for row in db.execute("SELECT handle FROM agents")]
        shifts = []
        for handle in handles:
            for day in range(PAST_SHIFTS, 0, -1):
                start = NOW - timedelta(days=day, hours=6)
                shifts.append((handle, to_db(start), to_db(start + timedelta(hours=8))))
        db.executemany(
            "INSERT INTO shifts (agent_handle, started_at, ended_at) VALUES (?, ?, ?)", shifts
        )
        for handle in handles:
            shift_id = db.execute(
                "INSERT INTO shifts (agent_handle, started_at) VALUES (?, ?) RETURNING id",
                (handle, to_db(NOW - timedelta(hours=2))),
            ).fetchone()[0]
            db.execute(
                "INSERT INTO shift_presence (shift_id, state, started_at) VALUES (?, ?, ?)",
                (shift_id, "available", to_db(NOW - timedelta(minutes=20))),
            )
    db.close()  # the WAL goes into the file before it is renamed
    partial.rename(path)
    return path


def main() -> None:
    from agentdesk.config import Settings
    from agentdesk.core import kpi
    from agentdesk.desk import queue as desk_queue
    from agentdesk.desk.kpis import forget_cached_facts, kpi_overview
    from agentdesk.desk.session import open_desk
    from agentdesk.desk.supervisor import team_board
    from agentdesk.store.rows import QueueFilter, View
    from tests.desk.kpi_reference import reference_overview

    # A copy: the refreshes after a change write to it (a pull bringing one ticket).
    path = CACHE / f"dashboard-{AGENTS}-run.db"
    shutil.copyfile(team_store(), path)
    from agentdesk.shipped import load_sla_policy
    from agentdesk.store.engine import open_store

    open_store(path, load_sla_policy(), quick_check=False).close()  # a cached store: this schema
    settings = Settings(
        profile="bench",
        config_path=None,
        db_path=path,
        cache_dir=path.parent,
        agent_handle="bench.agent7",
        supervisor=True,
    )
    clock = MovingClock()
    load_at_start = load_average()
    desk = open_desk(settings, clock, read_only=True, quick_check=False)
    year, number, _ = NOW.isocalendar()
    period = kpi.week(f"{year:04d}-W{number:02d}")
    agent = QueueFilter(view=View.MINE, agent_id=7)

    cold = Samples()
    for _ in range(COLD_RUNS):
        forget_cached_facts(desk)
        with cold.timed():
            kpi_overview(desk, period)
    plain_run = Samples()
    with plain_run.timed():
        plain = reference_overview(desk, period)

    board_times, kpi_times, queue_times = Samples(), Samples(), Samples()
    for _ in range(RUNS):
        clock.tick()
        with board_times.timed():
            board = team_board(desk)
        with kpi_times.timed():
            overview = kpi_overview(desk, period)
        with queue_times.timed():
            desk_queue.open_queue(desk, agent, 200)
    # The last refresh's figures are the plain path's at that minute.
    same = overview == reference_overview(desk, period)

    # A pull brings one ticket of this week (its answer, a new version) before each refresh.
    import agentdesk.desk.kpi_window as kpi_window

    reads: list[frozenset[int] | None] = []
    kpi_window.slice_read_hook = lambda a, b, tickets: reads.append(tickets)
    writer = sqlite3.connect(path)
    week_ids = [
        row[0]
        for row in writer.execute(
            "SELECT id FROM tickets WHERE created_at >= ? AND created_at < ? ORDER BY id",
            (to_db(period.start), to_db(period.end)),
        )
    ]
    changed_board, changed_kpi = Samples(), Samples()
    for n in range(CHANGED_RUNS):
        clock.tick()
        with writer:
            writer.execute(
                "UPDATE tickets SET version = version + 1, updated_at = ?, "
                "first_response_at = coalesce(first_response_at, ?) WHERE id = ?",
                (to_db(clock.now), to_db(clock.now), week_ids[n * 7 % len(week_ids)]),
            )
        with changed_board.timed():
            team_board(desk)
        with changed_kpi.timed():
            overview = kpi_overview(desk, period)
    writer.close()
    kpi_window.slice_read_hook = None
    same_changed = overview == reference_overview(desk, period)
    desk.store.close()
    weeks = sum(1 for r in reads if r is None)
    tickets_read = sum(len(r) for r in reads if r is not None)
    with sqlite3.connect(path) as db:
        tickets = db.execute("SELECT count(*) FROM tickets").fetchone()[0]
        open_ = db.execute(
            "SELECT count(*) FROM tickets WHERE status NOT IN ('resolved', 'closed')"
        ).fetchone()[0]
        shifts = db.execute("SELECT count(*) FROM shifts").fetchone()[0]
    print(
        f"dashboard over {tickets:,} tickets ({open_:,} open), {len(board.lines) - 1} agents "
        f"(+ unassigned), {shifts:,} shifts; {RUNS} refreshes a minute apart; KPIs of "
        f"{period.label} ({len(plain.agents)} scorecards); target: the refresh's work < 300 ms"
    )
    print(f"  the refresh's work (team_board + kpi_overview): {board_times + kpi_times}")
    print(f"    team_board: {board_times}")
    print(f"    kpi_overview, store unchanged since the last refresh: {kpi_times}")
    print(
        f"  the refresh's work after one ticket changed (a pull; {CHANGED_RUNS} runs): "
        f"{changed_board + changed_kpi}"
    )
    print(f"    team_board: {changed_board}")
    print(
        f"    kpi_overview: {changed_kpi}; read again per refresh: {weeks / CHANGED_RUNS:.0f} "
        f"whole week(s), {tickets_read / CHANGED_RUNS:.0f} ticket(s); the last one's figures "
        f"equal the plain path's: {same_changed}"
    )
    print(
        f"  kpi_overview cold (first load, or after the agents changed; {COLD_RUNS} runs): {cold}"
    )
    print(
        f"  before (the plain path, tests/desk/kpi_reference.py), once: {plain_run}; the last "
        f"refresh's figures equal its: {same}"
    )
    print(f"  reference, an agent's queue (count + first page of 200): {queue_times}")
    first_build, updates = asyncio.run(_ui_apply(settings, board))
    print(
        f"  on the UI thread: the first board {first_build}; a refresh with every agent's "
        f"counts changed, in place: {updates}"
    )
    print(f"  load average (1/5/15 min): {load_at_start} at the start, {load_average()} at the end")


async def _ui_apply(settings: Any, board: Any) -> tuple[Samples, Samples]:
    """What a refresh costs the event loop: the rows updated cell by cell in place."""
    from dataclasses import replace

    from textual.app import App

    from agentdesk.screens.supervisor import SupervisorScreen

    class Host(App[None]):
        def get_default_screen(self) -> SupervisorScreen:
            return SupervisorScreen(settings)

    changed = replace(
        board, lines=tuple(replace(line, at_risk=line.at_risk + 1) for line in board.lines)
    )
    first, times = Samples(), Samples()
    async with Host().run_test(size=(200, 60)) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, SupervisorScreen)
        with first.timed():
            screen.show_board(board)
        await pilot.pause()
        for run in range(RUNS):
            with times.timed():
                screen.show_board(changed if run % 2 == 0 else board)
            await pilot.pause()
    return first, times


if __name__ == "__main__":
    main()
