"""The shift: its checklists, the gate before taking tickets, presence and adherence.

Pure: no IO, time is passed in (aware datetimes). The checklists, the roster and the
announcements are read from data files by core.shift_files; the desk (desk/shift.py) runs the
automatic checks and stores what happened. The roster's planned shifts are in
core.shift_roster, the end of the shift and its handovers in core.shift_end.

Schedule adherence (the supervisor KPI, target 92%): of the planned shift time (planned start
to planned end, breaks included), the share the agent spent in an allowed state. During planned
working time the allowed states are available, in training/meeting and wrap-up; during a planned
break, on break or signed off (no shift open). Time before the actual start, after the actual
end, and on break outside a planned break is not adherent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum


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
