"""What the queue shows of the sync: the connection, the outbox and the conflicts in its
header, a warning or an error once per cause, and the queue read again when tickets changed.
A mixin of QueueScreen, kept apart so the queue's own file stays about the queue."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.screen import Screen

from agentdesk.core.sync_progress import CONVERSATIONS
from agentdesk.widgets.queue_header import QueueHeader

if TYPE_CHECKING:
    from agentdesk.widgets.sync_driver import SyncDriver


class QueueSyncStatus(Screen[None]):
    search_query: str
    _sync_error: str
    _sync_note: str

    # QueueScreen provides this (declared for the type checker only: a
    # stub here would shadow the real method for any class after this one in the MRO).
    if TYPE_CHECKING:

        def reload(self, *, keep_cursor: bool = False, counts: bool = True) -> None: ...

    def on_sync_driver_synced(self, message: SyncDriver.Synced) -> None:
        summary = message.summary
        self._sync_error = ""
        header = self.query_one("#queue-header", QueueHeader)
        header.connection = "local" if summary.backend == "local" else summary.state
        header.outbox = summary.queued
        header.conflicts = summary.open_conflicts
        if summary.message and summary.state != "online" and summary.message != self._sync_note:
            self.notify(summary.message, title="Sync", severity="warning", markup=False)
        self._sync_note = summary.message if summary.state != "online" else ""
        if (summary.pulled or summary.changed_tickets) and not self.search_query:
            self.reload(keep_cursor=True)
        # The message bubbles on to the app, which tells every other screen (sync_events).

    def on_sync_driver_progress(self, message: SyncDriver.Progress) -> None:
        # A first sync: tickets done of the total, bytes, time left, in place of the state.
        progress = message.progress
        self.query_one("#queue-header", QueueHeader).connection = progress.text()
        if progress.stage == CONVERSATIONS and progress.done == progress.before == 0:
            # Every ticket's fields are in: the queue shows them now, not after the
            # conversations that follow.
            self.reload(keep_cursor=True)

    def on_sync_driver_sync_failed(self, message: SyncDriver.SyncFailed) -> None:
        header = self.query_one("#queue-header", QueueHeader)
        header.connection = "paused"
        if message.error != self._sync_error:  # once per cause, not every 30 s
            self.notify(
                f"Sync is paused: {message.error}", title="Sync", severity="error", markup=False
            )
        self._sync_error = message.error
