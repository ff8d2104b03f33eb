"""The store port of sync: all the SQL a sync backend needs, behind plain methods.

sync/ never sees a connection or a statement. It opens a transaction with `SyncPort.read()`
or `SyncPort.write()` and gets a `SyncRows`, whose methods (outbox, remote ids, sync state,
conflicts, pulled messages) take and return plain values and dataclasses. What must commit
together (a pull page and its cursor; an op's result and its progress) goes in one `write()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection

from agentdesk.core.sla import SlaPolicy
from agentdesk.store.conflicts import ConflictRows
from agentdesk.store.conversation_rows import ConversationRows
from agentdesk.store.engine import Store
from agentdesk.store.history_rows import HistoryMark, HistoryRows, PulledMessage
from agentdesk.store.link_rows import LinkRows
from agentdesk.store.outbox import Counts, Op, OpRecord, OutboxRows
from agentdesk.store.remote import PulledTicket, RemoteRows
from agentdesk.store.remote_fields import RemoteFieldRows
from agentdesk.store.shift_sync import ShiftOp, ShiftSyncRows
from agentdesk.store.sync_state import SyncStateRows, SyncStatus, TicketSync

__all__ = [
    "Counts",
    "HistoryMark",
    "Op",
    "OpRecord",
    "PulledMessage",
    "PulledTicket",
    "ShiftOp",
    "SyncPort",
    "SyncRows",
    "SyncStatus",
    "TicketSync",
]


class SyncRows(
    OutboxRows,
    SyncStateRows,
    RemoteRows,
    RemoteFieldRows,
    ConflictRows,
    HistoryRows,
    ConversationRows,  # the second stage of a first sync
    ShiftSyncRows,  # issue 13: the shift record
    LinkRows,  # issue 14: links between tickets, merges
):
    """One transaction's view of what sync reads and writes."""

    def __init__(self, connection: Connection, policy: SlaPolicy) -> None:
        self.connection = connection
        self.policy = policy


@dataclass(frozen=True)
class SyncPort:
    store: Store

    @contextmanager
    def read(self) -> Iterator[SyncRows]:
        with self.store.read() as connection:
            yield SyncRows(connection, self.store.policy)

    @contextmanager
    def write(self) -> Iterator[SyncRows]:
        """One BEGIN IMMEDIATE transaction: committed on exit, rolled back on error."""
        with self.store.write() as connection:
            yield SyncRows(connection, self.store.policy)
