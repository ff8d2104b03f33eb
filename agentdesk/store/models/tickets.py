"""The tickets room: the helpdesk itself (V1), the workspace, macros and labels, intake,
and the indexes on tickets."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import CheckConstraint, Index, Table, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from agentdesk.store.models.base import IntegerFlag, _default, _one_of, _text_key, _when

# V1: the helpdesk itself.


class Meta(SQLModel, table=True):
    __tablename__ = "meta"
    key: str = _text_key()
    value: str


class Customer(SQLModel, table=True):
    __tablename__ = "customers"
    id: int | None = Field(default=None, primary_key=True)
    account_id: str = Field(unique=True)
    name: str
    email: str
    phone: str = _default("")
    region: str
    created_at: datetime = Field(sa_column=_when())
    # The payment method's kind only ("Visa card"): its last 4 are a verifier, kept as a
    # keyed hash in customer_verifiers, never in the clear.
    payment_method: str = _default("")


class Agent(SQLModel, table=True):
    __tablename__ = "agents"
    __table_args__ = (_one_of("tier", "L1", "L2", "L3"),)
    id: int | None = Field(default=None, primary_key=True)
    handle: str = Field(unique=True)
    name: str
    tier: str
    region: str
    active: bool = Field(
        default=True, sa_type=IntegerFlag, sa_column_kwargs={"server_default": text("1")}
    )


class Ticket(SQLModel, table=True):
    __tablename__ = "tickets"
    __table_args__ = (
        _one_of("priority", "P0", "P1", "P2", "P3", "P4"),
        _one_of("status", "new", "assigned", "in_progress", "pending", "resolved", "closed"),
        Index("ix_tickets_queue", "status", "priority", "sla_due_at"),
        Index("ix_tickets_due", "sla_due_at"),
        # Issue 17: every filter column and the sort key (migration hmem_filter_indexes).
        Index(
            "ix_tickets_assignee",
            "assignee_id",
            "status",
            "tier",
            "priority",
            "channel",
            "region",
            "sla_due_at",
        ),
        Index(
            "ix_tickets_filter",
            "status",
            "tier",
            "assignee_id",
            "priority",
            "channel",
            "region",
            "sla_due_at",
        ),
        Index("ix_tickets_customer", "customer_id"),
        Index("ix_tickets_channel", "channel", "status"),
        Index("ix_tickets_region", "region", "status"),
        # Issue 15: the KPI reads by opening stamp (migrations h15r2_kpi_indexes).
        Index("ix_tickets_opened", "created_at", "updated_at", "version", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    remote_id: str | None = Field(default=None, unique=True)
    subject: str
    customer_id: int = Field(foreign_key="customers.id")
    assignee_id: int | None = Field(default=None, foreign_key="agents.id")
    priority: str
    status: str
    channel: str
    region: str
    tier: str = _default("L1")
    product_area: str = _default("")
    issue_type: str = _default("")
    created_at: datetime = Field(sa_column=_when())
    updated_at: datetime = Field(sa_column=_when())
    first_response_at: datetime | None = Field(default=None, sa_column=_when(True))
    last_update_at: datetime | None = Field(default=None, sa_column=_when(True))
    resolved_at: datetime | None = Field(default=None, sa_column=_when(True))
    closed_at: datetime | None = Field(default=None, sa_column=_when(True))
    sla_pauses: str = _default("[]")
    sla_clock: str | None = None
    sla_due_at: datetime | None = Field(default=None, sa_column=_when(True))
    sla_at_risk_at: datetime | None = Field(default=None, sa_column=_when(True))
    sla_breached_at: datetime | None = Field(default=None, sa_column=_when(True))
    version: int = _default(1)
    pending_reason: str = _default("")
    quality_flag: str | None = None


class Message(SQLModel, table=True):
    __tablename__ = "messages"
    __table_args__ = (
        _one_of("kind", "customer", "reply", "internal_note"),
        Index("ix_messages_ticket", "ticket_id", "created_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    kind: str
    author: str
    agent_id: int | None = Field(default=None, foreign_key="agents.id")
    body: str
    created_at: datetime = Field(sa_column=_when())


class AuditRow(SQLModel, table=True):
    __tablename__ = "audit"
    # V_SHIFT_RECORD (issue 13) rebuilt it: a row is a ticket's or a shift's.
    __table_args__ = (
        Index("ix_audit_ticket", "ticket_id", "at"),
        Index("ix_audit_shift", "shift_id", "at"),
        CheckConstraint("ticket_id IS NOT NULL OR shift_id IS NOT NULL"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int | None = Field(default=None, foreign_key="tickets.id")
    actor: str
    action: str
    field: str = _default("")
    old_value: str | None = None
    new_value: str | None = None
    at: datetime = Field(sa_column=_when())
    shift_id: int | None = Field(default=None, foreign_key="shifts.id")


class OutboxRow(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (
        _one_of("state", "pending", "done", "parked"),
        Index("ix_outbox_pending", "state", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    op: str
    payload: str
    state: str = _default("pending")
    attempts: int = _default(0)
    last_error: str | None = None
    created_at: datetime = Field(sa_column=_when())
    done_at: datetime | None = Field(default=None, sa_column=_when(True))


class SlaBreachRow(SQLModel, table=True):
    __tablename__ = "sla_breaches"
    __table_args__ = (UniqueConstraint("ticket_id", "clock", "due_at"),)
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    clock: str
    due_at: datetime = Field(sa_column=_when())
    recorded_at: datetime = Field(sa_column=_when())


# V_WORKSPACE: the ticket workspace.


class Draft(SQLModel, table=True):
    __tablename__ = "drafts"
    __table_args__ = (_one_of("slot", "composer", "note"),)
    ticket_id: int = Field(foreign_key="tickets.id", primary_key=True)
    slot: str = Field(primary_key=True)
    mode: str = _default("")
    body: str
    updated_at: datetime = Field(sa_column=_when())


class TicketNote(SQLModel, table=True):
    __tablename__ = "ticket_notes"
    __table_args__ = (Index("ix_ticket_notes_ticket", "ticket_id", "created_at"),)
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
    __table_args__ = (_one_of("name", "product_area", "issue_type", "priority", "channel"),)
    ticket_id: int = Field(foreign_key="tickets.id", primary_key=True)
    name: str = Field(primary_key=True)
    value: str


class Attachment(SQLModel, table=True):
    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint("size <= 10485760"),
        Index("ix_attachments_ticket", "ticket_id", "added_at"),
    )
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
    __table_args__ = (Index("ix_confirmations_ticket", "ticket_id", "recorded_at"),)
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    restated_issue: str
    proposed_solution: str
    etr: str
    customer_agreed: bool = Field(sa_type=IntegerFlag)
    agent: str
    recorded_at: datetime = Field(sa_column=_when())


class HandoffRow(SQLModel, table=True):
    __tablename__ = "handoffs"
    __table_args__ = (Index("ix_handoffs_ticket", "ticket_id"),)
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    from_tier: str
    to_tier: str
    reason: str
    seconds_to_handoff: int
    actor: str
    at: datetime = Field(sa_column=_when())


# V_MACROS: macro usage, the log of applied macros (for undo), free-form ticket labels.


class MacroUsage(SQLModel, table=True):
    __tablename__ = "macro_usage"
    macro_id: str = _text_key()
    uses: int = _default(0)
    last_used_at: datetime = Field(sa_column=_when())


class MacroApplication(SQLModel, table=True):
    __tablename__ = "macro_applications"
    __table_args__ = (Index("ix_macro_applications_ticket", "ticket_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    macro_id: str
    actor: str
    applied_at: datetime = Field(sa_column=_when())
    version_before: int
    version_after: int
    undo: str
    undone_at: datetime | None = Field(default=None, sa_column=_when(True))


class TicketLabel(SQLModel, table=True):
    __tablename__ = "ticket_labels"
    ticket_id: int = Field(foreign_key="tickets.id", primary_key=True)
    label: str = Field(primary_key=True)


# Issue 14 (intake): how long the intake took.


class Intake(SQLModel, table=True):
    __tablename__ = "intakes"
    ticket_id: int = Field(foreign_key="tickets.id", primary_key=True)
    opened_at: datetime = Field(sa_column=_when())
    created_at: datetime = Field(sa_column=_when())
    seconds: int
    channel: str
    actor: str


# V_H15A (issue 15, monitoring mode): the team dashboard's index on the open tickets.

Index(
    "ix_tickets_open_team",
    Ticket.__table__.c.assignee_id,  # type: ignore[attr-defined]
    Ticket.__table__.c.priority,  # type: ignore[attr-defined]
    Ticket.__table__.c.sla_due_at,  # type: ignore[attr-defined]
    Ticket.__table__.c.sla_at_risk_at,  # type: ignore[attr-defined]
    Ticket.__table__.c.sla_breached_at,  # type: ignore[attr-defined]
    sqlite_where=text("status NOT IN ('resolved', 'closed')"),
)

# Issue 15: each agent's in-progress ticket touched last (migrations h15r2_kpi_indexes).
Index(
    "ix_tickets_in_progress",
    Ticket.__table__.c.assignee_id,  # type: ignore[attr-defined]
    Ticket.__table__.c.updated_at,  # type: ignore[attr-defined]
    Ticket.__table__.c.channel,  # type: ignore[attr-defined]
    sqlite_where=text("status = 'in_progress'"),
)


# Issue 17: the queue's order as an index (migrations h17n_queue_bands; queue_sql.ORDER_KEY).
_tickets = cast(Table, getattr(Ticket, "__table__"))  # noqa: B009 (SQLModel sets it)
Index(
    "ix_tickets_queue_order",
    text("(sla_due_at IS NULL)"),
    text("((priority > 'P0') + (priority > 'P2'))"),
    text("coalesce(substr(sla_due_at, 1, 16), '')"),
    _tickets.c.priority,
    text("coalesce(sla_due_at, '')"),
    _tickets.c.id,
    _tickets.c.status,
    _tickets.c.assignee_id,
    _tickets.c.channel,
    _tickets.c.region,
    _tickets.c.tier,
    _tickets.c.sla_due_at,
)
