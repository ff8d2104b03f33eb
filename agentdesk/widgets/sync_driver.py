"""The background sync of the TUI: a worker runs the profile's backend every SYNC_SECONDS and
posts what each run did. The queue header shows it; the app broadcasts each run to every
screen as its `sync_events` signal (an open ticket reads itself again).

httpx loads with the backend, in the worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import work
from textual.message import Message
from textual.signal import Signal
from textual.widget import Widget

from agentdesk.core.errors import agent_message
from agentdesk.desk import sync_status

if TYPE_CHECKING:
    from agentdesk.core.sync_progress import SyncProgress
    from agentdesk.desk.base import Desk
    from agentdesk.desk.sync_status import Backend, SyncSummary

SYNC_SECONDS = 30.0
# While a first sync still owes conversations, the next run starts this soon after one ends.
CONVERSATIONS_AGAIN_SECONDS = 1.0


def sync_events(app: object) -> Signal[SyncSummary] | None:
    """The app's sync event, which a screen subscribes to (None in an app without one, such
    as a test host)."""
    events = getattr(app, "sync_events", None)
    return events if isinstance(events, Signal) else None


class SyncDriver(Widget):
    """Invisible: owns the sync worker and posts what each run did."""

    DEFAULT_CSS = "SyncDriver { display: none; }"

    @dataclass
    class Synced(Message):
        summary: SyncSummary

    @dataclass
    class SyncFailed(Message):
        error: str

    @dataclass
    class Progress(Message):
        """A page of a first sync is in (posted from the sync's thread)."""

        progress: SyncProgress

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        self.backend: Backend | None = None
        # Set on the UI's thread as a run starts, cleared by the run's thread as it ends.
        self._sync_running = False

    def on_mount(self) -> None:
        self.set_interval(SYNC_SECONDS, self.sync_now, name="sync")
        self.sync_now()

    def sync_now(self) -> None:
        # One run at a time: a thread worker cannot be cancelled, so a second would push the
        # same outbox beside the first. A tick during a long first sync is skipped.
        if self._sync_running:
            return
        self._sync_running = True
        self._sync()

    def on_sync_driver_synced(self, message: Synced) -> None:
        # Not stopped: the message goes on to the queue and the app.
        if message.summary.conversations_left and message.summary.state == "online":
            self.set_timer(CONVERSATIONS_AGAIN_SECONDS, self.sync_now, name="conversations")

    def _post_progress(self, progress: SyncProgress) -> None:
        self.post_message(self.Progress(progress))  # thread-safe: the sync's thread calls it

    @work(thread=True, exclusive=True, exit_on_error=False, group="sync")
    def _sync(self) -> None:
        try:
            self._run_once()
        finally:
            self._sync_running = False

    def _run_once(self) -> None:
        try:
            if self.backend is None:
                self.backend = sync_status.open_backend(self.desk.settings)
                sync_status.on_progress(self.backend, self._post_progress)
                sync_status.pace_for_the_desk(self.desk, self.backend)
            summary = sync_status.sync_once(self.desk, self.backend)
        except Exception as error:
            self.post_message(self.SyncFailed(agent_message(error)))
            return
        self.post_message(self.Synced(summary))
