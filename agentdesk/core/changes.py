"""Every change to a ticket is planned here, by the SOP's rules, before the store writes it.

The store's one write path asks plan_change() what to write: the field updates (including the
SLA fields derived from them), the audit entries, the outbox op for sync, any message to add and
any breaches that the change reveals. Nothing here does IO.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from agentdesk.core import actions, lifecycle, note_template, sla
from agentdesk.core.attachments import NewAttachment, check_size
from agentdesk.core.business_hours import Pause
from agentdesk.core.errors import Refused
from agentdesk.core.note_template import Section, StructuredNote, Tag, Taxonomy
from agentdesk.core.quality import (
    CONFIRMATION_MISSING,
    Confirmation,
    OnResolve,
    QualityPolicy,
    confirmation_recorded,
    customer_informed,
)
from agentdesk.core.shift import ShiftGate
from agentdesk.core.sla import Breach
from agentdesk.core.ticket import Channel, MessageKind, Priority, Region, Status, Tier
from agentdesk.core.verification import (
    Attempt,
    Outcome,
    VerificationPolicy,
    verification_status,
)


class ChangeRefused(Refused, ValueError):
    """A change the SOP does not allow; the message says what and why."""


class NoteIncomplete(ChangeRefused):
    """A refusal whose gaps include the note template's: `missing` holds every gap (see
    Gap), the empty sections and tags as their Section/Tag values in the template's order."""


class QualityWouldFail(ChangeRefused):
    """The only gap is the 48-hour quality check and the team's policy asks rather than
    refuses: the front end asks the agent, who may resolve again with accept_quality."""


