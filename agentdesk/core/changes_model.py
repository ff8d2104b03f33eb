"""What a ticket change reads, asks for and writes: the snapshot the SOP rules read, the
change the agent asked for, and the plan core.changes.plan_change works out for the store.
Plain values; nothing here decides or does IO.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from agentdesk.core import sla
from agentdesk.core.attachments import NewAttachment
from agentdesk.core.business_hours import Pause
from agentdesk.core.note_template import Section, StructuredNote
from agentdesk.core.quality import Confirmation
from agentdesk.core.sla import Breach
from agentdesk.core.ticket import Channel, MessageKind, Priority, Region, Status, Tier
from agentdesk.core.verification import Attempt


class PendingReason(StrEnum):
    """What a Pending ticket waits on."""

    CUSTOMER = "waiting_on_customer"
    INTERNAL_TEAM = "waiting_on_internal_team"

    @property
    def label(self) -> str:
        return (
            "waiting on customer" if self is PendingReason.CUSTOMER else "waiting on internal team"
        )


@dataclass(frozen=True)
class TicketSnapshot:
    """The ticket fields the SOP rules read and write (a plain copy of the stored row)."""

    id: int
    subject: str
    priority: Priority
    status: Status
    region: Region
    tier: Tier
    assignee_id: int | None
    created_at: datetime
    first_response_at: datetime | None = None
    last_update_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    sla_pauses: tuple[Pause, ...] = ()
    version: int = 1
    pending_reason: str = ""
    note: StructuredNote | None = None
    """The latest structured note (with its tags)."""
    confirmation: Confirmation | None = None
    """The latest three-step confirmation."""
    tags: frozenset[str] = frozenset()
    """Free-form ticket labels ("csat-sent"), set by macros; not the note template's four tags."""
    verification_attempts: tuple[Attempt, ...] = ()
    """Identity verification attempts (and L2 clearances) on this ticket, oldest first."""
    interaction_started_at: datetime | None = None
    """The last reopen: verification holds for the current interaction only."""
    channel: Channel | None = None
    """How the customer reached us: the verification policy says whether a reply waits for a
    pass on this channel (None: as strict as any channel)."""
    note_at: datetime | None = None
    """When the latest structured note was written."""
    last_reply_at: datetime | None = None
    """The last public reply: the quality check wants one after the structured note."""
    recorded_breaches: tuple[Breach, ...] = ()
    """The SLA breaches recorded on the ticket (they stay breached, whatever happens next)."""

    @property
    def ref(self) -> str:
        return f"#{self.id}"

    def sla_ticket(self) -> sla.SlaTicket:
        return sla.SlaTicket(
            priority=self.priority,
            region=self.region,
            status=self.status,
            created_at=self.created_at,
            first_response_at=self.first_response_at,
            last_update_at=self.last_update_at,
            resolved_at=self.resolved_at,
            pauses=self.sla_pauses,
        )


@dataclass(frozen=True)
class NewMessage:
    kind: MessageKind
    body: str
    author: str
    agent_id: int | None = None


@dataclass(frozen=True)
class TicketChange:
    """What the agent asked for. Only the fields given are changed."""

    action: str
    status: Status | None = None
    priority: Priority | None = None
    assignee_id: int | None = None
    assignee_tier: Tier | None = None
    """The tier of the agent named in assignee_id (the desk reads it): an escalation hands
    the ticket to an agent of the tier it goes to, or to that tier's queue (unassigned)."""
    unassign: bool = False
    tier: Tier | None = None
    message: NewMessage | None = None
    reason: str = ""
    note: StructuredNote | None = None
    """The structured note as the agent left it; written when it differs from the stored one."""
    note_author: str = ""
    note_agent_id: int | None = None
    pending_reason: PendingReason | None = None
    attachment: NewAttachment | None = None
    add_tags: frozenset[str] = frozenset()
    """Free-form labels to add (see TicketSnapshot.tags)."""
    remove_tags: frozenset[str] = frozenset()
    note_patch: tuple[tuple[Section, str], ...] = ()
    """Sections to set on the ticket's current note (a macro's fill_note); the result goes
    through the same note path and rules as a note written in the form."""
    required_by_sop: bool = False
    """The SOP itself demands this change (the escalation after failed verification): it is
    not refused for want of a note or of verification."""
    accept_quality: bool = False
    """The agent was told the 48-hour quality check will fail and resolves anyway; honoured
    only where the team's policy asks ([quality] on_resolve = "ask")."""


@dataclass(frozen=True)
class Handoff:
    """An escalation to a higher tier: the KPI "time to L2 handoff" reads it."""

    from_tier: Tier
    to_tier: Tier
    reason: str
    seconds: int
    """From the ticket's creation to the handoff."""


@dataclass(frozen=True)
class AuditEntry:
    action: str
    field: str
    old_value: str | None
    new_value: str | None


@dataclass(frozen=True)
class SlaFields:
    clock: sla.Clock | None
    due_at: datetime | None
    at_risk_at: datetime | None


@dataclass(frozen=True)
class ChangePlan:
    updates: Mapping[str, Any]
    after: TicketSnapshot
    sla: SlaFields
    audit: tuple[AuditEntry, ...]
    outbox_op: str
    outbox_payload: Mapping[str, Any]
    message: NewMessage | None = None
    breaches: tuple[Breach, ...] = field(default=())
    note: StructuredNote | None = None
    """A structured note to store, its SLA deadline filled in."""
    note_message: NewMessage | None = None
    """The note rendered as one internal note of the conversation."""
    handoff: Handoff | None = None
    attachment: NewAttachment | None = None
    tags: frozenset[str] | None = None
    """The full label set after the change; None when the labels are unchanged."""


def sla_fields(ticket: TicketSnapshot, policy: sla.SlaPolicy) -> SlaFields:
    reading = sla.next_due(ticket.sla_ticket(), policy)
    if reading is None:
        return SlaFields(None, None, None)
    return SlaFields(reading.clock, reading.due_at, reading.at_risk_at)
