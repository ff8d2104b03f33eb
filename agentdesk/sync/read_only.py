"""Monitoring mode's backend (issue 15): a wrapper that pulls and never pushes.

A supervisor's agentdesk reads the team's queues from the helpdesk into its own store (its
pull cache). The wrapper is the one place that decides what reaches the helpdesk from it:
nothing. sync() is a pull only (the inner backend's pull(); a backend without one pulls
nothing); push() and resume() raise ReadOnly, so no outbox op can leave, even one a bug put
there, and a 401 pause is not lifted from monitoring mode.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from agentdesk.core.errors import ReadOnly
from agentdesk.store.engine import Store
from agentdesk.sync.protocol import Backend, SyncSummary

PUSH = "send changes to the helpdesk"
RESUME = "resume sending the outbox"


@runtime_checkable
class Pulling(Protocol):
    """A backend that can read the helpdesk without pushing (sync/rt/backend.py)."""

    def pull(self, store: Store, now: datetime) -> SyncSummary: ...


@dataclass
class ReadOnlyBackend:
    inner: Backend
    name: str = ""

    def __post_init__(self) -> None:
        self.name = self.name or self.inner.name

    def sync(self, store: Store, now: datetime) -> SyncSummary:
        """Pull only. The local backend has no helpdesk to read: an empty, online run."""
        if isinstance(self.inner, Pulling):
            return self.inner.pull(store, now)
        return SyncSummary(backend=self.inner.name, message="nothing to pull: no helpdesk")

    def push(self, store: Store, now: datetime) -> int:
        raise ReadOnly(PUSH)

    def resume(self) -> None:
        raise ReadOnly(RESUME)

    def close(self) -> None:
        self.inner.close()
