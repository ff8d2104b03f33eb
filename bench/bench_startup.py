"""Start-up: process start to the first frame, and to the first screen of real tickets.

The app runs in a real pseudo-terminal (as over SSH) on a 50,000-ticket store; it appends
marks to a file (agentdesk/marks.py). Beside it, in the same run and interleaved, a bare
Textual DataTable app. Targets: first rows within 1.2x the bare app's; first frame under
0.5 s. Prints medians (wall time, and beside it the CPU each process spent to its first rows:
the machine is shared, and load stretches the wall time), the load average, resident memory
(at the first rows and once start-up has settled), and what `-X importtime` says stands
before the first rows; asserts nothing.

Bytecode: pip compiles an installed package's .pyc files, so the main figures run with a
bytecode cache (in a temporary PYTHONPYCACHEPREFIX, never beside the sources). This machine
sets PYTHONDONTWRITEBYTECODE, under which an editable checkout compiles every agentdesk
module from source at each start (Textual's .pyc files came with its wheel): that figure is
printed too, as "no .pyc".
"""

from __future__ import annotations

import base64
import json
import os
import pty
import re
import select
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from _common import BENCH_KEY, REPO, big_store, encrypted_big_store, median_ms

RUNS = int(os.environ.get("BENCH_RUNS", "7"))


