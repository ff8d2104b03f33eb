"""Sync through nginx with gzip (README, "Deploying with Request Tracker") vs straight to RT.

A live RT 5 on loopback with TICKETS tickets (each with a customer's message), Debian's nginx
in front of it (tests/sync/nginx.py), and a counting TCP proxy in front of each, so bytes are
those on the wire. Per way: a first sync into an empty store, then a delta after CHANGED
tickets changed. Time at 256 kbit/s is the bytes that came in at that rate plus the loopback
time (the bench has no throttle): what a slow link adds. Prints medians; asserts nothing.
Needs request-tracker5, rt5-db-sqlite, rt5-standalone and nginx installed.
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
from tests.sync.nginx import make_nginx, nginx_installed
from tests.sync.rt_server import RtServer, make_rt, rt_installed
from tests.sync.tcp_proxy import TcpProxy

TICKETS = int(os.environ.get("BENCH_GZIP_TICKETS", "300"))
CHANGED = 20
RUNS = 3
QUEUE = "Bench"
LINK = 256_000 / 8  # bytes per second


def fill(server: RtServer) -> None:
    import httpx

    with httpx.Client(
        base_url=f"{server.url}/REST/2.0",
        headers={"Authorization": f"token {server.token}"},
        timeout=60,
    ) as http:
        http.post("/queue", json={"Name": QUEUE})
        body = "My parcel has not arrived and tracking has not moved for a week. " * 5
        for n in range(TICKETS):
            http.post(
                "/ticket",
                json={
                    "Queue": QUEUE,
                    "Subject": f"Order {n} not delivered",
                    "Requestor": f"customer{n}@example.com",
                    "Content": body,
                },
            )


def one_sync(proxy: TcpProxy, server: RtServer, db: Path) -> tuple[float, int, int]:
    store = open_store(db, load_sla_policy())
    backend = RtBackend(
        settings=RtSettings(url=proxy.url, queues=(QUEUE,)),
        client=RtClient(proxy.url, server.token),
    )
    down = proxy.bytes_down
    started = time.perf_counter()
    summary = backend.sync(store, datetime.now(UTC))
    seconds = time.perf_counter() - started
    backend.close()
    store.close()
    if summary.state != "online":
        print(f"  sync was {summary.state}: {summary.message}")
    return seconds, proxy.bytes_down - down, summary.pulled


def change(server: RtServer, round_number: int) -> None:
    import httpx

    with httpx.Client(
        base_url=f"{server.url}/REST/2.0", headers={"Authorization": f"token {server.token}"}
    ) as http:
        for n in range(CHANGED):
            ticket = 1 + (round_number * CHANGED + n) * 7 % TICKETS
            http.put(f"/ticket/{ticket}", json={"Priority": (round_number * 10 + n) % 100})


def report(label: str, rows: list[tuple[float, int, int]]) -> None:
    seconds = statistics.median(r[0] for r in rows)
    down = statistics.median(r[1] for r in rows)
    tickets = statistics.median(r[2] for r in rows)
    print(
        f"  {label:<38} {seconds:6.2f} s loopback  in {down / 1e3:8.1f} kB"
        f"  at 256 kbit/s ~{seconds + down / LINK:6.1f} s  ({tickets:.0f} tickets)"
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
        straight = TcpProxy(server.port, lambda line: "pass", upstream_timeout=600)
        proxied = TcpProxy(nginx.port, lambda line: "pass", upstream_timeout=600)
        try:
            started = time.perf_counter()
            fill(server)
            print(f"{TICKETS} RT tickets made in {time.perf_counter() - started:.0f} s")
            results: dict[str, dict[str, list[tuple[float, int, int]]]] = {}
            for name, proxy in (("straight to RT", straight), ("nginx gzip", proxied)):
                first = [one_sync(proxy, server, work / f"{name}-{run}.db") for run in range(RUNS)]
                delta = []
                for run in range(RUNS):
                    change(server, run)
                    delta.append(one_sync(proxy, server, work / f"{name}-0.db"))
                results[name] = {"first": first, "delta": delta}
        finally:
            straight.close()
            proxied.close()
            nginx.stop()
            server.stop()
    print(f"medians of {RUNS} runs, RT 5 on 127.0.0.1, bytes in on the wire")
    for name, rows in results.items():
        report(f"first sync, {name}", rows["first"])
        report(f"delta ({CHANGED} changed), {name}", rows["delta"])


if __name__ == "__main__":
    sys.exit(main())
