"""The SLA-at-risk emergency path and the tier time limit, as use cases.

The ticket and the queue say when a ticket's SLA is at risk or its tier's time limit passed
(core.emergency.urgency_of); the at-risk screen walks the SOP's three steps through these
functions, each recorded with its time and audited: notify the on-duty manager (from the
published on-call roster), open or link a P0 incident, tell the customer the ETR with the
shipped escalation-sla-at-risk macro. A breach that comes anyway is documented in the
incident as an internal note.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from agentdesk.core.emergency import (
    NOTIFY_WAYS,
    SLA_RISK_MACRO,
    EscalationState,
    RiskPath,
    Urgency,
    breach_note,
    incident_subject,
    urgency_of,
)
from agentdesk.core.errors import Refused
from agentdesk.core.oncall import OnCall, on_duty, on_duty_manager
from agentdesk.core.sla import Clock
from agentdesk.core.ticket import Channel, Priority, Region, Status, Tier
from agentdesk.desk.base import Desk

if TYPE_CHECKING:
    from agentdesk.core.changes import TicketSnapshot
    from agentdesk.store.macros import AppliedMacro
    from agentdesk.store.rows import QueueRow


def urgency(desk: Desk, ticket: TicketSnapshot, state: EscalationState) -> Urgency:
    """The ticket's SLA risk and tier limit now (pure on what the screen already read)."""
    from agentdesk.shipped import load_escalation

    return urgency_of(
        ticket, state, matrix=load_escalation(), policy=desk.store.policy, now=desk.now()
    )


def tier_limit_check() -> Callable[[QueueRow, datetime], bool]:
    """For the queue's rows: is the row past its tier's time limit at that moment, with
    something the tier can do about it? A Pending ticket waits on the customer: its ⇧ would
    say "act" where nobody can (on half the rows of a day's queue); the ticket screen still
    names its limit and offers to record why not."""
    from agentdesk.core.escalation import tier_limit
    from agentdesk.shipped import load_escalation

    matrix = load_escalation()

    def passed(row: QueueRow, now: datetime) -> bool:
        if row.tier_since is None or row.status is Status.PENDING:
            return False
        found = tier_limit(
            matrix,
            tier=row.tier,
            priority=row.priority,
            status=row.status,
            tier_since=row.tier_since,
            now=now,
            why_not_recorded=row.tier_why_not,
        )
        return found is not None

    return passed


def record_why_not(desk: Desk, ticket_id: int, reason: str) -> Tier:
    """'Escalate or record why not': the reason the ticket stays at its tier past the limit.
    Clears the flag for that tier; returns the tier."""
    from agentdesk.store.emergency import escalation_state, record_tier_reason
    from agentdesk.store.writes import load_snapshot

    reason = reason.strip()
    with desk.writing("record why the ticket stays at its tier"):
        with desk.store.read() as connection:
            ticket = load_snapshot(connection, ticket_id)
            state = escalation_state(connection, ticket_id)
        if not reason:
            raise Refused(f"write why #{ticket_id} stays at {ticket.tier.value}")
        if urgency(desk, ticket, state).tier_limit is None:
            raise Refused(f"#{ticket_id} is within its tier's time limit")
        record_tier_reason(
            desk.store, ticket_id, ticket.tier, reason, actor=desk.actor.handle, now=desk.now()
        )
    return ticket.tier


@dataclass(frozen=True)
class AtRiskView:
    """What the at-risk screen shows: the ticket, the risk, the path so far, who is on duty."""

    ticket_id: int
    subject: str
    priority: Priority
    region: Region
    clock: Clock
    risk_began_at: datetime
    due_at: datetime | None
    path: RiskPath
    """The path so far (no step taken: all steps empty)."""
    manager: OnCall | None
    on_duty: tuple[OnCall, ...]
    open_incidents: tuple[tuple[int, str], ...]
    """(id, subject) of the open P0 incidents another ticket links to."""


