"""The supervisor's escalation KPIs, computed from plain facts (the supervisor issue's
dashboard and report read these): escalation rate, time to L2 handoff, L3 involvement and
the notification delay after an SLA turned at risk.

Pure: the caller selects the tickets of the period (created in it) and passes them in; no
figure reads a clock. An empty period gives None, never a division by zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import mean, median

from agentdesk.core.ticket import Tier

NOTIFY_WITHIN = timedelta(minutes=15)
"""SOP: notify the on-duty manager within 15 minutes of the SLA turning at risk."""


@dataclass(frozen=True)
class Handoff:
    from_tier: Tier
    to_tier: Tier
    seconds_to_handoff: int
    """From the ticket's creation to this handoff (store: handoffs.seconds_to_handoff)."""


@dataclass(frozen=True)
class RiskEvent:
    """One time a ticket's SLA turned at risk, and when the on-duty manager was told."""

    ticket_id: int
    risk_began_at: datetime
    manager_notified_at: datetime | None = None


@dataclass(frozen=True)
class TicketEscalations:
    """A ticket of the period and its handoffs, oldest first."""

    ticket_id: int
    handoffs: tuple[Handoff, ...] = field(default=())


def escalation_rate(tickets: Sequence[TicketEscalations]) -> float | None:
    """Escalation rate, a fraction 0..1.

    Numerator: tickets of the period escalated at least once (any handoff to a higher tier).
    Denominator: all tickets of the period. None when there are none.
    """
    if not tickets:
        return None
    escalated = sum(1 for t in tickets if any(_upward(h) for h in t.handoffs))
    return escalated / len(tickets)


@dataclass(frozen=True)
class Durations:
    count: int
    mean: timedelta
    median: timedelta


def time_to_l2_handoff(tickets: Sequence[TicketEscalations]) -> Durations | None:
    """Time to L2 handoff: from the ticket's creation to its FIRST handoff to L2.

    Over: the tickets of the period handed to L2 at least once (one figure each; a ticket sent
    straight to L3 is not counted). None when no ticket reached L2.
    """
    seconds = [
        first.seconds_to_handoff
        for t in tickets
        if (first := next((h for h in t.handoffs if h.to_tier is Tier.L2), None)) is not None
    ]
    if not seconds:
        return None
    return Durations(
        len(seconds), timedelta(seconds=mean(seconds)), timedelta(seconds=median(seconds))
    )


def l3_involvement(tickets: Sequence[TicketEscalations]) -> float | None:
    """L3 involvement, a percentage 0..100.

    Numerator: tickets of the period handed to L3 at least once. Denominator: all tickets of
    the period. None when there are none.
    """
    if not tickets:
        return None
    reached = sum(1 for t in tickets if any(h.to_tier is Tier.L3 for h in t.handoffs))
    return 100.0 * reached / len(tickets)


@dataclass(frozen=True)
class NotificationDelay:
    notified: int
    """At-risk events whose manager was notified."""
    not_notified: int
    """At-risk events with no notification recorded (yet)."""
    mean: timedelta | None
    """Mean of (notified at - risk began) over the notified events."""
    median: timedelta | None
    within_target: float | None
    """Fraction of ALL events (notified or not) notified within 15 minutes."""


def notification_delay(
    events: Sequence[RiskEvent], target: timedelta = NOTIFY_WITHIN
) -> NotificationDelay | None:
    """Notification delay after risk: manager notified at minus the moment the risk began.

    mean/median over the events with a notification; within_target's numerator is the events
    notified within `target` (15 min), its denominator every at-risk event of the period (one
    never notified counts against it). None when there was no at-risk event.
    """
    if not events:
        return None
    delays = [
        max(e.manager_notified_at - e.risk_began_at, timedelta(0))
        for e in events
        if e.manager_notified_at is not None
    ]
    seconds = [d.total_seconds() for d in delays]
    return NotificationDelay(
        notified=len(delays),
        not_notified=len(events) - len(delays),
        mean=timedelta(seconds=mean(seconds)) if seconds else None,
        median=timedelta(seconds=median(seconds)) if seconds else None,
        within_target=sum(1 for d in delays if d <= target) / len(events),
    )


def _upward(handoff: Handoff) -> bool:
    order = list(Tier)
    return order.index(handoff.to_tier) > order.index(handoff.from_tier)
