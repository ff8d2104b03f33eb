"""The shift room: checklists, presence, acknowledgements, the record and its outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from agentdesk.store.models.base import IntegerFlag, _default, _one_of, _text_key, _when

# V_SHIFTS: the shift record.


class Shift(SQLModel, table=True):
    __tablename__ = "shifts"
    __table_args__ = (Index("ix_shifts_agent", "agent_handle", "started_at"),)
    id: int | None = Field(default=None, primary_key=True)
    agent_handle: str
    planned_start: datetime | None = Field(default=None, sa_column=_when(True))
    planned_end: datetime | None = Field(default=None, sa_column=_when(True))
    planned_breaks: str = _default("[]")
    started_at: datetime = Field(sa_column=_when())
    ended_at: datetime | None = Field(default=None, sa_column=_when(True))
    wrap_up: str = _default("")
    remote_id: str | None = None


class ShiftItem(SQLModel, table=True):
    __tablename__ = "shift_items"
    __table_args__ = (_one_of("phase", "start", "end"),)
    shift_id: int = Field(foreign_key="shifts.id", primary_key=True)
    item_id: str = Field(primary_key=True)
    phase: str
    label: str
    check_name: str = _default("")
    required: bool = Field(
        default=True, sa_type=IntegerFlag, sa_column_kwargs={"server_default": text("1")}
    )
    done_at: datetime | None = Field(default=None, sa_column=_when(True))
    passed: bool | None = Field(default=None, sa_type=IntegerFlag)
    reason: str = _default("")
    millis: int | None = None


class ShiftPresence(SQLModel, table=True):
    __tablename__ = "shift_presence"
    __table_args__ = (
        _one_of("state", "available", "on_break", "training", "wrap_up"),
        Index("ix_shift_presence_shift", "shift_id", "started_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    shift_id: int = Field(foreign_key="shifts.id")
    state: str
    started_at: datetime = Field(sa_column=_when())
    ended_at: datetime | None = Field(default=None, sa_column=_when(True))


class ShiftAck(SQLModel, table=True):
    __tablename__ = "shift_acks"
    __table_args__ = (_one_of("kind", "announcement", "handover"),)
    agent_handle: str = Field(primary_key=True)
    kind: str = Field(primary_key=True)
    ref: str = Field(primary_key=True)
    shift_id: int = Field(foreign_key="shifts.id")
    acked_at: datetime = Field(sa_column=_when())


class ShiftTicket(SQLModel, table=True):
    __tablename__ = "shift_tickets"
    __table_args__ = (_one_of("disposition", "follow_up", "handover", "left_assigned"),)
    shift_id: int = Field(foreign_key="shifts.id", primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", primary_key=True)
    disposition: str
    due_at: datetime | None = Field(default=None, sa_column=_when(True))
    to_agent: str = _default("")
    to_queue: str = _default("")
    note: str = _default("")
    at: datetime = Field(sa_column=_when())


# V_SHIFT_RECORD (issue 13): the shift record's own outbox, and teammates' shifts as pulled.


class ShiftOutboxRow(SQLModel, table=True):
    __tablename__ = "shift_outbox"
    __table_args__ = (
        _one_of("kind", "open", "comment", "close"),
        _one_of("state", "pending", "done", "parked"),
        Index("ix_shift_outbox_pending", "state", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    shift_id: int = Field(foreign_key="shifts.id")
    kind: str
    body: str
    state: str = _default("pending")
    attempts: int = _default(0)
    last_error: str | None = None
    progress: str = _default("{}")
    created_at: datetime = Field(sa_column=_when())
    done_at: datetime | None = Field(default=None, sa_column=_when(True))


class TeamShiftRow(SQLModel, table=True):
    __tablename__ = "team_shifts"
    remote_id: str | None = _text_key()
    subject: str
    status: str
    remote_updated_at: datetime = Field(sa_column=_when())
    last_txn: int = _default(0)


class TeamShiftText(SQLModel, table=True):
    __tablename__ = "team_shift_texts"
    remote_id: str = Field(foreign_key="team_shifts.remote_id", primary_key=True)
    txn: int = Field(primary_key=True)
    created_at: datetime = Field(sa_column=_when())
    body: str
