"""SLA clocks: first response, P0 update cadence and resolution, with Pending pauses.

Pure: no IO; `now` is always passed in and every datetime must be timezone-aware.
Targets and the at-risk threshold come from data/sla.toml (read by core/sla_toml.py),
business hours from data/business_hours.toml. The queue's order by SLA risk is
core/queue_order.py. Their names are re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from agentdesk.core.business_hours import BusinessCalendar, Pause, require_aware
from agentdesk.core.errors import BadInput
from agentdesk.core.queue_order import QUEUE_BANDS, QueueOrderKey, queue_order_key
from agentdesk.core.ticket import Priority, Region, Status


class Clock(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_UPDATE = "next_update"
    RESOLUTION = "resolution"

    @property
    def label(self) -> str:
        return {
            Clock.FIRST_RESPONSE: "First response",
            Clock.NEXT_UPDATE: "Next update",
            Clock.RESOLUTION: "Resolution",
        }[self]


class Risk(StrEnum):
    OK = "ok"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    PAUSED = "paused"


@dataclass(frozen=True)
class SlaTarget:
    minutes: int
    business_hours: bool
    """True: counted on the region's business hours; False: on a 24x7 clock."""

    @property
    def seconds(self) -> float:
        return self.minutes * 60.0


class SlaPolicyError(BadInput, ValueError):
    """sla.toml cannot be used; the message names the file and key."""


@dataclass(frozen=True)
class SlaPolicy:
    targets: Mapping[Priority, Mapping[Clock, SlaTarget]]
    at_risk_fraction: float
    """A clock is at risk once the business time left falls to this fraction of its target."""
    calendars: Mapping[Region, BusinessCalendar]

    def target(self, priority: Priority, clock: Clock) -> SlaTarget | None:
        return self.targets.get(priority, {}).get(clock)

    def calendar_for(self, priority: Priority, region: Region, clock: Clock) -> BusinessCalendar:
        target = self.targets[priority][clock]
        if not target.business_hours:
            return BusinessCalendar.always_open()
        return self.calendars[region]


@dataclass(frozen=True)
class SlaTicket:
    """What the SLA engine needs to know about a ticket."""

    priority: Priority
    region: Region
    status: Status
    created_at: datetime
    first_response_at: datetime | None = None
    """First public reply."""
    last_update_at: datetime | None = None
    """Last public reply: the P0 update cadence runs from it."""
    resolved_at: datetime | None = None
    pauses: tuple[Pause, ...] = ()
    """Pending intervals; the last one is open while the ticket is Pending."""

    def __post_init__(self) -> None:
        require_aware(self.created_at, "created_at")
        for name in ("first_response_at", "last_update_at", "resolved_at"):
            value = getattr(self, name)
            if value is not None:
                require_aware(value, name)
        for start, end in self.pauses:
            require_aware(start, "pause start")
            if end is not None:
                require_aware(end, "pause end")

    @property
    def paused(self) -> bool:
        return self.status is Status.PENDING or any(end is None for _, end in self.pauses)


@dataclass(frozen=True)
class ClockReading:
    clock: Clock
    due_at: datetime | None
    """None while paused."""
    at_risk_at: datetime | None
    """None while paused."""
    paused: bool


@dataclass(frozen=True)
class Breach:
    clock: Clock
    due_at: datetime


def _update_anchor(
    ticket: SlaTicket, first_response_at: datetime, cutoff: datetime | None
) -> datetime:
    """The start of the current update cycle: the last public reply, or the end of the
    latest pause if the ticket came back from Pending later than that."""
    anchor = max(first_response_at, ticket.last_update_at or first_response_at)
    for _, end in ticket.pauses:
        if end is not None and (cutoff is None or end <= cutoff) and end > anchor:
            anchor = end
    return anchor


def _clock_starts(
    ticket: SlaTicket, policy: SlaPolicy, cutoff: datetime | None
) -> Iterator[tuple[Clock, datetime, datetime | None]]:
    """(clock, start, met_at) for each clock that applies to the ticket's priority.

    NEXT_UPDATE is never met: a reply starts a new cycle, which is the one reported.
    """
    yield Clock.FIRST_RESPONSE, ticket.created_at, ticket.first_response_at
    if (
        policy.target(ticket.priority, Clock.NEXT_UPDATE) is not None
        and ticket.first_response_at is not None
    ):
        anchor = _update_anchor(ticket, ticket.first_response_at, cutoff)
        yield Clock.NEXT_UPDATE, anchor, None
    yield Clock.RESOLUTION, ticket.created_at, ticket.resolved_at


def clocks(ticket: SlaTicket, policy: SlaPolicy) -> list[ClockReading]:
    """The clocks still running or paused (not yet met); none for resolved/closed tickets."""
    if not ticket.status.is_open:
        return []
    paused = ticket.paused
    readings: list[ClockReading] = []
    for clock, start, met_at in _clock_starts(ticket, policy, None):
        if met_at is not None:
            continue
        if paused:
            readings.append(ClockReading(clock, None, None, paused=True))
            continue
        target = policy.targets[ticket.priority][clock]
        calendar = policy.calendar_for(ticket.priority, ticket.region, clock)
        due = calendar.add(start, target.seconds, ticket.pauses)
        at_risk = calendar.add(start, target.seconds * (1 - policy.at_risk_fraction), ticket.pauses)
        readings.append(ClockReading(clock, due, at_risk, paused=False))
    return readings


