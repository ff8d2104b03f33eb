"""Sync with a live Request Tracker 5 on loopback.

Default: the first sync with history of HISTORY_TICKETS open tickets (each with a
conversation from the demo generator, loaded by tests/sync/rt_bulk.py) beside the same pull
fields only (no history read), and the history pull with the next page fetched while a page
reads its history (sync/rt/pull.py, the default) beside the same pull one page after another.
Target (issue 17): history <= 1.2x fields only. `--quick`: 600 tickets, one run each (this
shared 2-core box); default 2,000 and 3 runs.

`--cli`: bytes and seconds, agentdesk vs Debian's `rt`:
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
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from _common import CACHE, REPO  # noqa: F401  (puts the repo on sys.path)
from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import open_store
from agentdesk.sync.rt.backend import RtBackend
from agentdesk.sync.rt.client import RtClient
from agentdesk.sync.rt.history import HistoryReader, PageHistory, Wanted
from agentdesk.sync.rt.pull import Puller
from agentdesk.sync.rt.settings import RtSettings
from tests.sync import rt_bulk
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


QUICK = "--quick" in sys.argv
HISTORY_TICKETS = 600 if QUICK else 2000
HISTORY_RUNS = 1 if QUICK else 3


class FieldsOnly(HistoryReader):
    """The reference: the same pull, no history read."""

    def read(self, wanted: Mapping[str, Wanted], agents: set[str]) -> PageHistory:
        return PageHistory({}, {}, {})


def pull_once(server: RtServer, db: Path, *, history: bool, overlap: bool) -> tuple[float, int]:
    store = open_store(db, load_sla_policy())
    client = RtClient(server.url, server.token)
    puller = Puller(
        store,
        client,
        RtSettings(url=server.url, queues=(QUEUE,)),
        lambda: datetime.now(UTC),
        reader=None if history else FieldsOnly(client),
        overlap=overlap,
    )
    started = time.perf_counter()
    report = puller.run()
    seconds = time.perf_counter() - started
    client.close()
    store.close()
    return seconds, report.history.messages


def history_rows() -> None:
    with tempfile.TemporaryDirectory(prefix="agentdesk-bench-history-") as folder:
        work = Path(folder)
        server = make_rt(work / "rt")
        try:
            started = time.perf_counter()
            loaded = rt_bulk.load(
                server, QUEUE, rt_bulk.demo_tickets(HISTORY_TICKETS, open_only=True)
            )
            print(
                f"{loaded.tickets:,} open RT tickets, {loaded.transactions:,} messages loaded "
                f"in {time.perf_counter() - started:.0f} s"
            )
            ways = {
                "fields only": dict(history=False, overlap=True),
                "history, one page after another": dict(history=True, overlap=False),
                "history, next page fetched during": dict(history=True, overlap=True),
            }
            seconds: dict[str, list[float]] = {name: [] for name in ways}
            messages: dict[str, int] = {}
            for run in range(HISTORY_RUNS):  # interleaved: the box's load falls on every way
                for n, (name, way) in enumerate(ways.items()):
                    took, messages[name] = pull_once(server, work / f"{run}-{n}.db", **way)
                    seconds[name].append(took)
        finally:
            server.stop()
    scale = " (--quick scale)" if QUICK else ""
    print(
        f"first sync of {HISTORY_TICKETS:,} open tickets, RT 5 on 127.0.0.1, "
        f"medians of {HISTORY_RUNS} run(s){scale}"
    )
    reference = statistics.median(seconds["fields only"])
    for name, took in seconds.items():
        middle = statistics.median(took)
        print(
            f"  {name:<36} {middle:7.1f} s  {middle / reference:4.2f}x fields only"
            f"  ({messages[name]:,} messages)"
        )


def main() -> None:
    if "--cli" not in sys.argv:
        reason = rt_installed()
        if reason:
            print(f"skipped: {reason}")
            return
        history_rows()
        return
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
