"""Start-up marks for bench/: when AGENTDESK_MARKS names a file, milestones are appended to it.

Each line is "<name> <unix time> <process CPU seconds>"; bench/bench_startup.py compares the
time with the moment it started the process and prints the CPU beside it (a loaded machine
stretches the wall time, not the work). With AGENTDESK_MARKS_EXIT=<name> the app exits once
that mark is hit.
"""

from __future__ import annotations

import os
import time


def mark(name: str) -> bool:
    """Record a milestone; True when the bench asked the app to stop here."""
    path = os.environ.get("AGENTDESK_MARKS")
    if not path:
        return False
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"{name} {time.time():.6f} {time.process_time():.6f}\n")
    return os.environ.get("AGENTDESK_MARKS_EXIT") == name
