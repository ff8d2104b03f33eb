"""`agentdesk report --week` over a 50,000-ticket store (issue 15): the KPI overview (every KPI
of the week, its 8-week trend, the month, the per-agent scorecards) and each format's render.

The store is bench_dashboard's (50,000 tickets over 200 agents). `report` is one process per
report, so the overview is timed cold: what desk.kpis keeps between calls is dropped before
each run. Beside it, in the same run: the plain path it replaced (tests/desk/kpi_reference.py,
once, and whether its figures are the same) and a reference, reading the same rows (tickets
and their status, tier and assignee audit rows) with plain SQL and doing nothing with them,
the floor any report over this store pays. Prints medians and p95; asserts nothing.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from bench_dashboard import team_store

from _common import NOW, median_ms, p95_ms
from agentdesk.config import Settings
from agentdesk.core import kpi, kpi_definitions
from agentdesk.desk import Desk
from agentdesk.desk.kpis import forget_cached_facts, kpi_overview
from agentdesk.session import Session
from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import open_store
from agentdesk.weekly_report import render
from tests.desk.kpi_reference import reference_overview

WEEK = "2026-W47"  # the last whole week before the bench store's "now" (Mon 23 Nov)
RUNS = 3


def main() -> None:
    path = team_store()
    store = open_store(path, load_sla_policy())
    settings = Settings(
        profile="bench", config_path=None, db_path=path, cache_dir=Path(path).parent / "cache"
    )
    desk = Desk(Session(settings, store, None), lambda: NOW, read_only=True)
    period = kpi.week(WEEK)

    reference: list[float] = []
    for _ in range(RUNS):
        started = time.perf_counter()
        with store.read() as connection:
            connection.exec_driver_sql("SELECT * FROM tickets").fetchall()
            connection.exec_driver_sql(
                "SELECT * FROM audit WHERE field IN ('status', 'tier', 'assignee_id')"
            ).fetchall()
        reference.append(time.perf_counter() - started)

    gather: list[float] = []
    renders: dict[str, list[float]] = {"md": [], "html": [], "csv": []}
    overview = None
    gather_cpu: list[float] = []
    for _ in range(RUNS):
        forget_cached_facts(desk)
        started, cpu = time.perf_counter(), time.process_time()
        overview = kpi_overview(desk, period)
        gather.append(time.perf_counter() - started)
        gather_cpu.append(time.process_time() - cpu)
        for fmt, times in renders.items():
            started = time.perf_counter()
            render(overview, fmt)
            times.append(time.perf_counter() - started)
    assert overview is not None
    started, cpu = time.perf_counter(), time.process_time()
    plain = reference_overview(desk, period)
    plain_time = time.perf_counter() - started
    plain_cpu = time.process_time() - cpu
    store.close()
    opened = overview.kpis[kpi_definitions.Kpi.SLA_BREACH_RATE].denominator
    print(
        f"report --week {WEEK} over 50,000 tickets ({opened} opened that week, "
        f"{len(overview.agents)} agents)"
    )
    print(
        f"  reference: read the rows it needs, plain SQL: median {median_ms(reference)}, "
        f"p95 {p95_ms(reference)}"
    )
    print(
        f"  KPI overview (week, 8-week trend, month, scorecards), cold: median "
        f"{median_ms(gather)}, p95 {p95_ms(gather)} (CPU: median {median_ms(gather_cpu)})"
    )
    print(
        f"  before (the plain path), once: {plain_time * 1000:.1f} ms (CPU "
        f"{plain_cpu * 1000:.1f} ms); same figures: "
        f"{plain == overview}"
    )
    for fmt, times in renders.items():
        print(f"  render {fmt}: median {median_ms(times)}")
    total = [g + renders["html"][i] for i, g in enumerate(gather)]
    print(
        f"  report --week --format html, in total: median {median_ms(total)}, p95 {p95_ms(total)}"
    )


if __name__ == "__main__":
    sys.exit(main())
