"""The SLA-at-risk emergency path (SOP "Escalation Matrix and SLA Enforcement"): when a
ticket's SLA turns at risk, (1) notify the on-duty manager within 15 minutes, (2) open a P0
incident linked to the ticket (or link an open one for the same problem), (3) tell the
customer of the escalation with an ETR. Each step is recorded with its time.

Pure: the moment the risk began is the clock's at-risk time (core.sla), `now` is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from agentdesk.core.escalation import EscalationMatrix, TierLimit, tier_limit
from agentdesk.core.sla import Clock, ClockReading, Risk, SlaPolicy, next_due, risk

if TYPE_CHECKING:
    from agentdesk.core.changes import TicketSnapshot

NOTIFY_WITHIN = timedelta(minutes=15)
PARENT_INCIDENT = "parent_incident"
"""ticket_links.kind: the ticket's incident is other_ticket_id."""
SLA_RISK_MACRO = "escalation-sla-at-risk"
NOTIFY_WAYS = ("phone", "email", "chat", "in person")


class Step(StrEnum):
    NOTIFY = "notify"
    INCIDENT = "incident"
    INFORM = "inform"

    @property
    def label(self) -> str:
        return {
            "notify": "Notify the on-duty manager (within 15 min)",
            "incident": "Open a P0 incident linked to this ticket",
            "inform": "Tell the customer of the escalation, with an ETR",
        }[self.value]


@dataclass(frozen=True)
class RiskPath:
    """One time a clock of the ticket turned at risk, and the steps taken (store row)."""

    ticket_id: int
    clock: Clock
    risk_began_at: datetime
    notified_name: str = ""
    notified_role: str = ""
    notified_via: str = ""
    notified_at: datetime | None = None
    incident_ticket_id: int | None = None
    incident_at: datetime | None = None
    customer_informed_at: datetime | None = None
    etr: str = ""
    breach_noted_at: datetime | None = None

    def done_at(self, step: Step) -> datetime | None:
        return {
            Step.NOTIFY: self.notified_at,
            Step.INCIDENT: self.incident_at,
            Step.INFORM: self.customer_informed_at,
        }[step]

    @property
    def next_step(self) -> Step | None:
        return next((s for s in Step if self.done_at(s) is None), None)


def at_risk(reading: ClockReading | None, now: datetime) -> bool:
    """The path is open: the clock is at risk (or already breached)."""
    return reading is not None and risk(reading, now) in (Risk.AT_RISK, Risk.BREACHED)


def risk_began(reading: ClockReading) -> datetime | None:
    """The moment the risk began: the clock's at-risk time (None while paused)."""
    return reading.at_risk_at


def notify_by(risk_began_at: datetime) -> datetime:
    return risk_began_at + NOTIFY_WITHIN


def notify_countdown(
    risk_began_at: datetime, now: datetime, notified_at: datetime | None = None
) -> str:
    """The 15-minute countdown in whole minutes: '12 min left to notify the manager',
    '3 min overdue', or, once done, 'notified 4 min after the risk began'."""
    if notified_at is not None:
        taken = max(int((notified_at - risk_began_at).total_seconds()) // 60, 0)
        late = " (late)" if notified_at > notify_by(risk_began_at) else ""
        return f"notified {taken} min after the risk began{late}"
    left = notify_by(risk_began_at) - now
    seconds = int(left.total_seconds())
    if seconds > 0:
        minutes = seconds // 60
        return (
            f"{minutes} min left to notify the manager"
            if minutes
            else "under 1 min left to notify the manager"
        )
    return f"{(-seconds) // 60} min overdue: notify the manager now"


def notify_overdue(risk_began_at: datetime, now: datetime, notified_at: datetime | None) -> bool:
    return notified_at is None and now >= notify_by(risk_began_at)


def incident_subject(ticket_id: int, subject: str) -> str:
    return f"Incident (SLA at risk) #{ticket_id}: {subject}"


def breach_note(ticket_id: int, clock: Clock, due_at: datetime) -> str:
    """The internal note that documents a breach in the incident."""
    return (
        f"SLA breach on #{ticket_id}: the {clock.label.lower()} clock was due "
        f"{due_at.strftime('%Y-%m-%d %H:%M')} UTC and passed unmet."
    )


@dataclass(frozen=True)
class EscalationState:
    """What the ticket screen needs beyond the ticket for the tier limit and the at-risk path."""

    tier_since: datetime | None = None
    """When the ticket reached its current tier (its creation, or the last handoff to it)."""
    why_not_tiers: frozenset[str] = frozenset()
    """Tiers at which the agent recorded why the ticket stays (the flag is cleared there)."""
    risk_paths: tuple[RiskPath, ...] = ()
    """The at-risk paths walked on the ticket, the newest first."""
    incidents: tuple[int, ...] = ()
    """The ticket's parent incidents."""

    def path_for(self, clock: Clock, risk_began_at: datetime) -> RiskPath | None:
        return next(
            (p for p in self.risk_paths if p.clock is clock and p.risk_began_at == risk_began_at),
            None,
        )


@dataclass(frozen=True)
class Urgency:
    """What the queue and the ticket say about a ticket now: its SLA risk (and the moment it
    began) and its tier's passed time limit."""

    reading: ClockReading | None
    risk: Risk | None
    risk_began_at: datetime | None
    tier_limit: TierLimit | None
    path: RiskPath | None
    """The at-risk path of the current risk, when a step was taken."""

    @property
    def at_risk(self) -> bool:
        return self.risk in (Risk.AT_RISK, Risk.BREACHED) and self.risk_began_at is not None

    @property
    def message(self) -> str:
        """The ticket's line: '' when nothing is urgent."""
        parts = []
        if self.at_risk and self.risk_began_at is not None:
            began = self.risk_began_at.strftime("%H:%M")
            path = self.path
            if path is not None and path.next_step is None:
                parts.append(f"SLA at risk since {began} UTC: the emergency path is done")
            else:
                parts.append(f"SLA at risk since {began} UTC: press X for the emergency path")
        if self.tier_limit is not None:
            parts.append(self.tier_limit.message)
        return " · ".join(parts)


def urgency_of(
    ticket: TicketSnapshot,
    state: EscalationState,
    *,
    matrix: EscalationMatrix,
    policy: SlaPolicy,
    now: datetime,
) -> Urgency:
    reading = next_due(ticket.sla_ticket(), policy)
    level = None if reading is None else risk(reading, now)
    began = None if reading is None else risk_began(reading)
    limit = None
    if state.tier_since is not None:
        limit = tier_limit(
            matrix,
            tier=ticket.tier,
            priority=ticket.priority,
            status=ticket.status,
            tier_since=state.tier_since,
            now=now,
            why_not_recorded=ticket.tier.value in state.why_not_tiers,
        )
    path = None
    if reading is not None and began is not None:
        path = state.path_for(reading.clock, began)
    return Urgency(reading, level, began, limit, path)