# The reference: a bare Textual DataTable app showing 40 rows, with the same marks.
BARE_APP = """
import os, time
from textual.app import App
from textual.widgets import DataTable, Footer

def mark(name):
    with open(os.environ["AGENTDESK_MARKS"], "a") as handle:
        handle.write(f"{name} {time.time():.6f} {time.process_time():.6f}\\n")

class Bare(App):
    def compose(self):
        yield DataTable()
        yield Footer()
    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("Ticket", "Pri", "Status", "Subject", "Customer", "SLA left")
        for n in range(40):
            table.add_row(f"#{n}", "P2", "New", f"Subject {n}", "Maria G.", "3h05m")
        self.call_after_refresh(mark, "first_rows")

Bare().run()
"""


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    """Resident memory: VmRSS, or RssAnon (the heap and stacks: what the process itself
    allocated, not the mapped libraries and files the OS can drop and read again)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0
    for line in lines:
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


SETTLE_SECONDS = 1.5
"""Start-up has settled once resident memory has not moved for this long (after the open)."""


def one_run(
    db: Path | None,
    until: str,
    extra_env: dict[str, str] | None = None,
    *,
    settle: bool = False,
    python_flags: tuple[str, ...] = (),
    stderr_to_marks: bool = False,
) -> dict[str, float]:
    """Marks (seconds after the process started); "rss_mib": resident memory when the
    `until` mark is written; with settle, "settled_mib": once the session has opened (or, for
    the bare app, at once) and memory has stopped moving. db None runs the bare app.
    stderr_to_marks: the child's stderr (and so -X importtime's lines) goes into the marks
    file, in order with the marks (the screen then goes there too)."""
    marks = Path(tempfile.mkstemp(prefix="agentdesk-marks-")[1])
    master, slave = pty.openpty()
    env = {
        **os.environ,
        "AGENTDESK_MARKS": str(marks),
        "TERM": "xterm-256color",
        "COLUMNS": "160",
        "LINES": "48",
        **(extra_env or {}),
    }
    for name in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX"):
        if env.get(name) == "":
            del env[name]
    os.set_blocking(master, False)
    argv = (
        [sys.executable, *python_flags, "-c", BARE_APP]
        if db is None
        else [
            sys.executable,
            *python_flags,
            "-m",
            "agentdesk",
            "--db",
            str(db),
            "--profile",
            "bench",
        ]
    )
    err = open(marks, "a") if stderr_to_marks else None  # noqa: SIM115
    started = time.time()
    child = subprocess.Popen(
        argv,
        stdin=slave,
        stdout=slave,
        stderr=err or slave,
        env=env,
        cwd=REPO,
        close_fds=True,
    )
    os.close(slave)
    deadline = started + 60
    rss = settled = anon = 0
    phase = "start"
    last_change = time.time()
    while child.poll() is None and time.time() < deadline:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                os.read(master, 65536)  # drain the screen so the app never blocks on output
            except OSError:
                break
        text = marks.read_text(errors="replace")
        if phase == "start" and re.search(rf"\b{until} \d", text):
            rss = rss_kib(child.pid)
            if not settle:
                break
            phase = "opening"
            settled, last_change = rss, time.time()
        elif phase == "opening" and (db is None or "session_opened" in text):
            phase = "settling"
        if phase == "settling":
            now_rss = rss_kib(child.pid)
            if now_rss != settled:
                settled, last_change = now_rss, time.time()
            elif time.time() - last_change >= SETTLE_SECONDS:
                anon = rss_kib(child.pid, "RssAnon")
                break
    if child.poll() is None:
        child.kill()
    child.wait()
    os.close(master)
    if err is not None:
        err.close()
    found: dict[str, float] = {}
    text = marks.read_text(errors="replace")
    marked = r"\b(first_frame|first_rows|session_opened) (\d+\.\d+) (\d+\.\d+)"
    for name, stamp, cpu in re.findall(marked, text):
        found.setdefault(name, float(stamp) - started)
        found.setdefault(f"{name}_cpu", float(cpu))  # the process's CPU seconds, all threads
    found["rss_mib"] = rss / 1024
    found["settled_mib"] = settled / 1024
    found["settled_anon_mib"] = anon / 1024
    if stderr_to_marks:
        cut = re.search(rf"\b{until} \d", text)
        IMPORTS[db is None] = text[: cut.start()] if cut else text
    marks.unlink()
    return found


IMPORTS: dict[bool, str] = {}
"""-X importtime's lines before the first rows: [False] ours, [True] the bare app's."""

_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def import_report(ours: str, bare: str, top: int = 12) -> list[str]:
    """What ours imports before its first rows that the bare app does not, by self time."""
    bare_modules = {m[3] for m in _IMPORT_LINE.findall(bare)}
    rows = [(int(s), int(c), n) for s, c, _, n in _IMPORT_LINE.findall(ours)]
    extra = [(s, c, n) for s, c, n in rows if n not in bare_modules]
    by_package: Counter[str] = Counter()
    for s, _, n in extra:
        parts = n.split(".")
        by_package[".".join(parts[:2]) if parts[0] == "agentdesk" else parts[0]] += s
    total_ours = sum(s for s, _, _ in rows)
    total_bare = sum(int(s) for s, *_ in _IMPORT_LINE.findall(bare))
    lines = [
        f"  -X importtime before the first rows: {len(rows)} modules, {total_ours / 1000:.0f} ms"
        f" (bare app: {len(bare_modules)} modules, {total_bare / 1000:.0f} ms); "
        f"{len(extra)} modules the bare app does not load, {sum(s for s, _, _ in extra) / 1000:.0f}"
        " ms self time:",
        "    by package: "
        + ", ".join(f"{name} {us / 1000:.0f}" for name, us in by_package.most_common(top)),
        "    top modules (self / cumulative ms): "
        + ", ".join(
            f"{n} {s / 1000:.0f}/{c / 1000:.0f}" for s, c, n in sorted(extra, reverse=True)[:top]
        ),
    ]
    return lines


def main() -> None:
    loaded_at_start = "/".join(f"{figure:.1f}" for figure in os.getloadavg())
    db = big_store()
    # XDG dirs in a temp folder: the bench profile must not touch the user's.
    home = tempfile.mkdtemp(prefix="agentdesk-bench-")
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        os.environ[name] = os.path.join(home, name.lower())
    # Bytecode cached as an installed package has it; "no .pyc" compiles agentdesk each time.
    cached = {"PYTHONPYCACHEPREFIX": os.path.join(home, "pyc"), "PYTHONDONTWRITEBYTECODE": ""}
    # (No prefix: Textual's own .pyc files beside its sources stay in use, as for the bare app.)
    compiled = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": ""}
    # Issue 16: the same store encrypted, its key where a real profile's is: the keyring
    # (a bench backend standing in for the system one).
    sealed = encrypted_big_store()
    keyring_file = Path(home) / "bench-keyring.json"
    keyring_file.write_text(
        json.dumps({"agentdesk/db-key/bench": base64.b64encode(BENCH_KEY).decode()})
    )
    sealed_env = {
        **cached,
        "PYTHON_KEYRING_BACKEND": "bench_keyring.BenchKeyring",
        "PYTHONPATH": str(REPO / "bench"),
        "AGENTDESK_BENCH_KEYRING": str(keyring_file),
    }
    one_run(db, "first_rows", cached)  # warm the OS file cache and write the .pyc files
    one_run(None, "first_rows", cached)
    one_run(sealed, "first_rows", sealed_env)
    series: dict[str, list[float]] = {}

    def keep(name: str, found: dict[str, float], key: str) -> None:
        if key in found and (not key.endswith("_mib") or found[key] > 0):
            series.setdefault(name, []).append(found[key])

    for _ in range(RUNS):
        found = one_run(db, "first_rows", cached, settle=True)
        if "first_rows" in found:
            keep("frames", found, "first_frame")
            keep("rows", found, "first_rows")
            keep("rows_cpu", found, "first_rows_cpu")
            keep("memory", found, "rss_mib")
            keep("settled", found, "settled_mib")
            keep("settled_anon", found, "settled_anon_mib")
        encrypted = one_run(sealed, "first_rows", sealed_env, settle=True)
        keep("sealed_frames", encrypted, "first_frame")
        keep("sealed_rows", encrypted, "first_rows")
        keep("sealed_rows_cpu", encrypted, "first_rows_cpu")
        keep("sealed_settled", encrypted, "settled_mib")
        keep("sealed_settled_anon", encrypted, "settled_anon_mib")
        uncached = one_run(db, "first_rows", compiled)
        keep("uncached_rows", uncached, "first_rows")
        reference = one_run(None, "first_rows", cached, settle=True)  # interleaved: same load
        if "first_rows" in reference:
            keep("bare", reference, "first_rows")
            keep("bare_cpu", reference, "first_rows_cpu")
            keep("bare_memory", reference, "rss_mib")
            keep("bare_settled", reference, "settled_mib")
            keep("bare_settled_anon", reference, "settled_anon_mib")
    flags = ("-X", "importtime")
    one_run(db, "first_rows", cached, python_flags=flags, stderr_to_marks=True)
    one_run(None, "first_rows", cached, python_flags=flags, stderr_to_marks=True)

    def med(name: str) -> str:
        return median_ms(series[name]) if series.get(name) else "n/a"

    def mib(name: str) -> str:
        return f"{statistics.median(series[name]):.0f} MiB" if series.get(name) else "n/a"

    load = "/".join(f"{figure:.1f}" for figure in os.getloadavg())
    print(
        f"startup over {RUNS} runs, 50,000-ticket store, 160x48 pty; load average "
        f"{loaded_at_start} at the start, {load} at the end (1/5/15 min, 2 cores)"
    )
    print(f"  (a) process start -> first frame : {med('frames')}  (target < 500 ms)")
    print(f"  (b) process start -> first rows  : {med('rows')}")
    if series.get("rows") and series.get("bare"):
        ratio = statistics.median(series["rows"]) / statistics.median(series["bare"])
        print(
            f"      a bare Textual DataTable app, same run: {med('bare')}"
            f"  (ratio {ratio:.2f}, target <= 1.2)"
        )
    if series.get("rows_cpu") and series.get("bare_cpu"):
        ratio = statistics.median(series["rows_cpu"]) / statistics.median(series["bare_cpu"])
        print(
            f"      CPU to the first rows (the process, every thread): {med('rows_cpu')} vs "
            f"{med('bare_cpu')} for the bare app  (ratio {ratio:.2f})"
        )
    if series.get("uncached_rows") and series.get("bare"):
        ratio = statistics.median(series["uncached_rows"]) / statistics.median(series["bare"])
        print(
            f"      no .pyc (agentdesk compiled at each start), same run: "
            f"{med('uncached_rows')}  (ratio {ratio:.2f})"
        )
    print(
        f"      encrypted (SQLCipher, key from the keyring), same run: first frame "
        f"{med('sealed_frames')}, first rows {med('sealed_rows')}"
    )
    if series.get("sealed_rows") and series.get("bare") and series.get("sealed_rows_cpu"):
        wall = statistics.median(series["sealed_rows"]) / statistics.median(series["bare"])
        cpu = statistics.median(series["sealed_rows_cpu"]) / statistics.median(series["bare_cpu"])
        print(
            f"      encrypted, CPU to the first rows: {med('sealed_rows_cpu')} vs "
            f"{med('bare_cpu')} for the bare app (ratio {cpu:.2f}; wall ratio {wall:.2f})"
        )
    print(
        f"  (d) resident memory at the first rows: {mib('memory')}"
        f"  vs {mib('bare_memory')} for the bare app; once start-up has settled (workspace "
        f"open, memory still for {SETTLE_SECONDS} s): {mib('settled')} vs {mib('bare_settled')}"
    )
    print(
        f"      of which anonymous (RssAnon: heap and stacks, no mapped files): "
        f"{mib('settled_anon')} vs {mib('bare_settled_anon')} for the bare app; before hmem "
        "(SQLModel and pydantic loaded, a 12.5 MiB search index): ~118 MiB VmRSS, 92 MiB anon"
    )
    print(
        f"      encrypted store (SQLCipher), same run, settled: {mib('sealed_settled')} VmRSS,"
        f" {mib('sealed_settled_anon')} anon; plain {mib('settled')} / {mib('settled_anon')},"
        f" bare app {mib('bare_settled')} / {mib('bare_settled_anon')}; before hmem2 (a 64 MiB"
        " cache on every connection, filled by the health check's pass): ~173 MiB, 150 MiB anon"
    )
    if False in IMPORTS and True in IMPORTS:
        for line in import_report(IMPORTS[False], IMPORTS[True]):
            print(line)


if __name__ == "__main__":
    main()
