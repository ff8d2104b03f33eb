"""`agentdesk sync`'s first-sync progress: tickets done of the total, bytes, time left."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from agentdesk.core.sync_progress import SyncProgress
    from agentdesk.sync.protocol import SyncSummary


class ProgressLine:
    """A first sync's progress: one line redrawn in place on a terminal, a plain line per
    page otherwise (a log, a pipe)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.tty = out.isatty()
        self.drawn = False

    def __call__(self, progress: SyncProgress) -> None:
        if self.tty:
            self.out.write(f"\r{progress.text()}\x1b[K")
            self.drawn = True
        else:
            self.out.write(progress.text() + "\n")
        self.out.flush()

    def then(self, report: Callable[[SyncSummary], None]) -> Callable[[SyncSummary], None]:
        def after(summary: SyncSummary) -> None:
            if self.drawn:  # the summary starts on a line of its own
                self.out.write("\n")
                self.drawn = False
            report(summary)

        return after