def next_due(ticket: SlaTicket, policy: SlaPolicy) -> ClockReading | None:
    """The running clock due first; a paused reading if all are paused; None if none runs."""
    readings = clocks(ticket, policy)
    running = [r for r in readings if r.due_at is not None]
    if running:
        return min(running, key=lambda r: r.due_at or datetime.max.replace(tzinfo=UTC))
    return readings[0] if readings else None


def risk(reading: ClockReading, now: datetime) -> Risk:
    require_aware(now, "now")
    if reading.paused or reading.due_at is None:
        return Risk.PAUSED
    if now >= reading.due_at:
        return Risk.BREACHED
    if reading.at_risk_at is not None and now >= reading.at_risk_at:
        return Risk.AT_RISK
    return Risk.OK


def time_left(reading: ClockReading, now: datetime) -> timedelta | None:
    """Time until due (negative once breached); None while paused."""
    require_aware(now, "now")
    if reading.paused or reading.due_at is None:
        return None
    return reading.due_at - now


def breaches(ticket: SlaTicket, policy: SlaPolicy, now: datetime) -> list[Breach]:
    """Every clock whose due passed before it was met: met late, or still unmet at `now`.

    Clocks stop when a resolved or closed ticket was resolved. For NEXT_UPDATE only the
    current update cycle is judged; earlier cycles were recorded when they happened.
    """
    require_aware(now, "now")
    stop = ticket.resolved_at if not ticket.status.is_open else None
    found: list[Breach] = []
    clock_stop = now if stop is None else min(stop, now)
    for clock, start, met_at in _clock_starts(ticket, policy, clock_stop):
        ends = [t for t in (met_at, stop, now) if t is not None]
        cutoff = min(ends)
        # Pauses after the cutoff cannot move a deadline that already passed; an open
        # pause counts only up to the cutoff.
        pauses = tuple(
            (s, cutoff if e is None or e > cutoff else e) for s, e in ticket.pauses if s < cutoff
        )
        target = policy.targets[ticket.priority][clock]
        calendar = policy.calendar_for(ticket.priority, ticket.region, clock)
        due = calendar.add(start, target.seconds, pauses)
        if due <= cutoff:
            found.append(Breach(clock, due))
    return found


def breached_by(
    ticket: SlaTicket, recorded: Sequence[Breach], clock: Clock, now: datetime
) -> timedelta | None:
    """How late the clock was, by its latest recorded breach; None when none is recorded.

    A recorded breach stays a breach: answering or resolving later ends the lateness, never
    the breach. The lateness runs from the due time to when the clock was met (the first
    reply, the resolve; for the update cadence, the last public reply after the due time),
    to the resolve that stopped the clocks, or to now if neither happened yet.
    """
    require_aware(now, "now")
    dues = [b.due_at for b in recorded if b.clock is clock]
    if not dues:
        return None
    due = max(dues)
    met_at = {
        Clock.FIRST_RESPONSE: ticket.first_response_at,
        Clock.NEXT_UPDATE: ticket.last_update_at,
        Clock.RESOLUTION: ticket.resolved_at,
    }[clock]
    stopped = None if ticket.status.is_open else ticket.resolved_at
    ends = [t for t in (met_at, stopped, now) if t is not None and t >= due]
    return min(ends) - due if ends else timedelta(0)


def format_lateness(late: timedelta) -> str:
    """'breached by 20m', 'breached by 1h05m' (whole minutes, as format_time_left)."""
    return f"breached by {format_time_left(abs(late)).lstrip('-')}"


def start_pause(pauses: tuple[Pause, ...], now: datetime) -> tuple[Pause, ...]:
    """Pause every clock (the ticket went Pending)."""
    require_aware(now, "now")
    if any(end is None for _, end in pauses):
        raise ValueError("the SLA clocks are already paused")
    if pauses:
        last_end = pauses[-1][1]
        if last_end is not None and now < last_end:
            raise ValueError(
                f"cannot pause at {now.isoformat()}: the last pause ended later, "
                f"at {last_end.isoformat()}"
            )
    return (*pauses, (now.astimezone(UTC), None))


def end_pause(pauses: tuple[Pause, ...], now: datetime) -> tuple[Pause, ...]:
    """Resume the clocks (the ticket left Pending)."""
    require_aware(now, "now")
    if not pauses or pauses[-1][1] is not None:
        raise ValueError("the SLA clocks are not paused")
    start = pauses[-1][0]
    if now < start:
        raise ValueError(
            f"cannot resume at {now.isoformat()}: the pause started later, at {start.isoformat()}"
        )
    return (*pauses[:-1], (start, now.astimezone(UTC)))


def format_time_left(delta: timedelta | None) -> str:
    """Fits a 9-character cell: 'paused', '12m', '1h05m', '3d04h', '-12m'. Whole minutes
    toward zero, so '0m' means under a minute left and '-0m' under a minute late."""
    if delta is None:
        return "paused"
    sign = "-" if delta < timedelta(0) else ""
    minutes = int(abs(delta).total_seconds()) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days >= 1000:
        return f"{sign}999d+"
    if days:
        return f"{sign}{days}d{hours:02d}h"
    if hours:
        return f"{sign}{hours}h{mins:02d}m"
    return f"{sign}{mins}m"


__all__ = [
    "QUEUE_BANDS",
    "Breach",
    "Clock",
    "ClockReading",
    "QueueOrderKey",
    "Risk",
    "SlaPolicy",
    "SlaPolicyError",
    "SlaTarget",
    "SlaTicket",
    "breached_by",
    "breaches",
    "clocks",
    "end_pause",
    "format_lateness",
    "format_time_left",
    "next_due",
    "queue_order_key",
    "risk",
    "start_pause",
    "time_left",
]
