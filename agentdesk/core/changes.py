"""Every change to a ticket is planned here, by the SOP's rules, before the store writes it.

The store's one write path asks plan_change() what to write: the field updates (including the
SLA fields derived from them), the audit entries, the outbox op for sync, any message to add and
any breaches that the change reveals. Nothing here does IO.

The plan's parts live beside it: the values it reads and returns (changes_model), what the SOP
still wants before a change and the refusal naming it (changes_gaps), and the audit entries
and outbox payload it records (changes_record). Their names are re-exported here.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from agentdesk.core import actions, changes_record, lifecycle, note_template, sla
from agentdesk.core.attachments import check_size
from agentdesk.core.changes_gaps import (
    QUALITY_ADVICE,
    VERIFY_FIRST,
    ChangeRefused,
    Gap,
    NoteIncomplete,
    QualityWouldFail,
    doing_guarded,
    refuse_gaps,
    sop_gaps,
)
from agentdesk.core.changes_model import (
    AuditEntry,
    ChangePlan,
    Handoff,
    NewMessage,
    PendingReason,
    SlaFields,
    TicketChange,
    TicketSnapshot,
    sla_fields,
)
from agentdesk.core.note_template import StructuredNote, Tag, Taxonomy
from agentdesk.core.quality import QualityPolicy
from agentdesk.core.shift import ShiftGate
from agentdesk.core.ticket import MessageKind, Status, Tier
from agentdesk.core.verification import VerificationPolicy

__all__ = [
    "QUALITY_ADVICE",
    "VERIFY_FIRST",
    "AuditEntry",
    "ChangePlan",
    "ChangeRefused",
    "Gap",
    "Handoff",
    "NewMessage",
    "NoteIncomplete",
    "PendingReason",
    "QualityWouldFail",
    "SlaFields",
    "TicketChange",
    "TicketSnapshot",
    "plan_change",
    "sla_fields",
    "sop_gaps",
]


def _tier_rank(tier: Tier) -> int:
    return int(tier.value[1])


def plan_change(
    ticket: TicketSnapshot,
    change: TicketChange,
    *,
    now: datetime,
    policy: sla.SlaPolicy,
    taxonomy: Taxonomy | None = None,
    verification: VerificationPolicy | None = None,
    shift: ShiftGate | None = None,
    quality: QualityPolicy | None = None,
) -> ChangePlan:
    """Check the change against the SOP and work out everything it writes. shift: the
    agent's shift gate; taking a ticket (assign, start) waits for its required items."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    change = _with_patched_note(ticket, change)
    after = ticket
    if change.priority is not None and change.priority != ticket.priority:
        if not change.reason.strip():
            raise ChangeRefused(f"{ticket.ref}: changing the priority needs a reason")
        after = replace(after, priority=change.priority)
    escalating = change.tier is not None and _tier_rank(change.tier) > _tier_rank(ticket.tier)
    if change.tier is not None and change.tier != ticket.tier:
        if not change.reason.strip():
            raise ChangeRefused(f"{ticket.ref}: escalating to {change.tier} needs a reason")
        after = replace(after, tier=change.tier)
    if escalating:
        after = _hand_over(after, change)
    elif change.unassign:
        after = replace(after, assignee_id=None)
    elif change.assignee_id is not None:
        after = replace(after, assignee_id=change.assignee_id)
    if change.status is not None and change.status != ticket.status:
        lifecycle.check_transition(
            ticket.ref, ticket.status, change.status, resolved_at=ticket.resolved_at, now=now
        )
        after = _move(after, change.status, now)
        if change.status is Status.PENDING:
            if change.pending_reason is None:
                raise ChangeRefused(
                    f"{ticket.ref}: say what the ticket waits on (the customer or an internal team)"
                )
            after = replace(after, pending_reason=change.pending_reason.value)
        else:
            after = replace(after, pending_reason="")
    elif change.status is not None:
        raise lifecycle.TransitionRefused(ticket.ref, ticket.status, change.status)
    action = actions.CHANGE_ACTIONS.get(change.action)
    refusal = None
    if action is not None:
        refusal = actions.status_refusal(action, ticket.status) or actions.shift_refusal(
            action, shift
        )
    taking = actions.macro_taking(
        change.action, change.assignee_id is not None, change.status is Status.IN_PROGRESS
    )
    if taking is not None:
        refusal = refusal or actions.shift_refusal(taking, shift)
    if refusal is not None:
        # The same answer the ticket screen's keys show (core.actions).
        raise ChangeRefused(f"{ticket.ref}: {refusal}")

    note = _note_to_write(ticket, change, now, policy)
    quality_accepted = ""
    if not change.required_by_sop:
        gaps = sop_gaps(
            ticket,
            change,
            note,
            now=now,
            escalating=escalating,
            taxonomy=taxonomy,
            verification=verification or VerificationPolicy(),
        )
        doing = doing_guarded(ticket, change, escalating)
        quality_accepted = refuse_gaps(ticket, change, doing, gaps, quality or QualityPolicy())

    message = change.message
    if message is not None:
        if not message.body.strip():
            raise ChangeRefused(f"{ticket.ref}: the {message.kind.label.lower()} is empty")
        if message.kind is MessageKind.REPLY:
            after = replace(
                after,
                first_response_at=after.first_response_at or now,
                last_update_at=now,
            )
    if (message is not None or note is not None or change.attachment is not None) and (
        ticket.status is Status.CLOSED
    ):
        raise ChangeRefused(f"{ticket.ref}: the ticket is closed; open a follow-up ticket")
    if change.attachment is not None:
        check_size(change.attachment.filename, change.attachment.size)
    labels = _labels_after(ticket, change)
    if labels is not None:
        after = replace(after, tags=labels)
    fields_changed = {
        name: (getattr(ticket, name), getattr(after, name))
        for name in ("status", "priority", "tier", "assignee_id", "pending_reason")
        if getattr(ticket, name) != getattr(after, name)
    }
    if labels is not None:
        fields_changed["labels"] = (_label_text(ticket.tags), _label_text(labels))
    if not fields_changed and message is None and note is None and change.attachment is None:
        raise ChangeRefused(f"{ticket.ref}: nothing to change")

    breaches = tuple(sla.breaches(ticket.sla_ticket(), policy, now))
    after = replace(after, version=ticket.version + 1, note=note or ticket.note)
    sla_now = sla_fields(after, policy)
    updates: dict[str, Any] = {
        name: getattr(after, name)
        for name in (
            "status",
            "priority",
            "tier",
            "assignee_id",
            "pending_reason",
            "first_response_at",
            "last_update_at",
            "resolved_at",
            "closed_at",
            "sla_pauses",
        )
        if getattr(ticket, name) != getattr(after, name)
    }
    updates.update(
        version=after.version,
        updated_at=now,
        sla_clock=sla_now.clock,
        sla_due_at=sla_now.due_at,
        sla_at_risk_at=sla_now.at_risk_at,
    )
    note_message = changes_record.note_message(change, note)
    handoff = changes_record.handoff(ticket, change, now) if escalating else None
    done = changes_record.ChangeDone(ticket, change, fields_changed, note, note_message, handoff)
    audit = changes_record.audit_entries(done, quality_accepted)
    payload = changes_record.outbox_payload(done)
    return ChangePlan(
        updates=updates,
        after=after,
        sla=sla_now,
        audit=audit,
        outbox_op=change.action,
        outbox_payload=payload,
        message=message,
        breaches=breaches,
        note=note,
        note_message=note_message,
        handoff=handoff,
        attachment=change.attachment,
        tags=labels,
    )


