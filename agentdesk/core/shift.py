"""The shift: its checklists, the gate before taking tickets, presence, adherence, the end.

Pure: no IO, time is passed in (aware datetimes). The checklists, the roster and the
announcements are read from data files by core.shift_files; the desk (desk/shift.py) runs the
automatic checks and stores what happened.

Schedule adherence (the supervisor KPI, target 92%): of the planned shift time (planned start
to planned end, breaks included), the share the agent spent in an allowed state. During planned
working time the allowed states are available, in training/meeting and wrap-up; during a planned
break, on break or signed off (no shift open). Time before the actual start, after the actual
end, and on break outside a planned break is not adherent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from agentdesk.core.ticket import Priority


class Phase(StrEnum):
    START = "start"
    END = "end"


class Presence(StrEnum):
    AVAILABLE = "available"
    BREAK = "on_break"
    TRAINING = "training"
    WRAP_UP = "wrap_up"

    @property
    def label(self) -> str:
        return {
            Presence.AVAILABLE: "available",
            Presence.BREAK: "on break",
            Presence.TRAINING: "in training/meeting",
            Presence.WRAP_UP: "wrap-up",
        }[self]


# The automatic checks of the start checklist, run by the program (desk/shift_checks.py).
START_CHECKS = ("helpdesk", "clock", "keyring", "outbox", "command")
# Manual items the program ticks itself once their condition holds.
SELF_TICKING = ("announcements", "priority_queue")
# End items the program works out from the shift's records.
END_CHECKS = ("wrap_up", "dispositions", "handovers")

CLOCK_TOLERANCE = timedelta(seconds=30)
OFFLINE = "working offline"
"""How a helpdesk check that could not reach the helpdesk begins its reason: it passes (the
program works offline) but shows as a warning."""


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    phase: Phase
    label: str
    check: str = ""
    """The automatic check (START_CHECKS, END_CHECKS) or a self-ticking one; "" = manual."""
    required: bool = True
    help: str = ""

    @property
    def automatic(self) -> bool:
        return self.check in START_CHECKS or self.check in END_CHECKS


@dataclass(frozen=True)
class TeamCommand:
    """A team-defined check (a VPN status command): passes when it exits 0 in time."""

    argv: tuple[str, ...]
    timeout: float = 10.0


@dataclass(frozen=True)
class Checklist:
    start: tuple[ChecklistItem, ...]
    end: tuple[ChecklistItem, ...]
    command: TeamCommand | None = None

    @property
    def items(self) -> tuple[ChecklistItem, ...]:
        return self.start + self.end


@dataclass(frozen=True)
class Announcement:
    id: str
    title: str
    body: str
    starts: date
    ends: date

    def current(self, today: date) -> bool:
        return self.starts <= today <= self.ends


def current_announcements(
    announcements: Iterable[Announcement], today: date
) -> tuple[Announcement, ...]:
    return tuple(a for a in announcements if a.current(today))


@dataclass(frozen=True)
class ItemState:
    """One checklist item in one shift: ticked (or passed) when, with what result."""

    item: ChecklistItem
    done_at: datetime | None = None
    passed: bool | None = None
    """Automatic items: the last result (None: not run yet)."""
    reason: str = ""
    seconds: float | None = None

    @property
    def done(self) -> bool:
        if self.item.automatic:
            return bool(self.passed)
        return self.done_at is not None

    @property
    def mark(self) -> str:
        if self.done:
            return "!" if self.reason.startswith(OFFLINE) else "✓"
        if self.item.automatic and self.passed is False:
            return "✗"
        return "·"


def missing_required(states: Iterable[ItemState], phase: Phase) -> tuple[str, ...]:
    """Labels of the phase's required items that are not done, in checklist order."""
    return tuple(
        s.item.label for s in states if s.item.phase is phase and s.item.required and not s.done
    )


@dataclass(frozen=True)
class ShiftGate:
    """Whether the agent may take tickets: a shift open, its required start items done."""

    enforced: bool
    open: bool = False
    missing: tuple[str, ...] = ()


NO_SHIFT = "no shift is open: start your shift (the start checklist) before taking tickets"


def take_refusal(gate: ShiftGate | None) -> str | None:
    """Why the agent may not take a ticket (assign, start work) now, or None."""
    if gate is None or not gate.enforced:
        return None
    if not gate.open:
        return NO_SHIFT
    if gate.missing:
        return "the start checklist is not done; required: " + ", ".join(gate.missing)
    return None


# Presence and adherence.


@dataclass(frozen=True)
class Interval:
    state: Presence
    start: datetime
    end: datetime | None = None
    """None: still in this state."""


Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class PlannedShift:
    start: datetime
    end: datetime
    breaks: tuple[Span, ...] = ()

    @property
    def length(self) -> timedelta:
        return self.end - self.start


