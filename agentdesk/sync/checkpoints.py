"""Named points on sync's write path, where a test may stop the process.

A SIGKILL at a named point proves what a crash at exactly that moment leaves behind (the
crash-window tests and the randomised kill loop in tests/sync). Nothing listens in
production: `reached()` is then one attribute read.
"""

from __future__ import annotations

from collections.abc import Callable

_listener: Callable[[str], None] | None = None


def listen(listener: Callable[[str], None] | None) -> None:
    """Call listener(name) at every named point from now on (None: stop)."""
    global _listener
    _listener = listener


def reached(name: str) -> None:
    if _listener is not None:
        _listener(name)