def at_risk_view(desk: Desk, ticket_id: int) -> AtRiskView:
    """The path for the ticket's current risk; Refused when its SLA is not at risk."""
    from agentdesk.shipped import load_oncall
    from agentdesk.store.emergency import escalation_state, open_incidents
    from agentdesk.store.writes import load_snapshot

    with desk.reading(), desk.store.read() as connection:
        ticket = load_snapshot(connection, ticket_id)
        state = escalation_state(connection, ticket_id)
        incidents = tuple(i for i in open_incidents(connection) if i[0] != ticket_id)
    found = urgency(desk, ticket, state)
    if found.at_risk and found.reading is not None and found.risk_began_at is not None:
        path = found.path or RiskPath(ticket_id, found.reading.clock, found.risk_began_at)
        due_at = found.reading.due_at
    elif state.risk_paths:
        # The path's own steps can end the risk (the reply met the clock): show it, done.
        path, due_at = state.risk_paths[0], None
    else:
        raise Refused(f"#{ticket_id}: the SLA is not at risk")
    now = desk.now()
    roster = load_oncall(desk.settings.shift_folder)
    return AtRiskView(
        ticket_id=ticket_id,
        subject=ticket.subject,
        priority=ticket.priority,
        region=ticket.region,
        clock=path.clock,
        risk_began_at=path.risk_began_at,
        due_at=due_at,
        path=path,
        manager=on_duty_manager(roster, ticket.region, now),
        on_duty=tuple(on_duty(roster, ticket.region, now)),
        open_incidents=incidents,
    )


def notify_manager(desk: Desk, view: AtRiskView, name: str, role: str, via: str) -> datetime:
    """Step 1: record who was notified, how, and now as when. Returns the time recorded."""
    from agentdesk.store.emergency import record_step

    name, via = name.strip(), via.strip()
    if not name:
        raise Refused("name the manager you notified")
    if via not in NOTIFY_WAYS:
        raise Refused(f"say how the manager was notified: {', '.join(NOTIFY_WAYS)}")
    now = desk.now()
    with desk.writing("record the manager's notification"), desk.store.write() as connection:
        record_step(
            connection,
            view.ticket_id,
            view.clock,
            view.risk_began_at,
            actor=desk.actor.handle,
            now=now,
            audit=("sla_risk_notified", f"{name} ({role}) by {via}"),
            notified_name=name,
            notified_role=role,
            notified_via=via,
            notified_at=now,
        )
    return now


def create_incident(desk: Desk, view: AtRiskView, description: str) -> int:
    """Step 2: a new P0 incident ticket for the same customer, linked as the ticket's parent
    incident. Returns the incident's id (it reaches the helpdesk through the outbox)."""
    from agentdesk.store.emergency import customer_of, incident_step
    from agentdesk.store.new_ticket import insert_ticket
    from agentdesk.store.queries import ticket_detail

    description = description.strip()
    if not description:
        raise Refused("describe the problem for the incident")
    now = desk.now()
    actor = desk.actor.handle
    with desk.writing("open the incident"):
        with desk.store.read() as connection:
            customer_id = customer_of(connection, view.ticket_id)
            detail = ticket_detail(connection, view.ticket_id)
        channel = detail.channel if detail is not None else Channel.EMAIL
        # One transaction: the incident, its link and the step, or none of them (an
        # unlinked P0 left behind by a failed link would be an incident nobody follows).
        with desk.store.write() as connection:
            incident_id = insert_ticket(
                connection,
                desk.store.policy,
                subject=incident_subject(view.ticket_id, view.subject),
                customer_id=customer_id,
                priority=Priority.P0,
                channel=channel,
                region=view.region,
                body=description,
                actor=actor,
                now=now,
            )
            incident_step(
                connection,
                view.ticket_id,
                view.clock,
                view.risk_began_at,
                incident_id,
                actor=actor,
                now=now,
                said=f"#{incident_id} opened",
            )
    return incident_id


