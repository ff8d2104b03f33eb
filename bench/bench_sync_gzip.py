"""Sync over a slow link: through nginx with gzip (README, "Deploying with Request Tracker")
vs straight to RT, both through the same 256 kbit/s link with latency spikes.

A live RT 5 on loopback with TICKETS tickets, each with a conversation from the demo
generator (tests/sync/rt_bulk.py loads them in seconds), Debian's nginx in front of it
(tests/sync/nginx.py), and a slow link (tests/sync/slow_link.py: 256 kbit/s each way, shared
by every connection, 50 ms per request and a 1 s spike on every 10th) in front of each. Per
way: a first sync into an empty store, then a delta after CHANGED tickets changed in RT.
Times and bytes are measured, not computed: bytes are those that crossed the link.

`--quick`: 150 tickets and one run per row (this shared 2-core box); default 500 and 3 runs.
Prints medians; asserts nothing. Needs request-tracker5, rt5-db-sqlite, rt5-standalone, nginx.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from _common import REPO  # noqa: F401  (puts the repo on sys.path)
from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import open_store
from agentdesk.sync.rt.backend import RtBackend
from agentdesk.sync.rt.client import RtClient
from agentdesk.sync.rt.settings import RtSettings
from tests.sync import rt_bulk
from tests.sync.nginx import make_nginx, nginx_installed
from tests.sync.rt_server import RtServer, make_rt, rt_installed
from tests.sync.slow_link import SlowLink

QUICK = "--quick" in sys.argv
TICKETS = 150 if QUICK else 500
RUNS = 1 if QUICK else 3
CHANGED = 20
QUEUE = "Bench"
Row = tuple[float, int, int]  # seconds, bytes in on the link, tickets pulled


def one_sync(link: SlowLink, server: RtServer, db: Path, *, delta: bool = False) -> Row:
    store = open_store(db, load_sla_policy())
    backend = RtBackend(
        settings=RtSettings(url=link.url, queues=(QUEUE,)),
        client=RtClient(link.url, server.token),
    )
    down = link.bytes_down
    started = time.perf_counter()
    summary = backend.sync(store, datetime.now(UTC))
    seconds = time.perf_counter() - started
    backend.close()
    store.close()
    if summary.state != "online":
        print(f"  sync was {summary.state}: {summary.message}")
    # A delta counts the tickets that got a message (their fields did not change).
    return (
        seconds,
        link.bytes_down - down,
        len(summary.changed_tickets) if delta else summary.pulled,
    )


def change(server: RtServer, round_number: int) -> None:
    import httpx

    with httpx.Client(
        base_url=f"{server.url}/REST/2.0",
        headers={"Authorization": f"token {server.token}"},
        timeout=60,
    ) as http:
        for n in range(CHANGED):
            ticket = 1 + (round_number * CHANGED + n) * 7 % TICKETS
            answer = http.post(
                f"/ticket/{ticket}/correspond",
                json={
                    "Content": f"Any news on this? (round {round_number})",
                    "ContentType": "text/plain",
                },
            )
            answer.raise_for_status()


def median(rows: list[Row]) -> Row:
    return (
        statistics.median(r[0] for r in rows),
        int(statistics.median(r[1] for r in rows)),
        int(statistics.median(r[2] for r in rows)),
    )


def row(label: str, straight: Row, gzip: Row) -> None:
    print(
        f"  {label:<34} RT direct {straight[0]:6.1f} s {straight[1] / 1e3:7.1f} kB"
        f"   nginx gzip {gzip[0]:6.1f} s {gzip[1] / 1e3:7.1f} kB"
        f"   time {gzip[0] / straight[0]:4.2f}x, bytes {gzip[1] / max(straight[1], 1):4.2f}x"
        f"  ({straight[2]}/{gzip[2]} tickets)"
    )


def main() -> None:
    reason = rt_installed() or nginx_installed()
    if reason:
        print(f"skipped: {reason}")
        return
    with tempfile.TemporaryDirectory(prefix="agentdesk-bench-gzip-") as folder:
        work = Path(folder)
        server = make_rt(work / "rt")
        nginx = make_nginx(work / "nginx", server.port)
        links = {"straight": SlowLink(server.port), "gzip": SlowLink(nginx.port)}
        try:
            started = time.perf_counter()
            loaded = rt_bulk.load(server, QUEUE, rt_bulk.demo_tickets(TICKETS))
            print(
                f"{loaded.tickets} RT tickets, {loaded.transactions} messages loaded in "
                f"{time.perf_counter() - started:.0f} s"
            )
            first: dict[str, list[Row]] = {name: [] for name in links}
            delta: dict[str, list[Row]] = {name: [] for name in links}
            for run in range(RUNS):  # the two ways alternate: the box's load falls on both
                for name, link in links.items():
                    first[name].append(one_sync(link, server, work / f"{name}-{run}.db"))
            for run in range(RUNS):
                change(server, run)
                for name, link in links.items():
                    delta[name].append(one_sync(link, server, work / f"{name}-0.db", delta=True))
        finally:
            for link in links.values():
                link.close()
            nginx.stop()
            server.stop()
    scale = " (--quick scale)" if QUICK else ""
    print(
        f"medians of {RUNS} run(s){scale}, RT 5 on 127.0.0.1 behind a 256 kbit/s link, "
        "50 ms a request, 1 s spike every 10th; bytes in on the link"
    )
    row(f"first sync, {TICKETS} tickets", median(first["straight"]), median(first["gzip"]))
    row(f"delta, {CHANGED} changed", median(delta["straight"]), median(delta["gzip"]))


if __name__ == "__main__":
    sys.exit(main())
