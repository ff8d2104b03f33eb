"""The roster's planned shifts, in the agent's own time zone, and how late or early a shift
started against them (recorded, never refused).

Pure: no IO, time is passed in (aware datetimes). The roster is read from its data file by
core.shift_files; adherence to a planned shift is core.shift's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from agentdesk.core.shift import PlannedShift

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
