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
    payment_method: str = ""


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
    pending_reason: str = ""
    quality_flag: str | None = None


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


# The ticket workspace (migration V_WORKSPACE).


class Draft(SQLModel, table=True):
    __tablename__ = "drafts"
    ticket_id: int = Field(foreign_key="tickets.id", primary_key=True)
    slot: str = Field(primary_key=True)
    mode: str = ""
    body: str
    updated_at: datetime = Field(sa_column=_when())


class TicketNote(SQLModel, table=True):
    __tablename__ = "ticket_notes"
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    message_id: int | None = Field(default=None, foreign_key="messages.id")
    issue_summary: str
    steps_taken: str
    root_cause: str
    next_steps: str
    sla_deadline: str
    author: str
    created_at: datetime = Field(sa_column=_when())


class TicketTag(SQLModel, table=True):
    __tablename__ = "ticket_tags"
    ticket_id: int = Field(foreign_key="tickets.id", primary_key=True)
    name: str = Field(primary_key=True)
    value: str


class Attachment(SQLModel, table=True):
    __tablename__ = "attachments"
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    filename: str
    mime_type: str
    size: int
    sha256: str
    data: bytes
    added_by: str
    added_at: datetime = Field(sa_column=_when())


class ConfirmationRow(SQLModel, table=True):
    __tablename__ = "confirmations"
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    restated_issue: str
    proposed_solution: str
    etr: str
    customer_agreed: bool
    agent: str
    recorded_at: datetime = Field(sa_column=_when())


class HandoffRow(SQLModel, table=True):
    __tablename__ = "handoffs"
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    from_tier: str
    to_tier: str
    reason: str
    seconds_to_handoff: int
    actor: str
    at: datetime = Field(sa_column=_when())
