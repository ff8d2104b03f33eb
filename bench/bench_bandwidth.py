"""Terminal bandwidth: what agentdesk writes to its terminal, idle and per keystroke.

Each screen runs in its own real pseudo-terminal (as over SSH), sized 80x24 or 160x48, on a
demo store built around the real now (so the SLA clocks run). The bench counts every byte the
process writes to the pty. A bare Textual app (a DataTable of 40 rows and a Footer) runs
beside it in the same run: that is the floor (it writes nothing when idle).

Rows:
  idle bytes/minute on the queue, an open ticket (a P0 with live clocks), and the dialogs
  (help, filters, macros, escalate), over one window of WINDOW seconds scaled to a minute;
  bytes per keystroke for a cursor move (down) on the queue and a search character.
Targets (issue 17): idle <= 10 KiB/min at 160x48 and <= 3 KiB/min at 80x24.
Prints figures; asserts nothing. All screens of one size run at the same time.
"""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from _common import REPO

WINDOW = float(os.environ.get("BENCH_BW_WINDOW", "60"))
SETTLE = 4.0  # after each key at least, before anything is counted
QUIET = 3.0  # ... and until no screen wrote for this long (or LONGEST passed)
LONGEST = 40.0
TICKETS = 2_000

BARE_APP = """
from textual.app import App
from textual.widgets import DataTable, Footer

class Bare(App):
    BINDINGS = [("q", "quit", "Quit")]
    def compose(self):
        yield DataTable()
        yield Footer()
    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("id", "priority", "status", "subject", "customer", "sla")
        for n in range(40):
            table.add_row(f"#{n}", "P2", "Open", f"subject {n}", "Maria Garcia", "3h05m")

Bare().run()
"""

DOWN = "\x1b[B"
ENTER = "\r"
ESC = "\x1b"


@dataclass
class Term:
    """One process in a pty; a reader thread counts what it writes."""

    argv: list[str]
    size: tuple[int, int]
    env: dict[str, str]
    written: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    tail: bytes = b""  # the last output, to check a screen was reached

    def start(self) -> None:
        master, slave = pty.openpty()
        columns, lines = self.size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        self.master = master
        self.child = subprocess.Popen(
            self.argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={**self.env, "COLUMNS": str(columns), "LINES": str(lines)},
            cwd=REPO,
            close_fds=True,
            start_new_session=True,
        )
        os.close(slave)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self.lock:
                self.written += len(chunk)
                self.tail = (self.tail + chunk)[-200_000:]

    def count(self) -> int:
        with self.lock:
            return self.written

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def stop(self) -> None:
        self.child.kill()
        self.child.wait()
        os.close(self.master)


def demo_store(folder: Path) -> Path:
    db = folder / "bandwidth.db"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "agentdesk",
            "demo-data",
            "--tickets",
            str(TICKETS),
            "--db",
            str(db),
        ],
        check=True,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
    )
    return db


def bench_profile(env: dict[str, str]) -> None:
    """The profile the apps run as, signing in off: a bench has no keyring, nor an agent to
    type a code (the first start writes the template; the bench turns sign_in off in it)."""
    script = (
        "from agentdesk.config import load_settings, profile_paths; load_settings('bw'); "
        "print(profile_paths('bw')[0])"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=REPO, check=True, capture_output=True
    )
    config = Path(done.stdout.decode().strip().splitlines()[-1])
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("sign_in = true", "sign_in = false"), encoding="utf-8")


def open_p0(db: Path) -> int:
    """An open P0 ticket: its next-update and resolution clocks run."""
    import sqlite3

    with sqlite3.connect(db) as connection:
        row = connection.execute(
            "SELECT id FROM tickets WHERE priority = 'P0' AND status = 'in_progress' LIMIT 1"
        ).fetchone()
    return int(row[0])


def scenarios(p0: int) -> dict[str, list[str]]:
    """Keys sent after start-up (one group per settle) before the idle window."""
    # The search index loads in the background: the id is typed, then given time to rank.
    ticket = ["/", f"#{p0}", "", ENTER, ENTER]
    return {
        "bare Textual app": [],
        "queue": [],
        "queue + filters dialog": ["f"],
        "queue + help": ["?"],
        f"open ticket (P0 #{p0})": ticket,
        "ticket + macros dialog": [*ticket, "m"],
        "ticket + escalate dialog": [*ticket, "e"],
    }


def settle(terms: list[Term]) -> None:
    """Wait until every screen is drawn: no output for QUIET seconds (a screen that repaints
    all the time never is: LONGEST, then go on). A loaded machine draws slowly."""
    time.sleep(SETTLE)
    deadline = time.monotonic() + LONGEST
    counts = [term.count() for term in terms]
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = [term.count() for term in terms]
        if now != counts:
            counts, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since >= QUIET:
            return


def kib_per_minute(count: int) -> str:
    return f"{count / WINDOW * 60 / 1024:8.1f} KiB/min"


def run_size(db: Path, size: tuple[int, int], env: dict[str, str]) -> None:
    keyed = scenarios(open_p0(db))
    app = [sys.executable, "-m", "agentdesk", "--db", str(db), "--no-shift", "--profile", "bw"]
    terms: dict[str, Term] = {}
    for name in keyed:
        argv = [sys.executable, "-c", BARE_APP] if name.startswith("bare") else app
        terms[name] = Term(argv, size, env)
        terms[name].start()
    settle(list(terms.values()))  # start-up of seven apps at once on a shared machine
    for step in range(max(len(keys) for keys in keyed.values())):
        for name, keys in keyed.items():
            if step < len(keys) and keys[step]:
                terms[name].send(keys[step])
        settle(list(terms.values()))
    for name, term in terms.items():
        if "ticket" in name and b"Conversation" not in term.tail:
            print(f"    ({name}: the ticket did not open; its figure is not a ticket's)")
    before = {name: term.count() for name, term in terms.items()}
    time.sleep(WINDOW)
    idle = {name: terms[name].count() - before[name] for name in terms}
    print(f"  {size[0]}x{size[1]}, idle for {WINDOW:.0f} s:")
    for name, count in idle.items():
        print(f"    {name:<26} {kib_per_minute(count)}  ({count} bytes)")
    # Keystrokes, on the queue and the bare app: a cursor move, then a search character.
    print("    per keystroke (median of 5):")
    for name, keys in (("bare Textual app", None), ("queue", "/")):
        term = terms[name]
        moves = keystrokes(term, DOWN)
        line = f"      {name:<24} cursor down {moves:6d} B"
        if keys is not None:
            term.send(keys)
            time.sleep(2.0)
            line += f"   search character {keystrokes(term, 'a'):6d} B"
        print(line)
    for term in terms.values():
        term.stop()


def keystrokes(term: Term, key: str, times: int = 5) -> int:
    counts = []
    for _ in range(times):
        before = term.count()
        term.send(key)
        time.sleep(1.0)
        counts.append(term.count() - before)
    return sorted(counts)[len(counts) // 2]


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="agentdesk-bench-bw-"))
    env = {**os.environ, "TERM": "xterm-256color"}
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        env[name] = str(folder / name.lower())
    db = demo_store(folder)
    bench_profile(env)
    print(f"terminal bytes written, {TICKETS}-ticket demo store around now (live SLA clocks)")
    for size in ((80, 24), (160, 48)):
        run_size(db, size, env)


if __name__ == "__main__":
    main()
