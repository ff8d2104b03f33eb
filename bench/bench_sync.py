"""Sync with a live Request Tracker 5 on loopback: bytes and seconds, agentdesk vs Debian's `rt`.

- first sync of 10,000 tickets into an empty store (push nothing, pull everything);
- delta sync after 50 tickets changed in RT;
- the same two lists through Debian's `rt` command-line client (REST 1.0) for comparison.

Bytes are counted on the wire by a loopback TCP proxy in front of RT, the same for both
clients. The 10,000-ticket RT database is built once through RT's own API (scrips off for the
load, ~25 ms a ticket) and cached in .bench/. Prints medians; asserts nothing.
Seen on a shared 2026-11 dev box: `rt ls -f ...` over 10,000 tickets hits the rt client's fixed
180 s read timeout (REST 1.0 builds the whole listing before its first byte) and lists nothing.
Needs request-tracker5, rt5-db-sqlite, rt5-standalone and rt5-clients installed.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from _common import CACHE, REPO  # noqa: F401  (puts the repo on sys.path)
from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import open_store
from agentdesk.sync.rt.backend import RtBackend
from agentdesk.sync.rt.client import RtClient
from agentdesk.sync.rt.settings import RtSettings
from tests.sync.rt_server import RtServer, make_rt, rt_installed
from tests.sync.tcp_proxy import TcpProxy

TICKETS = int(os.environ.get("BENCH_SYNC_TICKETS", "10000"))
CHANGED = 50
RUNS = 3
QUEUE = "Bench"


def rt_database(work: Path) -> Path:
    cached = CACHE / f"rt-{TICKETS}.rtdb"
    if cached.exists():
        return cached
    print(f"building an RT database with {TICKETS:,} tickets (once, cached in {cached})")
    server = make_rt(work / "build")
    try:
        started = time.perf_counter()
        server.bulk_create(QUEUE, TICKETS, prefix="Bench ticket")
        print(f"  created {TICKETS:,} tickets in {time.perf_counter() - started:.0f} s")
    finally:
        server.stop()
    CACHE.mkdir(exist_ok=True)
    shutil.copyfile(server.folder / "rtdb", cached)
    return cached


def agentdesk_sync(proxy: TcpProxy, server: RtServer, db: Path) -> tuple[float, int, int, int]:
    store = open_store(db, load_sla_policy())
    settings = RtSettings(url=proxy.url, queues=(QUEUE,))
    backend = RtBackend(settings=settings, client=RtClient(proxy.url, server.token))
    up, down = proxy.bytes_up, proxy.bytes_down
    started = time.perf_counter()
    summary = backend.sync(store, datetime.now(UTC))
    seconds = time.perf_counter() - started
    backend.close()
    store.close()
    if summary.state != "online":
        print(f"  sync was {summary.state}: {summary.message}")
    return seconds, proxy.bytes_down - down, proxy.bytes_up - up, summary.pulled


def rt_cli(proxy: TcpProxy, query: str) -> tuple[float, int, int, int]:
    env = {
        **os.environ,
        "RTSERVER": proxy.url,
        "RTUSER": "root",
        "RTPASSWD": "password",
        "RTCONFIG": "/dev/null",
    }
    fields = "id,Subject,Status,Priority,Owner,Requestors,Queue,Created,LastUpdated"
    up, down = proxy.bytes_up, proxy.bytes_down
    started = time.perf_counter()
    result = subprocess.run(
        ["rt", "ls", "-f", fields, query], env=env, capture_output=True, text=True, timeout=3600
    )
    seconds = time.perf_counter() - started
    # `rt ls -f` prints a tab-separated table under one header line.
    listed = max(len(result.stdout.strip().splitlines()) - 1, 0)
    if result.returncode != 0 or not listed:
        print(f"  rt exited {result.returncode}: {result.stderr.strip()[:200]}")
    return seconds, proxy.bytes_down - down, proxy.bytes_up - up, listed


def change_tickets(server: RtServer, round_number: int) -> None:
    import httpx

    with httpx.Client(
        base_url=f"{server.url}/REST/2.0", headers={"Authorization": f"token {server.token}"}
    ) as http:
        for n in range(CHANGED):
            ticket = 1 + (round_number * CHANGED + n) * 37 % TICKETS
            http.put(f"/ticket/{ticket}", json={"Priority": (round_number * 10 + n) % 100})


def report(label: str, rows: list[tuple[float, int, int, int]]) -> None:
    seconds = statistics.median(r[0] for r in rows)
    bytes_in = statistics.median(r[1] for r in rows)
    bytes_out = statistics.median(r[2] for r in rows)
    items = statistics.median(r[3] for r in rows)
    print(
        f"{label:<44} {seconds:8.2f} s  in {bytes_in / 1e6:8.2f} MB  "
        f"out {bytes_out / 1e3:8.1f} kB  ({items:.0f} tickets)"
    )


def main() -> None:
    reason = rt_installed()
    if reason or not shutil.which("rt"):
        print(f"skipped: {reason or 'Debian rt5-clients is not installed'}")
        return
    with tempfile.TemporaryDirectory(prefix="agentdesk-bench-sync-") as folder:
        work = Path(folder)
        database = rt_database(work)
        server = make_rt(work / "rt", database=database)
        # rt's REST 1.0 listing of 10,000 tickets takes minutes before its first byte.
        proxy = TcpProxy(server.port, lambda line: "pass", upstream_timeout=3600)
        try:
            first = []
            for run in range(RUNS):
                first.append(agentdesk_sync(proxy, server, work / f"first-{run}.db"))
            delta = []
            cli_delta = []
            db = work / "first-0.db"
            for run in range(RUNS):
                change_tickets(server, run)
                delta.append(agentdesk_sync(proxy, server, db))
                cli_delta.append(
                    rt_cli(proxy, f"Queue = '{QUEUE}' AND LastUpdated >= '120 seconds ago'")
                )
            cli_first = [rt_cli(proxy, f"Queue = '{QUEUE}'") for _ in range(RUNS)]
        finally:
            proxy.close()
            server.stop()
    print(f"\nmedians of {RUNS} runs, RT 5 on 127.0.0.1 (rt-server, SQLite), bytes on the wire")
    report(f"agentdesk first sync, {TICKETS:,} tickets", first)
    report(f"rt CLI list, {TICKETS:,} tickets", cli_first)
    report(f"agentdesk delta sync, {CHANGED} changed", delta)
    report(f"rt CLI list, {CHANGED} changed (+overlap)", cli_delta)


if __name__ == "__main__":
    sys.exit(main())
