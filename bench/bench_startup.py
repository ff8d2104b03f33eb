"""Start-up: process start to the first frame, and to the first screen of real tickets.

The app runs in a real pseudo-terminal (as over SSH) on a 50,000-ticket store; it appends
marks to a file (agentdesk/marks.py) and exits at the mark asked for. Targets: first frame
under 0.5 s, first rows under 1.0 s. Prints medians; asserts nothing.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, big_store, median_ms

RUNS = 7


def one_run(db: Path, until: str) -> dict[str, float]:
    marks = Path(tempfile.mkstemp(prefix="agentdesk-marks-")[1])
    master, slave = pty.openpty()
    env = {
        **os.environ,
        "AGENTDESK_MARKS": str(marks),
        "AGENTDESK_MARKS_EXIT": until,
        "TERM": "xterm-256color",
        "COLUMNS": "160",
        "LINES": "48",
    }
    os.set_blocking(master, False)
    started = time.time()
    child = subprocess.Popen(
        [sys.executable, "-m", "agentdesk", "--db", str(db), "--profile", "bench"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=REPO,
        close_fds=True,
    )
    os.close(slave)
    deadline = started + 60
    while child.poll() is None and time.time() < deadline:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                os.read(master, 65536)  # drain the screen so the app never blocks on output
            except OSError:
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
    return found


def main() -> None:
    db = big_store()
    # XDG dirs in a temp folder: the bench profile must not touch the user's.
    home = tempfile.mkdtemp(prefix="agentdesk-bench-")
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        os.environ[name] = os.path.join(home, name.lower())
    one_run(db, "first_rows")  # warm the OS file cache and .pyc files
    frames: list[float] = []
    rows: list[float] = []
    for _ in range(RUNS):
        found = one_run(db, "first_rows")
        if "first_frame" in found:
            frames.append(found["first_frame"])
        if "first_rows" in found:
            rows.append(found["first_rows"])
    print(f"startup over {RUNS} runs, 50,000-ticket store, 160x48 pty")
    print(
        f"  (a) process start -> first frame : {median_ms(frames) if frames else 'n/a'}"
        "  (target < 500 ms)"
    )
    print(
        f"  (b) process start -> first rows  : {median_ms(rows) if rows else 'n/a'}"
        "  (target < 1000 ms)"
    )


if __name__ == "__main__":
    main()