def time_in_states(intervals: Iterable[Interval], now: datetime) -> dict[Presence, timedelta]:
    totals = dict.fromkeys(Presence, timedelta(0))
    for interval in intervals:
        end = interval.end or now
        if end > interval.start:
            totals[interval.state] += end - interval.start
    return totals


_WORKING = frozenset({Presence.AVAILABLE, Presence.TRAINING, Presence.WRAP_UP})


def _overlap(a: Span, b: Span) -> timedelta:
    start, end = max(a[0], b[0]), min(a[1], b[1])
    return end - start if end > start else timedelta(0)


def adherent_time(plan: PlannedShift, intervals: Sequence[Interval], now: datetime) -> timedelta:
    """Time in an allowed state within the planned shift (see the module's docstring)."""
    window: Span = (plan.start, min(plan.end, now))
    if window[1] <= window[0]:
        return timedelta(0)
    breaks = [(max(s, window[0]), min(e, window[1])) for s, e in plan.breaks]
    breaks = [b for b in breaks if b[1] > b[0]]
    total = timedelta(0)
    present_in_breaks = timedelta(0)
    for interval in intervals:
        span: Span = (interval.start, interval.end or now)
        inside = _overlap(span, window)
        in_breaks = sum((_overlap(span, b) for b in breaks), timedelta(0))
        present_in_breaks += in_breaks
        if interval.state in _WORKING:
            total += inside - in_breaks
        elif interval.state is Presence.BREAK:
            total += in_breaks
    # Signed off during a planned break is allowed too.
    break_time = sum((b[1] - b[0] for b in breaks), timedelta(0))
    return total + max(break_time - present_in_breaks, timedelta(0))


def adherence(plan: PlannedShift, intervals: Sequence[Interval], now: datetime) -> float | None:
    """Adherent time / planned shift time (0..1); None for an empty plan."""
    length = plan.length
    if length <= timedelta(0):
        return None
    return adherent_time(plan, intervals, now) / length


def adherence_so_far(
    plan: PlannedShift, intervals: Sequence[Interval], now: datetime
) -> float | None:
    """The same rule over the planned time gone by (a supervisor's view of a shift that is
    still running); None before the planned start."""
    gone = min(plan.end, now) - plan.start
    if gone <= timedelta(0):
        return None
    return adherent_time(plan, intervals, now) / gone


# The roster: planned shifts in the agent's own time zone.


@dataclass(frozen=True)
class RosterEntry:
    handle: str
    time_zone: str
    start: time
    end: time
    """Before start: the shift ends the next day."""
    breaks: tuple[tuple[time, time], ...] = ()
    days: frozenset[int] = frozenset(range(7))
    """Weekdays the shift starts on (Monday 0)."""


def _at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The wall-clock time on that day, in UTC (a time in a DST gap lands after it). UTC,
    because Python subtracts two datetimes of one zone by wall clock, which is wrong across a
    DST change."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def planned_on(entry: RosterEntry, day: date) -> PlannedShift:
    """The shift that starts on this local day (ends the next day when it crosses midnight)."""
    zone = ZoneInfo(entry.time_zone)
    end_day = day + timedelta(days=1) if entry.end <= entry.start else day

    def moment(clock: time) -> datetime:
        on = day if clock >= entry.start else end_day
        return _at(on, clock, zone)

    return PlannedShift(
        start=_at(day, entry.start, zone),
        end=_at(end_day, entry.end, zone),
        breaks=tuple((moment(s), moment(e)) for s, e in entry.breaks),
    )


def planned_shift_for(entry: RosterEntry, now: datetime) -> PlannedShift | None:
    """The planned shift around now: the one running, else the next one starting today,
    else the last one that ended today; None when the agent is not rostered near now."""
    today = now.astimezone(ZoneInfo(entry.time_zone)).date()
    candidates = [
        planned_on(entry, day)
        for day in (today - timedelta(days=1), today, today + timedelta(days=1))
        if day.weekday() in entry.days
    ]
    for plan in candidates:
        if plan.start <= now < plan.end:
            return plan
    local = ZoneInfo(entry.time_zone)
    same_day = [p for p in candidates if p.start.astimezone(local).date() == today]
    upcoming = [p for p in same_day if p.start > now]
    if upcoming:
        return upcoming[0]
    return same_day[-1] if same_day else None


def start_offset(plan: PlannedShift | None, started_at: datetime) -> timedelta | None:
    """How late (positive) or early (negative) the shift started; recorded, never refused."""
    return None if plan is None else started_at - plan.start


def describe_offset(offset: timedelta | None) -> str:
    if offset is None:
        return "no planned shift in the roster"
    minutes = round(offset.total_seconds() / 60)
    if minutes == 0:
        return "on time"
    return f"{abs(minutes)} min {'late' if minutes > 0 else 'early'}"


# The end of the shift.


