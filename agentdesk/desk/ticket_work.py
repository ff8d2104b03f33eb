"""Working a ticket: read it for the workspace, change it by the SOP, keep the agent's drafts.

Every change goes through the core's rules (core.changes.plan_change, which asks
core.actions) and the store's one write path (store.writes.apply_change): ticket row, audit
and outbox in one transaction. Who did it is desk.actor, everywhere. Blocking: front ends call
these in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from agentdesk.core.actions import Action, allowed_actions
from agentdesk.core.changes import (
    ChangePlan,
    NewMessage,
    PendingReason,
    TicketChange,
    TicketSnapshot,
)
from agentdesk.core.emergency import EscalationState
from agentdesk.core.errors import Refused
from agentdesk.core.escalation import EscalationMatrix
from agentdesk.core.note_template import StructuredNote, Taxonomy, sla_deadline
from agentdesk.core.ticket import MessageKind, Priority, Status, Tier
from agentdesk.core.verification import Factor, VerificationStatus, verification_status
from agentdesk.desk.base import Desk

if TYPE_CHECKING:
    from agentdesk.core.sla import SlaPolicy
    from agentdesk.store.rows import AgentRow
    from agentdesk.store.workspace_rows import TicketWorkspace

NO_AGENT = "No agent is set for this profile: set [agent] handle in its config file."

# What a read-only desk says it cannot do, by the change's action.
_DOING = {
    "reply": "send a reply",
    "internal_note": "add an internal note",
    "assign": "assign the ticket",
    "start": "start work on the ticket",
    "pend": "pend the ticket",
    "resolve": "resolve the ticket",
    "reopen": "reopen the ticket",
    "escalate": "escalate the ticket",
    "change_priority": "change the priority",
    "tag": "tag the ticket",
    "note": "save the structured note",
    "attach": "attach a file",
}


@dataclass(frozen=True)
class OpenedTicket:
    """Everything the ticket workspace shows, read in one transaction, and the data files
    its dialogs need (the note's taxonomy, the escalation matrix)."""

    workspace: TicketWorkspace
    taxonomy: Taxonomy
    escalation: EscalationMatrix
    escalation_agents: tuple[AgentRow, ...] = ()
    """The active agents of the tiers above the ticket's: whom the escalate dialog offers
    (besides each tier's queue)."""


def read_ticket(desk: Desk, ticket_id: int) -> OpenedTicket | None:
    """The ticket as the workspace shows it; None when it is not in this store."""
    from agentdesk.shipped import load_escalation, load_taxonomy
    from agentdesk.store.queries import active_agents
    from agentdesk.store.workspace import ticket_workspace

    taxonomy = load_taxonomy()
    escalation = load_escalation()
    with desk.reading(), desk.store.read() as connection:
        workspace = ticket_workspace(connection, ticket_id)
        if workspace is None:
            return None
        above = escalation.above(workspace.detail.tier)
        agents = tuple(active_agents(connection, above))
    if workspace.conversation_owed:
        desk.opened_first.add(ticket_id)  # the sync reads this one's conversation next
    # Issue 16: a customer record seen is an audit row (a supervisor's view says so).
    from agentdesk.desk.audit_trail import Event, record_event

    record_event(
        desk,
        Event.SUPERVISOR_VIEW if desk.read_only else Event.CUSTOMER_VIEW,
        resource=f"ticket {ticket_id}",
        required=False,
    )
    return OpenedTicket(workspace, taxonomy, escalation, agents)


def sla_policy(desk: Desk) -> SlaPolicy:
    """The SLA policy the store computes due times with (the clocks show the same)."""
    return desk.store.policy


def verification_now(desk: Desk, ticket: TicketSnapshot) -> VerificationStatus:
    """Where identity verification stands for the ticket's current interaction, now."""
    return verification_status(
        ticket.verification_attempts,
        now=desk.now(),
        policy=desk.store.verification,
        interaction_started_at=ticket.interaction_started_at,
    )


def note_deadline(desk: Desk, ticket: TicketSnapshot) -> str:
    """The note template's SLA deadline line for the ticket, now."""
    return sla_deadline(ticket.sla_ticket(), desk.store.policy, desk.now())


READ_ONLY_REASON = "monitoring mode is read-only"


def actions_now(
    desk: Desk, ticket: TicketSnapshot, escalation: EscalationState | None = None
) -> dict[Action, str | None]:
    """Every ticket action -> None when the desk's agent may take it now, else why not.
    escalation: the workspace's tier and at-risk facts (None: neither path is open).
    On a read-only desk (monitoring mode) every action is a write: none is open."""
    from agentdesk.desk.emergency import urgency
    from agentdesk.desk.shift import shift_gate

    if desk.read_only:
        return dict.fromkeys(Action, READ_ONLY_REASON)
    found = None if escalation is None else urgency(desk, ticket, escalation)
    return allowed_actions(
        ticket,
        desk.actor.tier,
        verification_now(desk, ticket),
        shift_gate(desk),
        sla_at_risk=found is not None and found.at_risk,
        tier_limit_passed=found is not None and found.tier_limit is not None,
    )


def demo_answers(desk: Desk, account_id: str) -> str:
    """In a demo profile, the customer's verification answers (so a trainee can pass the
    wizard); "" otherwise."""
    if not desk.settings.demo:
        return ""
    from agentdesk.demo import demo_answers as answers_for

    try:
        answers = answers_for(account_id)
    except ValueError:
        return ""
    return (
        f"last 4 {answers[Factor.PAYMENT_LAST4]} · born {answers[Factor.DATE_OF_BIRTH]}"
        f" · PIN {answers[Factor.PIN]}"
    )


def apply_change(desk: Desk, ticket_id: int, change: TicketChange) -> ChangePlan:
    """Any change, checked by the SOP and written with its audit and outbox rows."""
    from agentdesk.desk.shift import shift_gate
    from agentdesk.store.writes import apply_change as write

    with desk.writing(_DOING.get(change.action, "change the ticket")):
        # Taking a ticket waits for the shift's required start items (core.actions).
        gate = shift_gate(desk) if change.action in ("assign", "start") else None
        return write(
            desk.store, ticket_id, change, actor=desk.actor.handle, now=desk.now(), shift=gate
        )


def send_message(desk: Desk, ticket_id: int, kind: MessageKind, body: str) -> ChangePlan:
    """A reply to the customer or an internal note, written by the desk's agent."""
    actor = desk.actor
    action = "reply" if kind is MessageKind.REPLY else "internal_note"
    message = NewMessage(kind, body, actor.name, actor.agent_id)
    return apply_change(desk, ticket_id, TicketChange(action, message=message))


def assign_to_me(desk: Desk, ticket: TicketSnapshot) -> ChangePlan:
    """A New ticket becomes Assigned; any other open one changes hands."""
    agent_id = desk.actor.agent_id
    if agent_id is None:
        raise Refused(NO_AGENT)
    status = Status.ASSIGNED if ticket.status is Status.NEW else None
    return apply_change(
        desk, ticket.id, TicketChange("assign", status=status, assignee_id=agent_id)
    )


def start_work(desk: Desk, ticket: TicketSnapshot) -> ChangePlan:
    """In progress; an unassigned ticket is taken by the desk's agent on the way."""
    assignee = desk.actor.agent_id if ticket.assignee_id is None else None
    change = TicketChange("start", status=Status.IN_PROGRESS, assignee_id=assignee)
    return apply_change(desk, ticket.id, change)


def reopen(desk: Desk, ticket_id: int) -> ChangePlan:
    return apply_change(desk, ticket_id, TicketChange("reopen", status=Status.IN_PROGRESS))


def change_priority(desk: Desk, ticket_id: int, priority: Priority, reason: str) -> ChangePlan:
    change = TicketChange("change_priority", priority=priority, reason=reason)
    return apply_change(desk, ticket_id, change)


def note_change(
    desk: Desk, action: str, note: StructuredNote | None, **fields: object
) -> TicketChange:
    """A change that carries the structured note as the agent left it (written when it
    differs from the stored one), authored by the desk's agent."""
    actor = desk.actor
    return TicketChange(
        action,
        note=note,
        note_author=actor.name,
        note_agent_id=actor.agent_id,
        **fields,  # type: ignore[arg-type]
    )


def pend(
    desk: Desk, ticket_id: int, reason: PendingReason, note: StructuredNote | None
) -> ChangePlan:
    change = note_change(desk, "pend", note, status=Status.PENDING, pending_reason=reason)
    return apply_change(desk, ticket_id, change)


def resolve(
    desk: Desk, ticket_id: int, note: StructuredNote | None, *, accept_quality: bool = False
) -> ChangePlan:
    """accept_quality: the agent was told the 48-hour quality check will fail and resolves
    anyway (honoured only where the team's policy asks rather than refuses)."""
    change = note_change(
        desk, "resolve", note, status=Status.RESOLVED, accept_quality=accept_quality
    )
    return apply_change(desk, ticket_id, change)


def escalate(
    desk: Desk,
    ticket_id: int,
    tier: Tier,
    reason: str,
    note: StructuredNote | None,
    assignee_id: int | None = None,
) -> ChangePlan:
    """Hand the ticket to the tier: to the agent assignee_id (of that tier), or, without
    one, to the tier's queue, unassigned."""
    assignee_tier = None
    if assignee_id is not None:
        from agentdesk.store.queries import agent_by_id

        with desk.reading(), desk.store.read() as connection:
            agent = agent_by_id(connection, assignee_id)
        if agent is None:
            raise Refused(f"#{ticket_id}: no agent with id {assignee_id} in this helpdesk")
        assignee_tier = agent.tier
    change = note_change(
        desk,
        "escalate",
        note,
        tier=tier,
        reason=reason,
        assignee_id=assignee_id,
        assignee_tier=assignee_tier,
    )
    return apply_change(desk, ticket_id, change)


def save_note(desk: Desk, ticket_id: int, note: StructuredNote) -> ChangePlan:
    """The structured note (or, with no section written, only its tags)."""
    action = "tag" if note.is_empty else "note"
    return apply_change(desk, ticket_id, note_change(desk, action, note))


def save_draft(
    desk: Desk,
    ticket_id: int,
    slot: str,
    mode: str,
    body: str,
    *,
    at: datetime | None = None,
) -> None:
    """Keep the agent's unsent text (an empty text removes it). at: when it was typed (the
    front end's clock when it asked), else now."""
    from agentdesk.store.workspace import save_draft as keep

    with desk.writing("save the draft"):
        keep(desk.store, ticket_id, slot, mode, body, at or desk.now())
