"""The schema: one SQLModel table per SQLite table, in the migrations' column order.

store.migrations builds the files (plain SQL, forward only, so a first-release file migrates
to every later one); tests/store/test_schema.py checks that what they build is what these
models describe, column by column: type, NOT NULL, default, keys, indexes, foreign keys and
CHECKs. A schema change is a new migration and the same change here.

Writers take their column lists from here (store.writes.bulk_insert, the demo writer).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    DDL,
    CheckConstraint,
    Column,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from agentdesk.store.types import UTCDateTime

__all__ = [
    "Agent",
    "Attachment",
    "AuditRow",
    "ConfirmationRow",
    "Customer",
    "CustomerVerifier",
    "Draft",
    "HandoffRow",
    "Intake",
    "MacroApplication",
    "MacroUsage",
    "Message",
    "Meta",
    "OutboxRow",
    "QaReviewRow",
    "SQLModel",
    "SecurityAuditRow",
    "Shift",
    "ShiftAck",
    "ShiftItem",
    "ShiftOutboxRow",
    "ShiftPresence",
    "ShiftTicket",
    "SlaBreachRow",
    "SurveyAnswerRow",
    "SyncClaim",
    "SyncConflict",
    "SyncCursor",
    "SyncHistory",
    "SyncMessage",
    "SyncOp",
    "SyncReject",
    "SyncStatusRow",
    "SyncTicket",
    "TeamShiftRow",
    "TeamShiftText",
    "Ticket",
    "TicketLabel",
    "TicketLink",
    "TicketMerge",
    "TicketNote",
    "TicketTag",
    "TotpStateRow",
    "VerificationAttempt",
]


class IntegerFlag(TypeDecorator[bool]):
    """A bool stored as 0/1 in an INTEGER column, as the migrations declare flags
    (SQLAlchemy's Boolean would declare BOOLEAN, which SQLite gives NUMERIC affinity)."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        return None if value is None else int(bool(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> bool | None:
        return None if value is None else bool(value)


def _when(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


def _default(value: str | int) -> Any:
    """A column with a DEFAULT in the DDL: rows written without it get the same value."""
    server = text(str(value)) if isinstance(value, int) else value
    return Field(default=value, sa_column_kwargs={"server_default": server})


def _text_key() -> Any:
    """A `TEXT PRIMARY KEY` as the migrations wrote it: without NOT NULL, which SQLite then
    does not enforce for a key that is not an INTEGER one."""
    return Field(sa_column=Column(String(), primary_key=True, nullable=True))


def _one_of(column: str, *values: str) -> CheckConstraint:
    return CheckConstraint(f"{column} IN ({', '.join(repr(v) for v in values)})")


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
        Index("ix_tickets_assignee", "assignee_id", "status"),
        Index("ix_tickets_customer", "customer_id"),
        Index("ix_tickets_channel", "channel", "status"),
        Index("ix_tickets_region", "region", "status"),
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


# V_VERIFICATION: keyed hashes of each customer's verifiers, and every attempt.


class CustomerVerifier(SQLModel, table=True):
    __tablename__ = "customer_verifiers"
    __table_args__ = (_one_of("factor", "payment_last4", "date_of_birth", "pin"),)
    customer_id: int = Field(foreign_key="customers.id", primary_key=True)
    factor: str = Field(primary_key=True)
    salt: bytes
    digest: str


class VerificationAttempt(SQLModel, table=True):
    __tablename__ = "verification_attempts"
    __table_args__ = (
        _one_of("outcome", "passed", "failed", "cleared"),
        Index("ix_verification_attempts_ticket", "ticket_id", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    customer_id: int | None = Field(default=None, foreign_key="customers.id")
    agent_id: int | None = Field(default=None, foreign_key="agents.id")
    actor: str
    outcome: str
    factors: str = _default("")
    failed_step: str | None = None
    at: datetime = Field(sa_column=_when())


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


# Issue 14 (h14c): links between tickets and merges. The full-text index (the
# ticket_search FTS5 table, its view and triggers) is not a SQLModel table: see V_H14C.


# Issue 14 (intake): how long the intake took.


class Intake(SQLModel, table=True):
    __tablename__ = "intakes"
    ticket_id: int = Field(foreign_key="tickets.id", primary_key=True)
    opened_at: datetime = Field(sa_column=_when())
    created_at: datetime = Field(sa_column=_when())
    seconds: int
    channel: str
    actor: str


# V_ESCALATION (issue 14): the tier limit's "why not", the SLA-at-risk path, ticket links,
# the alerts already announced.


class TierLimitReason(SQLModel, table=True):
    __tablename__ = "tier_limit_reasons"
    __table_args__ = (
        _one_of("tier", "L1", "L2", "L3"),
        Index("ix_tier_limit_reasons_ticket", "ticket_id", "tier"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    tier: str
    reason: str
    actor: str
    at: datetime = Field(sa_column=_when())


class SlaRiskPath(SQLModel, table=True):
    __tablename__ = "sla_risk_paths"
    __table_args__ = (UniqueConstraint("ticket_id", "clock", "risk_began_at"),)
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    clock: str
    risk_began_at: datetime = Field(sa_column=_when())
    started_at: datetime = Field(sa_column=_when())
    started_by: str
    notified_name: str = _default("")
    notified_role: str = _default("")
    notified_via: str = _default("")
    notified_at: datetime | None = Field(default=None, sa_column=_when(True))
    incident_ticket_id: int | None = Field(default=None, foreign_key="tickets.id")
    incident_at: datetime | None = Field(default=None, sa_column=_when(True))
    customer_informed_at: datetime | None = Field(default=None, sa_column=_when(True))
    etr: str = _default("")
    breach_noted_at: datetime | None = Field(default=None, sa_column=_when(True))


class TicketLink(SQLModel, table=True):
    __tablename__ = "ticket_links"
    __table_args__ = (
        _one_of("kind", "refers_to", "depends_on", "parent_incident"),
        Index("ix_ticket_links_other", "other_ticket_id"),
    )
    ticket_id: int = Field(foreign_key="tickets.id", primary_key=True)
    other_ticket_id: int = Field(foreign_key="tickets.id", primary_key=True)
    kind: str = Field(primary_key=True)
    created_at: datetime = Field(sa_column=_when())
    created_by: str = _default("")


class TicketMerge(SQLModel, table=True):
    __tablename__ = "ticket_merges"
    __table_args__ = (Index("ix_ticket_merges_into", "into_ticket_id"),)
    ticket_id: int | None = Field(default=None, foreign_key="tickets.id", primary_key=True)
    into_ticket_id: int = Field(foreign_key="tickets.id")
    merged_at: datetime = Field(sa_column=_when())
    merged_by: str = _default("")


class AlertAnnouncement(SQLModel, table=True):
    __tablename__ = "alert_announcements"
    kind: str = Field(primary_key=True)
    ref: str = Field(primary_key=True)
    state: str = Field(primary_key=True)
    announced_at: datetime = Field(sa_column=_when())


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
# Issue 15 (h15b), V_KPI_SURVEYS_QA: survey answers and QA reviews.


class SurveyAnswerRow(SQLModel, table=True):
    __tablename__ = "survey_answers"
    __table_args__ = (
        _one_of("kind", "csat", "nps"),
        _one_of("source", "phone", "reply"),
        UniqueConstraint("ticket_id", "kind"),
        Index("ix_survey_answers_at", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    kind: str
    score: int
    source: str
    message_id: int | None = Field(default=None, foreign_key="messages.id")
    recorded_by: str
    at: datetime = Field(sa_column=_when())


class QaReviewRow(SQLModel, table=True):
    __tablename__ = "qa_reviews"
    __table_args__ = (
        UniqueConstraint("ticket_id", "reviewer"),
        Index("ix_qa_reviews_at", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    agent_handle: str
    reviewer: str
    month: str
    marks: str
    score: float
    critical_failed: bool = Field(
        default=False, sa_type=IntegerFlag, sa_column_kwargs={"server_default": text("0")}
    )
    comment: str = _default("")
    at: datetime = Field(sa_column=_when())


# Issue 16: the second factor's state and the security audit trail (append-only).


class TotpStateRow(SQLModel, table=True):
    __tablename__ = "totp_state"
    account: str = _text_key()
    last_step: int | None = None
    failures: int = _default(0)
    locked_until: datetime | None = Field(default=None, sa_column=_when(True))
    recovery_hashes: str = _default("[]")
    enrolled_at: datetime = Field(sa_column=_when())


class SecurityAuditRow(SQLModel, table=True):
    __tablename__ = "security_audit"
    __table_args__ = (Index("ix_security_audit_at", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_when())
    actor: str
    event: str
    success: int
    origin: str
    resource: str = _default("")
    detail: str = _default("")


def _append_only(table: str) -> list[DDL]:
    return [
        DDL(  # type: ignore[no-untyped-call]
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}\n"
            "BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END"
        )
        for verb in ("UPDATE", "DELETE")
    ]


# The triggers are part of the schema the models describe (tests/store/test_schema.py).
for _table in (AuditRow.__table__, SecurityAuditRow.__table__):  # type: ignore[attr-defined]
    for _trigger in _append_only(_table.name):
        event.listen(_table, "after_create", _trigger)


# Issue 17: the queue's order as an index (migration_h17n.py V_H17N; queue_sql.ORDER_KEY).
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
