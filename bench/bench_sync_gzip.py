"""Sync over a slow link: through nginx with gzip (README, "Deploying with Request Tracker")
vs straight to RT, both through the same 256 kbit/s link with latency spikes.

A live RT 5 on loopback with TICKETS tickets, each with a conversation from the demo
generator (tests/sync/rt_bulk.py loads them in seconds), Debian's nginx in front of it
(tests/sync/nginx.py), and a slow link (tests/sync/slow_link.py: 256 kbit/s each way, shared
by every connection, 50 ms per request and a 1 s spike on every 10th) in front of each. Per
way: a first sync into an empty store, then a delta after CHANGED tickets changed in RT.
Times and bytes are measured, not computed: bytes are those that crossed the link. Beside
wall time: requests, the sync's own CPU (this process) and RT's (rt-server's processes, from
/proc), and the load average, on this shared box.

Both ways read on an RT web session (sync/rt/client.py: RT checks a token with bcrypt on every
request); a third way, nginx gzip with the token on every request (the client before the
session), is the same run's reference for the first sync.

`--quick`: 150 tickets and one run per row (this shared 2-core box); default 500 and 3 runs.
Prints medians; asserts nothing. Needs request-tracker5, rt5-db-sqlite, rt5-standalone, nginx.
"""

from __future__ import annotations

import os
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
SESSION_SECONDS = 300  # RtSettings.session_seconds, the default
# seconds, bytes in on the link, tickets pulled, requests, our CPU s, RT's CPU s
Row = tuple[float, int, int, int, float, float]


def rt_cpu(server: RtServer) -> float:
    """CPU seconds of rt-server's process group so far (its workers, live and reaped)."""
    assert server.process is not None
    group, total = server.process.pid, 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # pgrp
            total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total / os.sysconf("SC_CLK_TCK")


def one_sync(
    link: SlowLink, server: RtServer, db: Path, *, delta: bool = False, session: bool = True
) -> Row:
    store = open_store(db, load_sla_policy())
    settings = RtSettings(url=link.url, queues=(QUEUE,))
    backend = RtBackend(
        settings=settings,
        client=RtClient(link.url, server.token, session_seconds=SESSION_SECONDS if session else 0),
    )
    down, rt_before, cpu_before = link.bytes_down, rt_cpu(server), time.process_time()
    started = time.perf_counter()
    summary = backend.sync(store, datetime.now(UTC))
    seconds = time.perf_counter() - started
    requests = backend.client.traffic.requests
    backend.close()
    store.close()
    if summary.state != "online":
        print(f"  sync was {summary.state}: {summary.message}")
    # A delta counts the tickets that got a message (their fields did not change).
    return (
        seconds,
        link.bytes_down - down,
        len(summary.changed_tickets) if delta else summary.pulled,
        requests,
        time.process_time() - cpu_before,
        rt_cpu(server) - rt_before,
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
        int(statistics.median(r[3] for r in rows)),
        statistics.median(r[4] for r in rows),
        statistics.median(r[5] for r in rows),
    )


def way(name: str, r: Row) -> str:
    return (
        f"    {name:<30} {r[0]:6.1f} s {r[1] / 1e3:7.1f} kB {r[3]:4d} requests"
        f"  CPU: sync {r[4]:5.1f} s, RT {r[5]:6.1f} s  ({r[2]} tickets)"
    )


def row(label: str, straight: Row, gzip: Row, token_only: Row | None = None) -> None:
    print(f"  {label}")
    if token_only is not None:
        print(way("nginx gzip, token each request", token_only))
    print(way("RT direct", straight))
    print(way("nginx gzip", gzip))
    print(
        f"    gzip vs direct: time {gzip[0] / straight[0]:4.2f}x, "
        f"bytes {gzip[1] / max(straight[1], 1):4.2f}x"
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
            first: dict[str, list[Row]] = {name: [] for name in (*links, "token")}
            delta: dict[str, list[Row]] = {name: [] for name in links}
            for run in range(RUNS):  # the ways alternate: the box's load falls on each
                for name, link in links.items():
                    first[name].append(one_sync(link, server, work / f"{name}-{run}.db"))
                first["token"].append(
                    one_sync(links["gzip"], server, work / f"token-{run}.db", session=False)
                )
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
    print(f"  load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores, shared)")
    row(
        f"first sync, {TICKETS} tickets",
        median(first["straight"]),
        median(first["gzip"]),
        median(first["token"]),
    )
    row(f"delta, {CHANGED} changed", median(delta["straight"]), median(delta["gzip"]))


if __name__ == "__main__":
    sys.exit(main())
