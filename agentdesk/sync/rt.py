"""The Request Tracker 5 backend: push, then pull, and the state the header shows.

Network trouble never escapes as an exception: it becomes "offline, N queued" (the circuit
breaker holds further tries back for a while), and a 401 pauses sync until the agent gives a
valid token. Nothing queued is lost either way: the outbox stays until RT confirmed each op.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from agentdesk.store.engine import Store
from agentdesk.sync import state
from agentdesk.sync.mapping import BadRecord
from agentdesk.sync.protocol import SyncSummary
from agentdesk.sync.pull import Puller
from agentdesk.sync.push import BACKEND, Pusher
from agentdesk.sync.rt_client import (
    Ambiguous,
    Offline,
    RateLimited,
    RtClient,
    Unauthorized,
    Unreachable,
)
from agentdesk.sync.settings import RtSettings

log = logging.getLogger("agentdesk.sync")


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class RtBackend:
    settings: RtSettings
    client: RtClient
    clock: Callable[[], datetime] = _utcnow
    name: str = BACKEND
    after_page: Callable[[int], None] | None = None
    last: SyncSummary | None = field(default=None, repr=False)

    @classmethod
    def connect(cls, settings: RtSettings, token: str, **client_args: Any) -> RtBackend:
        return cls(settings=settings, client=RtClient(settings.url, token, **client_args))

    def close(self) -> None:
        self.client.close()

    def sync(
        self, store: Store, now: datetime | None = None, *, resume: bool = True
    ) -> SyncSummary:
        """One run. resume=False keeps a 401 pause (the TUI worker); the CLI resumes it."""
        summary = SyncSummary(backend=self.name)
        with store.read() as connection:
            status = state.get_status(connection, BACKEND)
        if status.paused_reason and not resume:
            summary.state = "paused"
            summary.message = status.paused_reason
            return self._finish(store, summary)
        in_before, out_before = self.client.traffic.bytes_in, self.client.traffic.bytes_out
        try:
            # Push before pull: the pull then sees our own edits as already applied.
            pushed = Pusher(store, self.client, self.settings, self.clock).run()
            summary.pushed = pushed.pushed
            summary.conflicts = pushed.conflicts
            summary.parked_reasons = pushed.parked_reasons
            pulled = Puller(store, self.client, self.settings, self.clock, self.after_page).run()
            summary.pulled = pulled.pulled
            summary.rejected = pulled.rejected + pulled.history.rejected
            summary.messages = pulled.history.messages
            summary.changed_tickets = tuple(sorted(pulled.history.tickets))
        except Unauthorized as error:
            summary.state = "paused"
            summary.message = str(error)
            status = replace(status, paused_reason=str(error))
        except (Offline, Unreachable, Ambiguous, RateLimited) as error:
            summary.state = "offline"
            summary.message = f"the helpdesk is unreachable ({error}); will try again"
            status = replace(
                status,
                failures=status.failures + 1,
                offline_until=self.client.breaker.open_until,
            )
        except BadRecord as error:
            summary.state = "offline"
            summary.message = f"RT sent something agentdesk cannot read: {error}"
        else:
            status = state.SyncStatus(None, None, 0, self.clock())
        finally:
            summary.bytes_in = self.client.traffic.bytes_in - in_before
            summary.bytes_out = self.client.traffic.bytes_out - out_before
        with store.write() as connection:
            state.set_status(connection, BACKEND, status)
        if summary.state != "online":
            log.warning("sync %s: %s", summary.state, summary.message)
        return self._finish(store, summary)

    def _finish(self, store: Store, summary: SyncSummary) -> SyncSummary:
        with store.read() as connection:
            counts = state.counts(connection)
        summary.queued = counts.pending
        summary.parked = counts.parked
        summary.open_conflicts = counts.conflicts
        self.last = summary
        return summary
