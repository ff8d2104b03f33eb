"""Where an audited event came from (PCI DSS 10.2.2 "origination of event"): the host, the
terminal, and the SSH client when the agent works over SSH."""

from __future__ import annotations

import os
import socket
import sys


def event_origin() -> str:
    parts = [f"host={socket.gethostname()}"]
    ssh = os.environ.get("SSH_CLIENT", "").split()
    if ssh:
        parts.append(f"ssh={ssh[0]}")
    try:
        if sys.stdin is not None and sys.stdin.isatty():
            parts.append(f"tty={os.ttyname(sys.stdin.fileno())}")
    except (OSError, ValueError):
        pass  # stdin closed or replaced (tests, a pipe): no terminal to name
    return " ".join(parts)
