"""Reads an agent waits for, ahead of work nobody waits for (issue 17: filter p95).

The search index is built in a worker once the queue shows: ~0.5 s of CPU, most of it
Python holding the GIL. A filter change meanwhile is mostly SQLite, but pysqlite gives the
GIL back and takes it again around every row it steps, and each time it waited for the
build's switch interval. So the queue's reads run inside `Foreground.reading()`, and the
build, between chunks of its rows, waits while one runs (`paced`). Measured at 50,000
tickets on the loaded 2-core machine (load average 6-7), a filter change while an index was
built: median 22-29 ms, p95 58-60 ms ungated; median 16 ms, p95 32-38 ms gated
(bench/bench_queue.py prints both, same run).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

Row = TypeVar("Row")

CHUNK = 64
"""Rows of the index build between two looks at the gate (~0.6 ms of its CPU)."""
LONGEST_WAIT = 0.5
"""How long the build waits for one foreground read at most (one that hangs on a lock
must not hold the index back for good)."""


class Foreground:
    """Counts the foreground reads running now; `idle` when there are none."""

    def __init__(self, longest_wait: float = LONGEST_WAIT) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._idle = threading.Event()
        self._idle.set()
        self._longest_wait = longest_wait

    @property
    def idle(self) -> bool:
        return self._idle.is_set()

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._lock:
            self._running += 1
            self._idle.clear()
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                if self._running == 0:
                    self._idle.set()

    def wait_idle(self) -> bool:
        """Wait (the GIL given back) until no foreground read runs; False if one still ran
        after the longest wait."""
        return self._idle.wait(self._longest_wait)


def paced(rows: Iterable[Row], gate: Foreground, chunk: int = CHUNK) -> Iterator[Row]:
    """The rows, in order, with a look at the gate before each chunk of them."""
    for count, row in enumerate(rows):
        if count % chunk == 0:
            gate.wait_idle()
        yield row


FOREGROUND = Foreground()
"""The process's one gate: the queue's reads hold it, the search index build waits on it."""
