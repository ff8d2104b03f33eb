"""Start-up: process start to the first frame, and to the first screen of real tickets.

The app runs in a real pseudo-terminal (as over SSH) on a 50,000-ticket store; it appends
marks to a file (agentdesk/marks.py) and exits at the mark asked for. Targets: first frame
under 0.5 s, first rows under 1.0 s. Prints medians; asserts nothing.
"""

from __future__ import annotations

import base64
import json
import os
import pty
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import BENCH_KEY, REPO, big_store, encrypted_big_store, median_ms

RUNS = 7


# The reference: a bare Textual DataTable app showing 40 rows, with the same marks.
BARE_APP = """
import os, time
from textual.app import App
from textual.widgets import DataTable, Footer

def mark(name):
    with open(os.environ["AGENTDESK_MARKS"], "a") as handle:
        handle.write(f"{name} {time.time():.6f}\\n")

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


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def one_run(
    db: Path | None, until: str, extra_env: dict[str, str] | None = None
) -> dict[str, float]:
    """Marks (seconds after the process started) and, as "rss_mib", the resident memory
    once the `until` mark is written; db None runs the bare app."""
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
    os.set_blocking(master, False)
    started = time.time()
    argv = (
        [sys.executable, "-c", BARE_APP]
        if db is None
        else [sys.executable, "-m", "agentdesk", "--db", str(db), "--profile", "bench"]
    )
    child = subprocess.Popen(
        argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=REPO,
        close_fds=True,
    )
    os.close(slave)
    deadline = started + 60
    rss = 0
    while child.poll() is None and time.time() < deadline:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                os.read(master, 65536)  # drain the screen so the app never blocks on output
            except OSError:
                break
        if until in marks.read_text():
            time.sleep(0.3)  # what start-up still finishes right after the first rows
            rss = rss_kib(child.pid)
            break
    if child.poll() is None:
        child.kill()
    child.wait()
    os.close(master)
    found: dict[str, float] = {}
    for line in marks.read_text().splitlines():
        name, stamp = line.split()
        found.setdefault(name, float(stamp) - started)
    marks.unlink()
    found["rss_mib"] = rss / 1024
    return found


def main() -> None:
    db = big_store()
    # XDG dirs in a temp folder: the bench profile must not touch the user's.
    home = tempfile.mkdtemp(prefix="agentdesk-bench-")
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        os.environ[name] = os.path.join(home, name.lower())
    # Issue 16: the same store encrypted, its key where a real profile's is: the keyring
    # (a bench backend standing in for the system one).
    sealed = encrypted_big_store()
    keyring_file = Path(home) / "bench-keyring.json"
    keyring_file.write_text(
        json.dumps({"agentdesk/db-key/bench": base64.b64encode(BENCH_KEY).decode()})
    )
    sealed_env = {
        "PYTHON_KEYRING_BACKEND": "bench_keyring.BenchKeyring",
        "PYTHONPATH": str(REPO / "bench"),
        "AGENTDESK_BENCH_KEYRING": str(keyring_file),
    }
    one_run(db, "first_rows")  # warm the OS file cache and .pyc files
    one_run(None, "first_rows")
    one_run(sealed, "first_rows", sealed_env)
    sealed_frames: list[float] = []
    sealed_rows: list[float] = []
    frames: list[float] = []
    rows: list[float] = []
    bare: list[float] = []
    memory: list[float] = []
    bare_memory: list[float] = []
    for _ in range(RUNS):
        found = one_run(db, "first_rows")
        if "first_frame" in found:
            frames.append(found["first_frame"])
        if "first_rows" in found:
            rows.append(found["first_rows"])
            memory.append(found["rss_mib"])
        encrypted = one_run(sealed, "first_rows", sealed_env)
        if "first_frame" in encrypted:
            sealed_frames.append(encrypted["first_frame"])
        if "first_rows" in encrypted:
            sealed_rows.append(encrypted["first_rows"])
        reference = one_run(None, "first_rows")  # interleaved: the same load for both
        if "first_rows" in reference:
            bare.append(reference["first_rows"])
            bare_memory.append(reference["rss_mib"])
    print(f"startup over {RUNS} runs, 50,000-ticket store, 160x48 pty")
    print(
        f"  (a) process start -> first frame : {median_ms(frames) if frames else 'n/a'}"
        "  (target < 500 ms)"
    )
    print(
        f"  (b) process start -> first rows  : {median_ms(rows) if rows else 'n/a'}"
        "  (target < 1000 ms)"
    )
    if rows and bare:
        ratio = statistics.median(rows) / statistics.median(bare)
        print(
            f"      a bare Textual DataTable app, same run: {median_ms(bare)}"
            f"  (ratio {ratio:.2f}, target <= 1.2)"
        )
    print(
        f"      encrypted (SQLCipher, key from the keyring), same run: first frame "
        f"{median_ms(sealed_frames) if sealed_frames else 'n/a'}, first rows "
        f"{median_ms(sealed_rows) if sealed_rows else 'n/a'}"
    )
    if memory and bare_memory:
        print(
            f"  (d) resident memory after start-up: {statistics.median(memory):.0f} MiB"
            f"  vs {statistics.median(bare_memory):.0f} MiB for the bare app"
        )


if __name__ == "__main__":
    main()
