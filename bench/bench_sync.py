"""Sync with a live Request Tracker 5 on loopback.

Default: the first sync of HISTORY_TICKETS open tickets (each with a conversation from the
demo generator, loaded by tests/sync/rt_bulk.py), in two stages as agentdesk does it (the
ticket fields: the queue; then the conversations, sync/rt/conversations.py), beside the same
pull fields only (no history at all). Rows: "queue ready" (the first stage's end, when the TUI
shows the queue) and "conversations read" (both stages), each against fields only, each with
the client on an RT web session (sync/rt/client.py, session_seconds: RT checks a token with
bcrypt on every request) and with the token on every request. Per way: wall, this process's
CPU, RT's CPU (rt-server's processes, from /proc), requests, and the load average (a shared
2-core box: wall is noisy, CPU less so). Target (issue 17): history <= 1.2x fields only.
`--serial` adds the pull with pages one after another (the reference of the next page fetched
while a page is written).
`--quick`: 600 tickets, one run each; default 2,000 and 3 runs (BENCH_HISTORY_TICKETS sets
the count).

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
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench_sync_gzip import rt_cpu

from _common import CACHE, REPO  # noqa: F401  (puts the repo on sys.path)
from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import open_store
from agentdesk.sync.rt.backend import RtBackend
from agentdesk.sync.rt.client import RtClient
from agentdesk.sync.rt.conversations import ConversationReader
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
HISTORY_TICKETS = int(os.environ.get("BENCH_HISTORY_TICKETS", "600" if QUICK else "2000"))
HISTORY_RUNS = 1 if QUICK else 3
SESSION_SECONDS = 300  # RtSettings.session_seconds when on (it is off by default for now)


class FieldsOnly(HistoryReader):
    """The reference: the same pull, no history read."""

    def read(self, wanted: Mapping[str, Wanted], agents: set[str]) -> PageHistory:
        return PageHistory({}, {}, {})


@dataclass(frozen=True)
class Way:
    history: bool
    session: bool
    overlap: bool = True


@dataclass(frozen=True)
class Took:
    seconds: float
    our_cpu: float
    rt_cpu: float
    requests: int
    messages: int
    queue_seconds: float  # the first stage's end: the queue is shown


def pull_once(server: RtServer, db: Path, way: Way) -> Took:
    store = open_store(db, load_sla_policy())
    client = RtClient(
        server.url, server.token, session_seconds=SESSION_SECONDS if way.session else 0
    )
    puller = Puller(
        store,
        client,
        RtSettings(url=server.url, queues=(QUEUE,)),
        lambda: datetime.now(UTC),
        reader=None if way.history else FieldsOnly(client),
        overlap=way.overlap,
    )
    rt_before, cpu_before = rt_cpu(server), time.process_time()
    started = time.perf_counter()
    report = puller.run()
    queue_seconds = time.perf_counter() - started
    messages = report.history.messages
    if way.history:  # the second stage, until every open ticket's conversation is in
        messages += (
            ConversationReader(store, client, lambda: datetime.now(UTC)).run().history.messages
        )
    seconds = time.perf_counter() - started
    took = Took(
        seconds,
        time.process_time() - cpu_before,
        rt_cpu(server) - rt_before,
        client.traffic.requests,
        messages,
        queue_seconds,
    )
    client.close()
    store.close()
    return took


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def history_rows() -> None:
    ways = {
        "fields only, session": Way(history=False, session=True),
        "history, session": Way(history=True, session=True),
        "fields only, token every request": Way(history=False, session=False),
        "history, token every request": Way(history=True, session=False),
    }
    if "--serial" in sys.argv:  # the overlap's own reference: one page after another
        ways["history, session, pages one after another"] = Way(True, True, overlap=False)
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
                f"in {time.perf_counter() - started:.0f} s; load average {load_average()}"
            )
            runs: dict[str, list[Took]] = {name: [] for name in ways}
            for run in range(HISTORY_RUNS):  # interleaved: the box's load falls on every way
                for n, (name, way) in enumerate(ways.items()):
                    runs[name].append(pull_once(server, work / f"{run}-{n}.db", way))
        finally:
            server.stop()
    scale = " (--quick scale)" if QUICK else ""
    print(
        f"first sync of {HISTORY_TICKETS:,} open tickets, RT 5 on 127.0.0.1, "
        f"medians of {HISTORY_RUNS} run(s){scale}; load average {load_average()}"
    )
    print(
        f"  {'':<44} {'wall':>7}  {'ratio':>5}  {'our CPU':>8}  {'RT CPU':>8}  "
        f"{'requests':>8}  messages"
    )
    for name, took in runs.items():
        reference = "fields only, " + name.split(", ", 1)[1].split(", pages")[0]
        fields_wall = statistics.median(t.seconds for t in runs[reference])
        if name != reference:
            queue = statistics.median(t.queue_seconds for t in took)
            print(f"  {name + ': queue ready':<44} {queue:6.1f}s  {queue / fields_wall:4.2f}x")
            name += ": conversations read"
        wall = statistics.median(t.seconds for t in took)
        ratio = wall / fields_wall
        rt_ratio = statistics.median(t.rt_cpu for t in took) / max(
            statistics.median(t.rt_cpu for t in runs[reference]), 1e-9
        )
        print(
            f"  {name:<44} {wall:6.1f}s  {ratio:4.2f}x  "
            f"{statistics.median(t.our_cpu for t in took):7.1f}s  "
            f"{statistics.median(t.rt_cpu for t in took):7.1f}s  "
            f"{statistics.median(t.requests for t in took):8.0f}  "
            f"{took[-1].messages:,}  (RT CPU {rt_ratio:.2f}x)"
        )
    print("  target (issue 17): history <= 1.2x fields only (wall, same session mode)")


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
