"""The local backend: no remote, the SQLite file is the helpdesk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agentdesk.store.engine import Store
from agentdesk.store.writes import mark_outbox_done
from agentdesk.sync.protocol import SyncSummary


@dataclass
class LocalBackend:
    name: str = "local"

    def push(self, store: Store, now: datetime) -> int:
        """Committed locally is delivered: mark the pending ops done."""
        return mark_outbox_done(store, now)

    def sync(self, store: Store, now: datetime) -> SyncSummary:
        return SyncSummary(backend=self.name, pushed=self.push(store, now))

    def resume(self) -> None:
        return None  # nothing to pause: there is no remote

    def close(self) -> None:
        return None