class Gap(StrEnum):
    """What a refusal can name besides the note's sections and tags, in `missing`."""

    LOCK = "verification_lock"
    VERIFICATION = "verification"
    CONFIRMATION = "confirmation"
    QUALITY = "quality"


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


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


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
        doing = _doing(ticket, change, escalating)
        quality_accepted = _refuse_gaps(ticket, change, doing, gaps, quality or QualityPolicy())

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
    audit = [
        AuditEntry(change.action, name, _text(old), _text(new))
        for name, (old, new) in fields_changed.items()
    ]
    if message is not None:
        audit.append(AuditEntry(change.action, message.kind.value, None, message.body[:200]))
    note_message = None
    if note is not None:
        body = note_template.render(note)
        note_message = NewMessage(
            MessageKind.INTERNAL_NOTE, body, change.note_author, change.note_agent_id
        )
        before = ticket.note
        if any(note.text(s) != (before.text(s) if before else "") for s in note_template.Section):
            audit.append(AuditEntry(change.action, "structured_note", None, body[:200]))
        for tag in Tag:
            old = None if before is None else before.tag(tag) or None
            new = note.tag(tag) or None
            if old != new:
                audit.append(AuditEntry(change.action, f"tag {tag.value}", old, new))
    handoff = None
    if escalating and change.tier is not None:
        handoff = Handoff(
            ticket.tier,
            change.tier,
            change.reason.strip(),
            int((now - ticket.created_at).total_seconds()),
        )
        audit.append(AuditEntry(change.action, "time_to_handoff", None, str(handoff.seconds)))
    if change.attachment is not None:
        described = f"{change.attachment.filename} ({change.attachment.size} bytes)"
        audit.append(AuditEntry(change.action, "attachment", None, described))
    if change.reason.strip():
        audit.append(AuditEntry(change.action, "reason", None, change.reason.strip()))
    if quality_accepted:
        audit.append(AuditEntry(change.action, "quality_warning_accepted", None, quality_accepted))
    payload: dict[str, Any] = {
        "base_version": ticket.version,
        # Field edits carry the value they were edited from, so sync can rebase them.
        "fields": {
            name: {"from": _text(old), "to": _text(new)}
            for name, (old, new) in fields_changed.items()
        },
    }
    if message is not None:
        payload["message"] = {"kind": message.kind.value, "body": message.body}
    if note is not None and note_message is not None:
        payload["note"] = {
            "sections": {s.value: note.text(s) for s in note_template.Section},
            "tags": {t.value: note.tag(t) for t in Tag},
            "sla_deadline": note.sla_deadline,
            "body": note_message.body,
        }
    if handoff is not None:
        payload["handoff"] = {"to": handoff.to_tier.value, "seconds": handoff.seconds}
    if change.reason.strip():
        payload["reason"] = change.reason.strip()
    return ChangePlan(
        updates=updates,
        after=after,
        sla=sla_now,
        audit=tuple(audit),
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


VERIFY_FIRST = "verify the customer's identity first (v opens the wizard)"
QUALITY_ADVICE = "the 48-hour quality check would fail: reply to the customer, then resolve"


def _doing(ticket: TicketSnapshot, change: TicketChange, escalating: bool) -> str | None:
    """What the change does that the SOP guards, in the refusal's words; None: unguarded."""
    if change.status is Status.PENDING and ticket.status is not Status.PENDING:
        return "pend"
    if change.status is Status.RESOLVED and ticket.status is not Status.RESOLVED:
        return "resolve"
    if escalating:
        return f"escalate to {change.tier}"
    if change.message is not None and change.message.kind is MessageKind.REPLY:
        return "reply to the customer"
    return None


def sop_gaps(
    ticket: TicketSnapshot,
    change: TicketChange,
    note: StructuredNote | None,
    *,
    now: datetime,
    escalating: bool,
    taxonomy: Taxonomy | None,
    verification: VerificationPolicy,
) -> list[tuple[str, str]]:
    """Everything the SOP still wants before this change, the most blocking first, as
    (key, words): the verification lock, a verification pass, the note template's sections
    and tags (their Section/Tag values), the three-step confirmation, then what the 48-hour
    quality check would fail on. Empty: nothing is missing.

    "Do not proceed without verification": a locked interaction takes no reply and no resolve
    until Level 2 clears it; a resolve needs a pass in the current interaction, and so does a
    reply on a channel the verification policy names (before_reply). Pending, Resolved and
    escalation need the whole note template; Resolved also the confirmation and a public reply
    after the structured note. Internal notes are never held back."""
    doing = _doing(ticket, change, escalating)
    if doing is None:
        return []
    replying = doing == "reply to the customer"
    resolving = doing == "resolve"
    gaps: list[tuple[str, str]] = []
    if replying or resolving:
        status = verification_status(
            ticket.verification_attempts,
            now=now,
            policy=verification,
            interaction_started_at=ticket.interaction_started_at,
        )
        if status.locked:
            gaps.append(
                (
                    Gap.LOCK,
                    f"identity verification failed {status.failures} times and the "
                    "interaction is locked until a Level 2 agent clears it (L)",
                )
            )
        since = ticket.interaction_started_at
        passed = any(
            a.outcome is Outcome.PASSED
            for a in ticket.verification_attempts
            if since is None or a.at >= since
        )
        needs_pass = resolving or verification.verifies_before_reply(ticket.channel)
        if needs_pass and not passed:
            gaps.append((Gap.VERIFICATION, VERIFY_FIRST))
    if replying:
        return gaps
    note_gaps = note_template.missing(note or ticket.note, taxonomy)
    if note_gaps:
        described = note_template.describe_missing(note_gaps)
        gaps.extend((key, f"the structured note needs {described}") for key in note_gaps)
    if resolving:
        since = ticket.interaction_started_at
        if not confirmation_recorded(ticket.confirmation, since=since):
            words = CONFIRMATION_MISSING
            if confirmation_recorded(ticket.confirmation):
                words += " (the one recorded before the reopen belongs to the earlier interaction)"
            gaps.append((Gap.CONFIRMATION, words))
        note_at = now if note is not None else ticket.note_at
        if not customer_informed(note_at, ticket.last_reply_at):
            reason = (
                "no public reply to the customer at all"
                if ticket.last_reply_at is None
                else "no public reply after the structured note"
            )
            gaps.append((Gap.QUALITY, f"{reason}: {QUALITY_ADVICE}"))
    return gaps


def _refuse_gaps(
    ticket: TicketSnapshot,
    change: TicketChange,
    doing: str | None,
    gaps: list[tuple[str, str]],
    quality: QualityPolicy,
) -> str:
    """Raise one refusal naming every gap; returns the quality reason the agent accepted
    (the team asks, and the quality check was the only gap), else ""."""
    if not gaps:
        return ""
    keys = tuple(key for key, _ in gaps)
    words: list[str] = []
    for _, text in gaps:
        if text not in words:  # the note's gaps share one line
            words.append(text)
    if keys == (Gap.QUALITY,) and quality.on_resolve is OnResolve.ASK:
        reason = words[0].removesuffix(f": {QUALITY_ADVICE}")
        if change.accept_quality:
            return reason
        raise QualityWouldFail(
            f"{ticket.ref}: {reason}: the 48-hour quality check will flag this ticket. "
            "Resolve anyway?",
            keys,
        )
    listed = (
        words[0]
        if len(words) == 1
        else " ".join(f"({n}) {text};" for n, text in enumerate(words, 1)).rstrip(";")
    )
    message = f"{ticket.ref}: cannot {doing} yet: {listed}"
    if any(key not in Gap.__members__.values() for key in keys):
        raise NoteIncomplete(message, keys)
    raise ChangeRefused(message, keys)


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
