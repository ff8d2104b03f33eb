"""The one protocol every sync backend speaks, and the summary a run reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from agentdesk.store.engine import Store


@dataclass
class SyncSummary:
    """What one run did. `state` is what the header shows: online, offline, paused."""

    backend: str
    state: str = "online"
    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0  # new this run
    open_conflicts: int = 0
    parked: int = 0  # parked in total (blocked until the agent acts)
    queued: int = 0  # pending ops still waiting
    rejected: int = 0  # remote records set aside
    messages: int = 0  # messages pulled (a customer's mail, a colleague's reply or comment)
    # Local ids of tickets that got new messages: an open ticket screen reads itself again.
    changed_tickets: tuple[int, ...] = ()
    # Open tickets whose conversation is still to be read (the second stage of a first sync):
    # the TUI runs again soon while there are any.
    conversations_left: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    message: str = ""
    parked_reasons: list[str] = field(default_factory=list)

    @property
    def status_line(self) -> str:
        if self.state == "offline":
            return f"offline, {self.queued} queued"
        if self.state == "paused":
            return f"paused, {self.queued} queued"
        return f"online, {self.queued} queued"

    def lines(self) -> list[str]:
        out = [
            f"{self.backend}: {self.status_line}",
            f"pushed {self.pushed}, pulled {self.pulled}, conflicts {self.conflicts} new "
            f"({self.open_conflicts} open), parked {self.parked}, rejected {self.rejected}",
            f"bytes in {self.bytes_in:,}, bytes out {self.bytes_out:,}",
        ]
        if self.messages:
            out.append(f"messages pulled {self.messages}")
        if self.conversations_left:
            out.append(f"conversations still to read {self.conversations_left:,}")
        if self.message:
            out.append(self.message)
        out.extend(f"parked: {reason}" for reason in self.parked_reasons)
        return out


class Backend(Protocol):
    """A helpdesk behind the generic engine (sync/engine.py): sync/local.py, sync/rt/."""

    name: str

    def sync(self, store: Store, now: datetime) -> SyncSummary:
        """Push the outbox, then pull; never raises for network trouble (see state).

        A 401 pause is kept: a paused backend sends nothing and reports "paused" until
        resume() is called (a timer never lifts it on its own)."""
        ...

    def resume(self) -> None:
        """Let the next sync() try again after a 401 pause (the agent gave a valid token).
        If the helpdesk refuses again, that run pauses again."""
        ...

    def close(self) -> None: ...
