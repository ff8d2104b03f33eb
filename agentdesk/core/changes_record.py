"""What a planned change leaves behind besides the row: the audit entries and the outbox
payload sync sends, each field edit with the value it was edited from (so sync can rebase).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agentdesk.core import note_template
from agentdesk.core.changes_model import (
    AuditEntry,
    Handoff,
    NewMessage,
    TicketChange,
    TicketSnapshot,
)
from agentdesk.core.note_template import StructuredNote, Tag
from agentdesk.core.ticket import MessageKind

FieldsChanged = Mapping[str, tuple[object, object]]
"""Field name -> (old, new), for the fields the change moves."""


def text_of(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def note_message(change: TicketChange, note: StructuredNote | None) -> NewMessage | None:
    """The note rendered as one internal note of the conversation."""
    if note is None:
        return None
    body = note_template.render(note)
    return NewMessage(MessageKind.INTERNAL_NOTE, body, change.note_author, change.note_agent_id)


def handoff(ticket: TicketSnapshot, change: TicketChange, now: datetime) -> Handoff | None:
    """The escalation's handoff (the KPI "time to L2 handoff"); None without a tier."""
    if change.tier is None:
        return None
    return Handoff(
        ticket.tier,
        change.tier,
        change.reason.strip(),
        int((now - ticket.created_at).total_seconds()),
    )


@dataclass(frozen=True)
class ChangeDone:
    """What a planned change does, as its records read it."""

    ticket: TicketSnapshot
    """Before the change."""
    change: TicketChange
    fields_changed: FieldsChanged
    note: StructuredNote | None
    note_message: NewMessage | None
    handoff: Handoff | None


def audit_entries(done: ChangeDone, quality_accepted: str) -> tuple[AuditEntry, ...]:
    change, note, rendered, handed_off = done.change, done.note, done.note_message, done.handoff
    message = change.message
    audit = [
        AuditEntry(change.action, name, text_of(old), text_of(new))
        for name, (old, new) in done.fields_changed.items()
    ]
    if message is not None:
        audit.append(AuditEntry(change.action, message.kind.value, None, message.body[:200]))
    if note is not None and rendered is not None:
        before = done.ticket.note
        if any(note.text(s) != (before.text(s) if before else "") for s in note_template.Section):
            audit.append(AuditEntry(change.action, "structured_note", None, rendered.body[:200]))
        for tag in Tag:
            old = None if before is None else before.tag(tag) or None
            new = note.tag(tag) or None
            if old != new:
                audit.append(AuditEntry(change.action, f"tag {tag.value}", old, new))
    if handed_off is not None:
        audit.append(AuditEntry(change.action, "time_to_handoff", None, str(handed_off.seconds)))
    if change.attachment is not None:
        described = f"{change.attachment.filename} ({change.attachment.size} bytes)"
        audit.append(AuditEntry(change.action, "attachment", None, described))
    if change.reason.strip():
        audit.append(AuditEntry(change.action, "reason", None, change.reason.strip()))
    if quality_accepted:
        audit.append(AuditEntry(change.action, "quality_warning_accepted", None, quality_accepted))
    return tuple(audit)


def outbox_payload(done: ChangeDone) -> dict[str, Any]:
    change, note, rendered, handed_off = done.change, done.note, done.note_message, done.handoff
    payload: dict[str, Any] = {
        "base_version": done.ticket.version,
        # Field edits carry the value they were edited from, so sync can rebase them.
        "fields": {
            name: {"from": text_of(old), "to": text_of(new)}
            for name, (old, new) in done.fields_changed.items()
        },
    }
    message = change.message
    if message is not None:
        payload["message"] = {"kind": message.kind.value, "body": message.body}
    if note is not None and rendered is not None:
        payload["note"] = {
            "sections": {s.value: note.text(s) for s in note_template.Section},
            "tags": {t.value: note.tag(t) for t in Tag},
            "sla_deadline": note.sla_deadline,
            "body": rendered.body,
        }
    if handed_off is not None:
        payload["handoff"] = {"to": handed_off.to_tier.value, "seconds": handed_off.seconds}
    if change.reason.strip():
        payload["reason"] = change.reason.strip()
    return payload
