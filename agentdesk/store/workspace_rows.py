"""Plain objects the ticket workspace reads. Cheap to import: no SQLAlchemy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from agentdesk.core.changes import TicketSnapshot
from agentdesk.core.emergency import EscalationState
from agentdesk.core.history import People
from agentdesk.core.note_template import StructuredNote
from agentdesk.store.rows import AuditLine, TicketDetail

COMPOSER = "composer"
NOTE = "note"


@dataclass(frozen=True)
class AttachmentRow:
    id: int
    filename: str
    mime_type: str
    size: int
    added_by: str
    added_at: datetime


@dataclass(frozen=True)
class Draft:
    slot: str
    """COMPOSER (mode is the message kind) or NOTE (body is the form as JSON)."""
    mode: str
    body: str
    updated_at: datetime


@dataclass(frozen=True)
class TicketWorkspace:
    """Everything the ticket screen shows, read in one transaction."""

    detail: TicketDetail
    snapshot: TicketSnapshot
    payment_method: str
    quality_flag: str | None
    note_at: datetime | None
    note_message_ids: frozenset[int]
    """Messages that are rendered structured notes."""
    attachments: tuple[AttachmentRow, ...] = ()
    audit: tuple[AuditLine, ...] = ()
    drafts: dict[str, Draft] = field(default_factory=dict)
    people: People = field(default_factory=People)
    """Agent names for the history (ids and handles)."""
    links: tuple[LinkRow, ...] = ()
    """Links to other tickets and merges (issue 14)."""
    escalation: EscalationState = field(default_factory=EscalationState)
    """The tier limit's and the at-risk path's facts (issue 14)."""
    conversation_owed: bool = False
    """A first sync brought the ticket and its conversation is still to come."""

    @property
    def note(self) -> StructuredNote | None:
        return self.snapshot.note


# Issue 14 (h14c): a ticket's links, as its screen lists them.
@dataclass(frozen=True)
class LinkRow:
    kind: str
    """refers_to, depends_on, parent_incident; or merged_into / merged_from."""
    outgoing: bool
    """This ticket is the link's ticket_id (it refers to, depends on, is a member of)."""
    other_id: int
    subject: str
    status: str
