"""The start-up heap, set aside from Python's cycle collector (issue 17: keystroke speed).

Once the store is open, everything start-up built (modules, classes, SQLAlchemy's tables,
the queue screen) lives as long as the app. A full collection scans every tracked object:
at that point ~130,000 of them, 100-150 ms of CPU that fell on whichever keystroke allocated
last (the note tab's first show took 0.7-1 s of wall time on a loaded machine when one ran).
Frozen, they are never scanned again; what comes later is collected as usual.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Freeze what is alive now. No collection first: it would cost the same 100 ms on the
    UI thread; the little cyclic garbage start-up leaves is kept instead."""
    gc.freeze()


def release() -> None:
    """Give the frozen objects back to the collector (the app is ending)."""
    gc.unfreeze()