def link_open_incident(desk: Desk, view: AtRiskView, incident_id: int) -> None:
    """Step 2, the other way: link the ticket to an open incident for the same problem."""
    from agentdesk.store.emergency import incident_step, open_incidents

    now = desk.now()
    actor = desk.actor.handle
    with desk.writing("link the incident"), desk.store.write() as connection:
        if incident_id not in {i for i, _ in open_incidents(connection)}:
            raise Refused(f"#{incident_id} is not an open P0 incident")
        incident_step(
            connection,
            view.ticket_id,
            view.clock,
            view.risk_began_at,
            incident_id,
            actor=actor,
            now=now,
            said=f"linked to #{incident_id}",
        )


def customer_message(desk: Desk, ticket_id: int, etr: str) -> tuple[str, tuple[str, ...]]:
    """The macro's reply as the customer will read it (its preview), and the placeholders
    still without a value."""
    from agentdesk.core.macros.placeholders import render
    from agentdesk.desk.macros import macro_view

    view = macro_view(desk, ticket_id)
    assert view is not None  # no `unless`: always a view
    macro = view.library.get(SLA_RISK_MACRO)
    if macro is None:
        raise Refused(f"the macro {SLA_RISK_MACRO} is not in the macro library")
    rendered = render(macro.body, {**view.values, "ticket.etr": etr.strip()})
    return rendered.text.strip(), rendered.missing


def inform_customer(desk: Desk, view: AtRiskView, etr: str) -> AppliedMacro:
    """Step 3: the shipped escalation-sla-at-risk macro with its placeholders filled (the ETR
    given here), then the step recorded with its time."""
    from agentdesk.desk.macros import apply_macro, macro_view
    from agentdesk.store.emergency import record_step

    etr = etr.strip()
    if not etr:
        raise Refused("give the customer an ETR (estimated time of resolution)")
    macros = macro_view(desk, view.ticket_id)
    assert macros is not None
    macro = macros.library.get(SLA_RISK_MACRO)
    if macro is None:
        raise Refused(f"the macro {SLA_RISK_MACRO} is not in the macro library")
    applied = apply_macro(desk, view.ticket_id, macro, {**macros.values, "ticket.etr": etr})
    now = desk.now()
    with desk.writing("record that the customer was told"), desk.store.write() as connection:
        record_step(
            connection,
            view.ticket_id,
            view.clock,
            view.risk_began_at,
            actor=desk.actor.handle,
            now=now,
            audit=("sla_risk_customer_informed", etr),
            customer_informed_at=now,
            etr=etr,
        )
    return applied


def document_breaches(desk: Desk) -> int:
    """Each breach recorded after a risk whose path opened an incident becomes an internal
    note in that incident (once). Returns how many were written."""
    from agentdesk.core.changes import NewMessage, TicketChange
    from agentdesk.core.ticket import MessageKind
    from agentdesk.store.emergency import breaches_to_document, record_step
    from agentdesk.store.writes import apply_change

    actor = desk.actor
    with desk.writing("document the breach in the incident"):
        with desk.store.read() as connection:
            found = breaches_to_document(connection)
        done: set[tuple[int, Clock, datetime]] = set()
        for path, clock, due in found:
            key = (path.ticket_id, path.clock, path.risk_began_at)
            if key in done or path.incident_ticket_id is None:
                continue
            body = breach_note(path.ticket_id, Clock(clock), due)
            change = TicketChange(
                "internal_note",
                message=NewMessage(MessageKind.INTERNAL_NOTE, body, actor.name, actor.agent_id),
            )
            now = desk.now()
            apply_change(desk.store, path.incident_ticket_id, change, actor=actor.handle, now=now)
            with desk.store.write() as connection:
                record_step(
                    connection,
                    path.ticket_id,
                    path.clock,
                    path.risk_began_at,
                    actor=actor.handle,
                    now=now,
                    audit=("sla_risk_breach_noted", f"#{path.incident_ticket_id}"),
                    breach_noted_at=now,
                )
            done.add(key)
    return len(done)
