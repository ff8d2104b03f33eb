"""The background sync of the TUI: a worker runs the profile's backend every SYNC_SECONDS
and the queue header shows online / offline / syncing, the queued ops and open conflicts.

Kept out of app.py (which stays wiring only); httpx loads with the backend, in the worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual import work
from textual.message import Message
from textual.widget import Widget

if TYPE_CHECKING:
    from agentdesk.session import Session
    from agentdesk.sync.protocol import Backend, SyncSummary

SYNC_SECONDS = 30.0


class SyncDriver(Widget):
    """Invisible: owns the sync worker and posts what each run did."""

    DEFAULT_CSS = "SyncDriver { display: none; }"

    @dataclass
    class Synced(Message):
        summary: SyncSummary

    @dataclass
    class SyncFailed(Message):
        error: str

    def __init__(self, session: Session, clock: Callable[[], datetime]) -> None:
        super().__init__()
        self.session = session
        self.clock = clock
        self.backend: Backend | None = None
        self.failed_with = ""

    def on_mount(self) -> None:
        self.set_interval(SYNC_SECONDS, self.sync_now, name="sync")
        self.sync_now()

    def sync_now(self) -> None:
        self._sync()

    @work(thread=True, exclusive=True, exit_on_error=False, group="sync")
    def _sync(self) -> None:
        from agentdesk.sync.runner import make_backend

        try:
            if self.backend is None:
                self.backend = make_backend(self.session.settings)
            kwargs: dict[str, Any] = {}
            if self.backend.name != "local":
                kwargs["resume"] = False  # a 401 pause waits for the agent, not for a timer
            summary = self.backend.sync(self.session.store, self.clock(), **kwargs)
        except Exception as error:
            self.post_message(self.SyncFailed(str(error) or type(error).__name__))
            return
        self.post_message(self.Synced(summary))
