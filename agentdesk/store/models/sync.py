"""The sync room: remote ids, cursors, ops, conflicts, rejects, status, pulled history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from agentdesk.store.models.base import _default, _one_of, _text_key, _when

# V_SYNC: sync with a remote helpdesk (see the comments in store.migrations).


class SyncTicket(SQLModel, table=True):
    __tablename__ = "sync_tickets"
    ticket_id: int = Field(foreign_key="tickets.id", primary_key=True)
    backend: str
    etag: str | None = None
    remote_updated_at: datetime | None = Field(default=None, sa_column=_when(True))
    remote_values: str = _default("{}")


class SyncCursor(SQLModel, table=True):
    __tablename__ = "sync_cursors"
    backend: str = Field(primary_key=True)
    scope: str = Field(primary_key=True)
    value: str


class SyncOp(SQLModel, table=True):
    __tablename__ = "sync_ops"
    outbox_id: int = Field(foreign_key="outbox.id", primary_key=True)
    progress: str = _default("{}")
    parked_reason: str | None = None
    parked_at: datetime | None = Field(default=None, sa_column=_when(True))
    updated_at: datetime = Field(sa_column=_when())


class SyncClaim(SQLModel, table=True):
    __tablename__ = "sync_claims"
    backend: str = Field(primary_key=True)
    remote_ref: str = Field(primary_key=True)
    outbox_id: int = Field(foreign_key="outbox.id")


class SyncConflict(SQLModel, table=True):
    __tablename__ = "sync_conflicts"
    __table_args__ = (
        _one_of("state", "open", "kept_mine", "took_theirs", "edited"),
        Index("ix_sync_conflicts_open", "state", "ticket_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    outbox_id: int | None = Field(default=None, foreign_key="outbox.id")
    field: str
    base_value: str | None = None
    local_value: str | None = None
    remote_value: str | None = None
    remote_actor: str = _default("")
    remote_at: datetime | None = Field(default=None, sa_column=_when(True))
    state: str = _default("open")
    resolved_value: str | None = None
    resolved_by: str | None = None
    created_at: datetime = Field(sa_column=_when())
    resolved_at: datetime | None = Field(default=None, sa_column=_when(True))


class SyncReject(SQLModel, table=True):
    __tablename__ = "sync_rejects"
    id: int | None = Field(default=None, primary_key=True)
    backend: str
    remote_id: str | None = None
    reason: str
    record: str
    at: datetime = Field(sa_column=_when())


class SyncStatusRow(SQLModel, table=True):
    __tablename__ = "sync_status"
    backend: str = _text_key()
    paused_reason: str | None = None
    offline_until: datetime | None = Field(default=None, sa_column=_when(True))
    failures: int = _default(0)
    last_success_at: datetime | None = Field(default=None, sa_column=_when(True))


# V_SYNC_HISTORY: the conversation pulled from the helpdesk.


class SyncMessage(SQLModel, table=True):
    __tablename__ = "sync_messages"
    __table_args__ = (Index("ix_sync_messages_message", "message_id"),)
    backend: str = Field(primary_key=True)
    remote_ref: str = Field(primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    message_id: int | None = Field(default=None, foreign_key="messages.id")


class SyncHistory(SQLModel, table=True):
    __tablename__ = "sync_history"
    ticket_id: int = Field(foreign_key="tickets.id", primary_key=True)
    backend: str
    last_txn: int = _default(0)
    remote_updated_at: datetime | None = Field(default=None, sa_column=_when(True))
