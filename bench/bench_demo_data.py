"""`agentdesk demo-data`: 50,000 tickets into a fresh SQLite file.

Target: well under a minute on a 2-core machine (aim: under 20 s). Prints the median of a few
runs and the rows written per second; asserts nothing.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

from _common import NOW

TICKETS = 50_000
RUNS = 3


def one_run(folder: Path, run: int, tickets: int) -> tuple[float, int]:
    from agentdesk.demo import generate_demo
    from agentdesk.shipped import load_sla_policy
    from agentdesk.store.engine import open_store

    store = open_store(folder / f"demo-{run}.db", load_sla_policy())
    try:
        summary = generate_demo(store, tickets=tickets, seed=1, now=NOW)
    finally:
        store.close()
    rows = (
        summary.customers
        + summary.agents
        + summary.tickets
        + summary.messages
        + summary.audit
        + summary.breaches
    )
    if run == 0:
        print("\n".join(f"  {line}" for line in summary.lines()))
    return summary.seconds, rows


def main() -> None:
    # An optional ticket count, for a quick look: python bench/bench_demo_data.py 5000
    tickets = int(sys.argv[1]) if len(sys.argv) > 1 else TICKETS
    print(f"demo-data: {tickets} tickets into a fresh SQLite file, {RUNS} runs")
    seconds: list[float] = []
    rows = 0
    with tempfile.TemporaryDirectory(prefix="agentdesk-bench-") as folder:
        for run in range(RUNS):
            elapsed, rows = one_run(Path(folder), run, tickets)
            seconds.append(elapsed)
            print(f"  run {run + 1}: {elapsed:.2f} s")
    median = statistics.median(seconds)
    print(f"median: {median:.2f} s for {tickets} tickets ({rows} rows)")
    print(f"        {tickets / median:,.0f} tickets/s, {rows / median:,.0f} rows/s")


if __name__ == "__main__":
    main()
