"""Every change to a ticket is planned here, by the SOP's rules, before the store writes it.

The store's one write path asks plan_change() what to write: the field updates (including the
SLA fields derived from them), the audit entries, the outbox op for sync, any message to add and
any breaches that the change reveals. Nothing here does IO.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from agentdesk.core import lifecycle, sla
from agentdesk.core.business_hours import Pause
from agentdesk.core.sla import Breach
from agentdesk.core.ticket import MessageKind, Priority, Region, Status, Tier


class ChangeRefused(ValueError):
    """A change the SOP does not allow; the message says what and why."""


# --- Macros branch (issue 5): tags and note-template sections. -------------------------------
# The ticket workspace (issue 3) owns the note template and tags; these are the minimal shapes
# macros need so that their actions go through plan_change like any manual edit. The lead
# reconciles them with the workspace's own types on merge.
NOTE_SECTIONS: Mapping[str, str] = {
    "issue_summary": "Issue summary",
    "steps_taken": "Steps taken",
    "root_cause_hypothesis": "Root cause hypothesis",
    "next_steps": "Next steps",
    "sla_deadline": "SLA deadline",
}
# --- end of macros branch block ----------------------------------------------------------------


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
    # Macros branch (issue 5): free-form ticket tags and the note template's filled sections
    # (sorted (section, text) pairs), read from their own tables by store.writes.load_snapshot.
    tags: frozenset[str] = frozenset()
    note_sections: tuple[tuple[str, str], ...] = ()

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
    unassign: bool = False
    tier: Tier | None = None
    message: NewMessage | None = None
    reason: str = ""
    # Macros branch (issue 5): tag edits and note-template sections (section key -> new text).
    add_tags: frozenset[str] = frozenset()
    remove_tags: frozenset[str] = frozenset()
    note_sections: tuple[tuple[str, str], ...] = ()


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
    # Macros branch (issue 5): what the store writes to ticket_tags / ticket_note_sections.
    tags: frozenset[str] | None = None  # the full tag set after the change; None: unchanged
    note_sections: tuple[tuple[str, str], ...] = ()  # only the sections this change sets


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


def plan_change(
    ticket: TicketSnapshot,
    change: TicketChange,
    *,
    now: datetime,
    policy: sla.SlaPolicy,
) -> ChangePlan:
    """Check the change against the SOP and work out everything it writes."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    after = ticket
    if change.priority is not None and change.priority != ticket.priority:
        if not change.reason.strip():
            raise ChangeRefused(f"{ticket.ref}: changing the priority needs a reason")
        after = replace(after, priority=change.priority)
    if change.tier is not None and change.tier != ticket.tier:
        if not change.reason.strip():
            raise ChangeRefused(f"{ticket.ref}: escalating to {change.tier} needs a reason")
        after = replace(after, tier=change.tier)
    if change.unassign:
        after = replace(after, assignee_id=None)
    elif change.assignee_id is not None:
        after = replace(after, assignee_id=change.assignee_id)
    if change.status is not None and change.status != ticket.status:
        lifecycle.check_transition(
            ticket.ref, ticket.status, change.status, resolved_at=ticket.resolved_at, now=now
        )
        after = _move(after, change.status, now)
    elif change.status is not None:
        raise lifecycle.TransitionRefused(ticket.ref, ticket.status, change.status)
    extra_changed = _plan_tags_and_sections(ticket, change)
    if extra_changed:
        after = replace(
            after,
            tags=(ticket.tags | change.add_tags) - change.remove_tags,
            note_sections=_merge_sections(ticket.note_sections, change.note_sections),
        )
    message = change.message
    if message is not None:
        if not message.body.strip():
            raise ChangeRefused(f"{ticket.ref}: the {message.kind.label.lower()} is empty")
        if ticket.status is Status.CLOSED:
            raise ChangeRefused(f"{ticket.ref}: the ticket is closed; open a follow-up ticket")
        if message.kind is MessageKind.REPLY:
            after = replace(
                after,
                first_response_at=after.first_response_at or now,
                last_update_at=now,
            )
    fields_changed = {
        name: (getattr(ticket, name), getattr(after, name))
        for name in ("status", "priority", "tier", "assignee_id")
        if getattr(ticket, name) != getattr(after, name)
    }
    fields_changed.update(extra_changed)
    if not fields_changed and message is None:
        raise ChangeRefused(f"{ticket.ref}: nothing to change")

    breaches = tuple(sla.breaches(ticket.sla_ticket(), policy, now))
    after = replace(after, version=ticket.version + 1)
    sla_now = sla_fields(after, policy)
    updates: dict[str, Any] = {
        name: getattr(after, name)
        for name in (
            "status",
            "priority",
            "tier",
            "assignee_id",
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
    if change.reason.strip():
        audit.append(AuditEntry(change.action, "reason", None, change.reason.strip()))
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
        tags=after.tags if "tags" in extra_changed else None,
        note_sections=tuple(
            (name, text) for name, text in change.note_sections if f"note.{name}" in extra_changed
        ),
    )


# --- Macros branch (issue 5) ---------------------------------------------------------------------
def _plan_tags_and_sections(
    ticket: TicketSnapshot, change: TicketChange
) -> dict[str, tuple[Any, Any]]:
    """Audit-style (old, new) pairs for tag and note-section edits: "tags", "note.<section>"."""
    changed: dict[str, tuple[Any, Any]] = {}
    for tag in change.add_tags | change.remove_tags:
        if not tag.strip() or tag != tag.strip() or "," in tag:
            raise ChangeRefused(f"{ticket.ref}: {tag!r} is not a tag (no commas or edge spaces)")
    tags = (ticket.tags | change.add_tags) - change.remove_tags
    if tags != ticket.tags:
        changed["tags"] = (_tag_text(ticket.tags), _tag_text(tags))
    current = dict(ticket.note_sections)
    for name, text in change.note_sections:
        if name not in NOTE_SECTIONS:
            known = ", ".join(NOTE_SECTIONS)
            raise ChangeRefused(f"{ticket.ref}: no note section {name!r}; the sections: {known}")
        if current.get(name, "") != text:
            changed[f"note.{name}"] = (current.get(name) or None, text or None)
    return changed


def _tag_text(tags: frozenset[str]) -> str | None:
    return ",".join(sorted(tags)) or None


def _merge_sections(
    current: tuple[tuple[str, str], ...], updates: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, str], ...]:
    merged = dict(current)
    merged.update(updates)
    return tuple(sorted((name, text) for name, text in merged.items() if text))


# --- end of macros branch block ----------------------------------------------------------------


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
