"""A small desk for the queue-side desk tests: two agents, a few tickets, one conflict, one
op in the outbox, on a real temp SQLite file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from agentdesk.config import Settings
from agentdesk.core.changes import TicketChange
from agentdesk.core.ticket import Priority, Status
from agentdesk.desk import Desk
from agentdesk.session import Session
from agentdesk.store.conflicts import record_conflict
from agentdesk.store.engine import Store
from agentdesk.store.queries import agent_by_handle
from agentdesk.store.writes import apply_change
from tests.conftest import FIXED_NOW
from tests.store.factory import add_people, add_ticket

HANDLE = "amara.okafor"


def local_settings(folder: Path) -> Settings:
    """A local-backend profile on folder/agentdesk.db, with no demo fill."""
    return Settings(
        profile="desk-test",
        config_path=None,
        db_path=folder / "agentdesk.db",
        cache_dir=folder / "cache",
        agent_handle=HANDLE,
    )


def fill(store: Store) -> None:
    add_people(store, FIXED_NOW)
    # Ticket 1's first response was due long ago: a breach waiting to be recorded.
    add_ticket(store, 1, created_at=FIXED_NOW - timedelta(days=3), priority=Priority.P1)
    add_ticket(store, 2, created_at=FIXED_NOW - timedelta(minutes=10), subject="Refund for order")
    add_ticket(store, 3, created_at=FIXED_NOW - timedelta(hours=2), assignee_id=1)
    add_ticket(
        store,
        4,
        created_at=FIXED_NOW - timedelta(hours=2),
        status=Status.RESOLVED,
        subject="Closed long ago",
    )
    # Issue 14: a Closed ticket, for the follow-up.
    add_ticket(
        store,
        5,
        created_at=FIXED_NOW - timedelta(days=5),
        status=Status.CLOSED,
        subject="Parcel never arrived",
    )
    # An edit waiting in the outbox, and a conflict on ticket 3.
    apply_change(
        store,
        2,
        TicketChange("priority", priority=Priority.P3, reason="test"),
        actor=HANDLE,
        now=FIXED_NOW - timedelta(minutes=5),
    )
    with store.write() as connection:
        record_conflict(
            connection,
            ticket_id=3,
            outbox_id=None,
            field="priority",
            base_value="P2",
            local_value="P3",
            remote_value="P0",
            remote_actor="li.wei",
            remote_at=FIXED_NOW,
            now=FIXED_NOW,
        )


def make_desk(store: Store, folder: Path, *, read_only: bool = False) -> Desk:
    with store.read() as connection:
        agent = agent_by_handle(connection, HANDLE)
    session = Session(settings=local_settings(folder), store=store, agent=agent)
    return Desk(session, lambda: FIXED_NOW, read_only=read_only)
