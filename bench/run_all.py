"""Run every benchmark in bench/ and print their figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# bench_sync.py and bench_sync_gzip.py need Request Tracker 5 installed (and nginx for the
# latter; each says so and skips otherwise); bench_bandwidth.py needs tmux.
for script in (
    "bench_demo_data.py",
    "bench_startup.py",
    "bench_queue.py",
    "bench_search.py",
    "bench_ticket.py",
    "bench_bandwidth.py",
    "bench_sanitiser_write.py",
    "bench_macros.py",
    "bench_dashboard.py",
    "bench_report.py",
    "bench_sync.py",
    "bench_sync_gzip.py",
):
    print(f"\n# {script}", flush=True)
    subprocess.run([sys.executable, str(HERE / script)], cwd=HERE, check=False)