def _hand_over(ticket: TicketSnapshot, change: TicketChange) -> TicketSnapshot:
    """An escalation moves the ticket to the tier it goes to: to a named agent of that tier,
    or to the tier's queue (unassigned, and an Assigned ticket is New again there)."""
    if change.assignee_id is None:
        status = Status.NEW if ticket.status is Status.ASSIGNED else ticket.status
        return replace(ticket, assignee_id=None, status=status)
    if change.assignee_tier is not change.tier:
        who = (
            "an agent of unknown tier"
            if change.assignee_tier is None
            else (f"an {change.assignee_tier} agent")
        )
        raise ChangeRefused(
            f"{ticket.ref}: escalating to {change.tier} hands the ticket to an {change.tier} "
            f"agent or to the {change.tier} queue, not to {who}"
        )
    return replace(ticket, assignee_id=change.assignee_id)


def _with_patched_note(ticket: TicketSnapshot, change: TicketChange) -> TicketChange:
    """A note_patch becomes the note to write: the current note with those sections set."""
    if not change.note_patch:
        return change
    if change.note is not None:
        raise ValueError("a change carries either a note or a note_patch, not both")
    current = ticket.note or StructuredNote()
    sections = {**current.sections, **dict(change.note_patch)}
    patched = StructuredNote(sections=sections, tags=current.tags)
    return replace(change, note=patched, note_patch=())


def _labels_after(ticket: TicketSnapshot, change: TicketChange) -> frozenset[str] | None:
    """The free-form label set after the change, or None when it does not move."""
    for label in change.add_tags | change.remove_tags:
        if not label.strip() or label != label.strip() or "," in label:
            raise ChangeRefused(
                f"{ticket.ref}: {label!r} is not a label (no commas or edge spaces)"
            )
    labels = (ticket.tags | change.add_tags) - change.remove_tags
    return None if labels == ticket.tags else labels


def _label_text(labels: frozenset[str]) -> str | None:
    return ",".join(sorted(labels)) or None


def _note_to_write(
    ticket: TicketSnapshot, change: TicketChange, now: datetime, policy: sla.SlaPolicy
) -> StructuredNote | None:
    """The agent's note with the SLA deadline filled in, or None when nothing new was written."""
    given = change.note
    if given is None or given.same_content(ticket.note):
        return None
    if given.is_empty and not any(given.tag(t) for t in Tag):
        return None
    deadline = note_template.sla_deadline(ticket.sla_ticket(), policy, now)
    return replace(given, sla_deadline=deadline)


def _move(ticket: TicketSnapshot, new: Status, now: datetime) -> TicketSnapshot:
    """Apply a lifecycle move and the SLA bookkeeping that goes with it."""
    pauses = ticket.sla_pauses
    if new is Status.PENDING:
        pauses = sla.start_pause(pauses, now)
    elif ticket.status is Status.PENDING:
        pauses = sla.end_pause(pauses, now)
    resolved_at = ticket.resolved_at
    closed_at = ticket.closed_at
    if new is Status.RESOLVED:
        resolved_at = now
    elif lifecycle.is_reopen(ticket.status, new):
        resolved_at = None
    if new is Status.CLOSED:
        closed_at = now
    return replace(
        ticket, status=new, sla_pauses=pauses, resolved_at=resolved_at, closed_at=closed_at
    )
