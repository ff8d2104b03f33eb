"""The Request Tracker 5 backend: push, then pull, through the generic engine.

Network trouble never escapes as an exception: it becomes "offline, N queued" (the circuit
breaker holds further tries back for a while), and a 401 pauses sync until resume() (see
sync/engine.py). Nothing queued is lost either way: the outbox stays until RT confirmed each op.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from agentdesk.core.sync_progress import SyncProgress
from agentdesk.store.engine import Store
from agentdesk.store.sync_port import SyncPort
from agentdesk.sync.engine import run_once
from agentdesk.sync.protocol import SyncSummary
from agentdesk.sync.rt.client import RtClient
from agentdesk.sync.rt.conversations import ConversationReader
from agentdesk.sync.rt.pull import Puller
from agentdesk.sync.rt.push import BACKEND, Pusher
from agentdesk.sync.rt.settings import RtSettings
from agentdesk.sync.rt.shifts import ShiftPuller, ShiftPusher


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class RtBackend:
    settings: RtSettings
    client: RtClient
    clock: Callable[[], datetime] = _utcnow
    name: str = BACKEND
    after_page: Callable[[int], None] | None = None
    # A first sync's progress after each page (called in the sync's thread).
    progress: Callable[[SyncProgress], None] | None = None
    # Conversations after the queue (sync/rt/conversations.py): seconds a run spends on them
    # before it ends (the TUI sets it so a run's push is not held up); None: until all are in.
    conversation_seconds: float | None = None
    # Local ids of tickets whose conversation to read before the others (the agent opened
    # them; desk.base.OpenedFirst); called from the sync's thread.
    conversations_first: Callable[[], Collection[int]] = tuple
    last: SyncSummary | None = field(default=None, repr=False)
    # Set by resume(): the next run tries again even if a 401 paused sync.
    resuming: bool = field(default=False, repr=False)

    @classmethod
    def connect(cls, settings: RtSettings, token: str, **client_args: Any) -> RtBackend:
        client_args.setdefault("total_timeout", settings.request_deadline_seconds)
        client_args.setdefault("session_seconds", settings.session_seconds)
        return cls(settings=settings, client=RtClient(settings.url, token, **client_args))

    def close(self) -> None:
        self.client.close()

    def resume(self) -> None:
        """Lift a 401 pause for the next run (the agent gave a valid token). If RT refuses
        again, that run pauses again; the pause is cleared only by a run that works."""
        self.resuming = True

    def sync(
        self, store: Store, now: datetime | None = None, *, resume: bool = False
    ) -> SyncSummary:
        """One run. A 401 pause is kept (nothing is sent) unless resume() was called since,
        or resume=True is passed (the same as calling resume() first)."""
        resume, self.resuming = resume or self.resuming, False
        return self._run_once(store, push=True, resume=resume)

    def pull(self, store: Store, now: datetime | None = None) -> SyncSummary:
        """One run that only reads RT (monitoring mode, sync/read_only.py): the Pusher is
        never made, so no outbox op leaves, whatever the store holds. A 401 pause is kept."""
        return self._run_once(store, push=False, resume=False)

    def _run_once(self, store: Store, *, push: bool, resume: bool) -> SyncSummary:
        summary = run_once(
            SyncPort(store),
            SyncSummary(backend=self.name),
            lambda summary: self._run(store, summary, push=push),
            helpdesk="RT",
            clock=self.clock,
            resume=resume,
            offline_until=lambda: self.client.breaker.open_until,
        )
        self.last = summary
        return summary

    def _run(self, store: Store, summary: SyncSummary, *, push: bool) -> None:
        in_before, out_before = self.client.traffic.bytes_in, self.client.traffic.bytes_out
        try:
            if push:
                # Push before pull: the pull then sees our own edits as already applied.
                pushed = Pusher(store, self.client, self.settings, self.clock).run()
                summary.pushed = pushed.pushed
                summary.conflicts = pushed.conflicts
                summary.parked_reasons = pushed.parked_reasons
                # The shift record (issue 13): after the tickets, so a handover's ticket is in RT.
                if self.settings.shift_queue:
                    shifts = ShiftPusher(store, self.client, self.settings, self.clock).run()
                    summary.pushed += shifts.pushed
                    summary.parked_reasons.extend(shifts.parked_reasons)
            pulled = Puller(
                store,
                self.client,
                self.settings,
                self.clock,
                self.after_page,
                progress=self.progress,
            ).run()
            # The team's shift records too: the dashboard's presence and shift state.
            if self.settings.shift_queue:
                ShiftPuller(store, self.client, self.settings, self.clock).run()
            summary.pulled = pulled.pulled
            summary.rejected = pulled.rejected + pulled.history.rejected
            summary.messages = pulled.history.messages
            summary.changed_tickets = tuple(sorted(pulled.history.tickets))
            # The fields are in (the queue): the conversations still owed follow.
            talks = ConversationReader(
                store,
                self.client,
                self.clock,
                progress=self.progress,
                budget_seconds=self.conversation_seconds,
                first=self.conversations_first,
            ).run()
            summary.rejected += talks.history.rejected
            summary.messages += talks.history.messages
            summary.changed_tickets = tuple(sorted(pulled.history.tickets | talks.history.tickets))
            summary.conversations_left = talks.left
        finally:
            summary.bytes_in = self.client.traffic.bytes_in - in_before
            summary.bytes_out = self.client.traffic.bytes_out - out_before
