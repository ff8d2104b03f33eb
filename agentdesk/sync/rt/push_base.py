"""The push's shared part: its settings and the ticket read from RT (see sync/rt/push.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agentdesk.store.engine import Store
from agentdesk.store.sync_port import Op, SyncPort
from agentdesk.sync.engine import PushReport
from agentdesk.sync.errors import BadRecord, Rejected
from agentdesk.sync.rt.client import RtClient
from agentdesk.sync.rt.history_match import Settle
from agentdesk.sync.rt.mapping import RemoteTicket, parse_ticket
from agentdesk.sync.rt.post_once import LOOKUP_SLACK, MAX_AMBIGUOUS, NOT_LANDED
from agentdesk.sync.rt.settings import RtSettings
from agentdesk.sync.rt.ticket_apply import apply_remote_ticket

log = logging.getLogger("agentdesk.sync")

BACKEND = "rt"
__all__ = ["BACKEND", "LOOKUP_SLACK", "MAX_AMBIGUOUS", "NOT_LANDED", "PushBase", "log"]


@dataclass
class PushBase:
    """What every part of the push shares: the store's port, the client, the clock, and the
    ticket as RT has it."""

    store: Store
    client: RtClient
    settings: RtSettings
    clock: Callable[[], datetime]
    report: PushReport = field(default_factory=PushReport)
    settle: Settle = field(init=False)

    def __post_init__(self) -> None:
        self.settle = Settle(self.settings.settle_seconds)

    @property
    def port(self) -> SyncPort:
        return SyncPort(self.store)

    def _save(self, op: Op, progress: Mapping[str, Any]) -> None:
        with self.port.write() as rows:
            rows.save_progress(op.id, progress, self.clock())

    def _remote_id(self, ticket_id: int) -> str | None:
        # Read fresh: a create earlier in this run may have just given the ticket its RT id.
        with self.port.read() as rows:
            return rows.remote_id_of(ticket_id)

    # -- reading a ticket ---------------------------------------------------------------------

    def get_ticket(self, remote_id: str) -> tuple[RemoteTicket, str]:
        response = self.client.call("GET", f"/ticket/{remote_id}")
        etag = response.headers.get("etag", "").strip('"') or None
        try:
            ticket = parse_ticket(response.json())
        except BadRecord as error:
            # This ticket's copy in RT cannot be read: park its op with the reason, not the run.
            raise Rejected(response.status_code, f"RT's ticket {remote_id}: {error}") from None
        return ticket, etag or ""

    def _save_remote(self, ticket_id: int, ticket: RemoteTicket, etag: str) -> None:
        """What a GET of the ticket showed, applied as a pull applies it: saving RT's version
        alone would make the next pull skip a colleague's change to another field."""
        with self.port.write() as rows:
            apply_remote_ticket(rows, ticket_id, ticket, etag=etag or None, now=self.clock())