class Disposition(StrEnum):
    FOLLOW_UP = "follow_up"
    HANDOVER = "handover"
    LEFT = "left_assigned"

    @property
    def label(self) -> str:
        return {
            Disposition.FOLLOW_UP: "follow-up",
            Disposition.HANDOVER: "handed over",
            Disposition.LEFT: "left assigned",
        }[self]


@dataclass(frozen=True)
class EndTicket:
    """One ticket the agent holds or worked on this shift, as the end of shift sees it."""

    id: int
    subject: str
    priority: Priority
    assigned_to_me: bool
    unsent_drafts: tuple[str, ...] = ()
    """The slots with unsent text ("composer", "note")."""
    note_missing: tuple[str, ...] = ()
    """Labels of the structured note's empty parts, when the agent wrote a partial note."""
    disposition: Disposition | None = None

    @property
    def ref(self) -> str:
        return f"#{self.id}"


def ticket_blockers(ticket: EndTicket) -> tuple[str, ...]:
    """What keeps this ticket from letting the shift close; a handover resolves each."""
    if ticket.disposition is Disposition.HANDOVER:
        return ()
    found = []
    if ticket.unsent_drafts:
        found.append(f"{ticket.ref}: unsent draft ({', '.join(ticket.unsent_drafts)})")
    if ticket.note_missing:
        found.append(
            f"{ticket.ref}: structured note incomplete (missing {', '.join(ticket.note_missing)})"
        )
    if ticket.priority in (Priority.P0, Priority.P1) and ticket.assigned_to_me:
        found.append(f"{ticket.ref}: {ticket.priority.value} with no handover")
    return tuple(found)


def end_item_done(check: str, tickets: Sequence[EndTicket], wrap_up: str) -> bool:
    """The derived end items: a wrap-up written, every held ticket given a disposition,
    every P0/P1 handed over."""
    if check == "wrap_up":
        return bool(wrap_up.strip())
    held = [t for t in tickets if t.assigned_to_me]
    if check == "dispositions":
        return all(t.disposition is not None for t in held)
    if check == "handovers":
        return all(
            t.disposition is Disposition.HANDOVER
            for t in held
            if t.priority in (Priority.P0, Priority.P1)
        )
    return False


@dataclass(frozen=True)
class EndReview:
    tickets: tuple[EndTicket, ...]
    blockers: tuple[str, ...]
    items: tuple[ItemState, ...] = field(default=())

    @property
    def may_close(self) -> bool:
        return not self.blockers


def end_review(
    tickets: Sequence[EndTicket], end_items: Sequence[ChecklistItem], wrap_up: str, now: datetime
) -> EndReview:
    """Everything that stops the shift closing: ticket blockers first, then the end
    checklist's required items not done."""
    items = tuple(
        ItemState(item, passed=end_item_done(item.check, tickets, wrap_up))
        if item.check in END_CHECKS
        else ItemState(item)
        for item in end_items
    )
    blockers = [b for t in tickets for b in ticket_blockers(t)]
    blockers += [f"end checklist: {label}" for label in missing_required(items, Phase.END)]
    return EndReview(tuple(tickets), tuple(blockers), items)


# Handovers travel as internal notes whose first line says who they are for.

_HANDOVER_LINE = re.compile(
    r"^Handover from (?P<sender>\S+) to (?:(?P<agent>@\S+)|queue (?P<queue>\S+))$"
)


@dataclass(frozen=True)
class Handover:
    sender: str
    to_agent: str = ""
    to_queue: str = ""
    note: str = ""

    def addressed_to(self, handle: str) -> bool:
        return self.to_agent == handle or bool(self.to_queue)

    @property
    def target(self) -> str:
        return f"@{self.to_agent}" if self.to_agent else f"queue {self.to_queue}"


def handover_body(handover: Handover) -> str:
    return f"Handover from {handover.sender} to {handover.target}\n\n{handover.note.strip()}"


def parse_handover(body: str) -> Handover | None:
    first, _, rest = body.partition("\n")
    found = _HANDOVER_LINE.match(first.strip())
    if found is None:
        return None
    agent = found.group("agent")
    return Handover(
        sender=found.group("sender"),
        to_agent=agent[1:] if agent else "",
        to_queue=found.group("queue") or "",
        note=rest.strip(),
    )


def checklist_lines(states: Sequence[ItemState]) -> list[str]:
    """The checklist as text lines, the same in the CLI and the logs."""
    lines = []
    for state in states:
        kind = "auto" if state.item.automatic else "manual"
        need = "required" if state.item.required else "advisory"
        detail = f" — {state.reason}" if state.reason else ""
        took = f" ({state.seconds:.1f} s)" if state.seconds is not None else ""
        lines.append(f"[{state.mark}] {state.item.label} ({kind}, {need}){detail}{took}")
    return lines


def by_id(states: Iterable[ItemState]) -> Mapping[str, ItemState]:
    return {state.item.id: state for state in states}
