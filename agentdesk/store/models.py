"""SQLModel tables. The schema itself is made by store.migrations; a test checks they agree."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from agentdesk.store.types import UTCDateTime


def _when(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class Meta(SQLModel, table=True):
    __tablename__ = "meta"
    key: str = Field(primary_key=True)
    value: str


class Customer(SQLModel, table=True):
    __tablename__ = "customers"
    id: int | None = Field(default=None, primary_key=True)
    account_id: str
    name: str
    email: str
    phone: str = ""
    region: str
    created_at: datetime = Field(sa_column=_when())


class Agent(SQLModel, table=True):
    __tablename__ = "agents"
    id: int | None = Field(default=None, primary_key=True)
    handle: str
    name: str
    tier: str
    region: str
    active: bool = True


class Ticket(SQLModel, table=True):
    __tablename__ = "tickets"
    id: int | None = Field(default=None, primary_key=True)
    remote_id: str | None = None
    subject: str
    customer_id: int = Field(foreign_key="customers.id")
    assignee_id: int | None = Field(default=None, foreign_key="agents.id")
    priority: str
    status: str
    channel: str
    region: str
    tier: str = "L1"
    product_area: str = ""
    issue_type: str = ""
    created_at: datetime = Field(sa_column=_when())
    updated_at: datetime = Field(sa_column=_when())
    first_response_at: datetime | None = Field(default=None, sa_column=_when(True))
    last_update_at: datetime | None = Field(default=None, sa_column=_when(True))
    resolved_at: datetime | None = Field(default=None, sa_column=_when(True))
    closed_at: datetime | None = Field(default=None, sa_column=_when(True))
    sla_pauses: str = "[]"
    sla_clock: str | None = None
    sla_due_at: datetime | None = Field(default=None, sa_column=_when(True))
    sla_at_risk_at: datetime | None = Field(default=None, sa_column=_when(True))
    sla_breached_at: datetime | None = Field(default=None, sa_column=_when(True))
    version: int = 1


class Message(SQLModel, table=True):
    __tablename__ = "messages"
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    kind: str
    author: str
    agent_id: int | None = Field(default=None, foreign_key="agents.id")
    body: str
    created_at: datetime = Field(sa_column=_when())


class AuditRow(SQLModel, table=True):
    __tablename__ = "audit"
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    actor: str
    action: str
    field: str = ""
    old_value: str | None = None
    new_value: str | None = None
    at: datetime = Field(sa_column=_when())


class OutboxRow(SQLModel, table=True):
    __tablename__ = "outbox"
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    op: str
    payload: str
    state: str = "pending"
    attempts: int = 0
    last_error: str | None = None
    created_at: datetime = Field(sa_column=_when())
    done_at: datetime | None = Field(default=None, sa_column=_when(True))


class SlaBreachRow(SQLModel, table=True):
    __tablename__ = "sla_breaches"
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    clock: str
    due_at: datetime = Field(sa_column=_when())
    recorded_at: datetime = Field(sa_column=_when())
