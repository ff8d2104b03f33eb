"""Business hours per region, and business-time arithmetic across weekends, holidays and DST.

Pure: no IO. Every instant is timezone-aware; naive datetimes are refused with ValueError.
Open intervals are local wall-clock times, converted to UTC one local day at a time, so a
day on which the clocks change has exactly as many real seconds open as the wall clock says.
The calendars are read from business_hours.toml by core/business_hours_toml.py (its names
are re-exported here).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from agentdesk.core.errors import BadInput

Pause = tuple[datetime, datetime | None]
"""A pause of the SLA clocks (a Pending interval): (start, end); end None = still paused."""

Interval = tuple[time, time]
"""Local opening interval. An end of 00:00 means midnight at the end of the day ("24:00")."""

DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# add() gives up after this much calendar time: a calendar whose holidays close every day
# would otherwise loop for ever.
HORIZON = timedelta(days=2 * 366)

_ONE_DAY = timedelta(days=1)
MIDNIGHT = time(0, 0)
# Stands in for "no end" of an open pause; only ever compared, never shifted.
_FOREVER = datetime.max.replace(tzinfo=UTC)
# Nearly three years of days per calendar: plenty for demo data and a live queue alike.
_CACHE_LIMIT = 1024

_UtcSpan = tuple[datetime, datetime]


class CalendarError(BadInput, ValueError):
    """A business-hours calendar that cannot be used; the message names the file, section, key."""


def require_aware(value: datetime, what: str) -> None:
    """Refuse naive datetimes: a naive time in an SLA is a bug waiting for a DST change."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {value.isoformat()}")


@dataclass(frozen=True)
class BusinessCalendar:
    name: str
    tz: ZoneInfo
    weekly: Mapping[int, tuple[Interval, ...]]
    """Weekday (0=Mon) -> sorted, non-overlapping open intervals in local time."""
    holidays: frozenset[date]
    """Local dates that are closed all day."""
    always: bool = False
    """24x7: every instant counts, whatever weekly and holidays say."""
    _utc_days: dict[date, tuple[tuple[_UtcSpan, ...], timedelta]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.always:
            return
        for weekday, intervals in self.weekly.items():
            if weekday not in range(7):
                raise CalendarError(f"calendar {self.name!r}: weekday {weekday} is not 0..6")
            check_intervals(intervals, f"calendar {self.name!r} {DAY_NAMES[weekday]}")
        if not any(self.weekly.values()):
            raise CalendarError(f"calendar {self.name!r}: no open hours in the week")

    @classmethod
    def always_open(cls) -> BusinessCalendar:
        return _ALWAYS_OPEN

    def is_open(self, at: datetime) -> bool:
        require_aware(at, "at")
        if self.always:
            return True
        return any(a <= at < b for a, b in self._day_spans(at.astimezone(self.tz).date()))

    def add(self, start: datetime, seconds: float, pauses: Sequence[Pause] = ()) -> datetime:
        """The instant (UTC) at which `seconds` of business time have elapsed after start.

        Business time is open and outside every pause. Raises ValueError if an open pause
        stops the clock before that, and CalendarError if nothing is open within HORIZON.
        """
        require_aware(start, "start")
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}")
        start = start.astimezone(UTC)
        remaining = timedelta(seconds=seconds)
        if not pauses and self.always:
            return start + remaining
        if not remaining:
            return start
        if not pauses:
            found = self._add_unpaused(start, remaining)
            if found is not None:
                return found
            raise self._horizon_error(start)
        spans = _normalise_pauses(pauses)
        limit = start + HORIZON
        paused_from = next((a for a, b in spans if b == _FOREVER), None)
        if paused_from is not None:
            limit = min(limit, max(paused_from, start))
        for a, b in _subtract(self._open_spans(start, limit), spans):
            length = b - a
            if remaining <= length:
                return a + remaining
            remaining -= length
        if paused_from is not None:
            raise ValueError(f"the clock is paused since {paused_from.isoformat()}")
        raise self._horizon_error(start)

    def _horizon_error(self, start: datetime) -> CalendarError:
        return CalendarError(
            f"calendar {self.name!r}: not enough business time within {HORIZON.days} days "
            f"of {start.isoformat()}"
        )

    def _add_unpaused(self, start: datetime, remaining: timedelta) -> datetime | None:
        # The hot path (demo data, queue refresh): whole days are skipped by their total.
        day = start.astimezone(self.tz).date()
        for _ in range(HORIZON.days + 1):
            spans, total = self._day(day)
            if spans:
                if spans[0][0] >= start and total < remaining:
                    remaining -= total
                else:
                    for a, b in spans:
                        if b <= start:
                            continue
                        a = max(a, start)
                        if remaining <= b - a:
                            return a + remaining
                        remaining -= b - a
            day += _ONE_DAY
        return None

    def seconds_between(
        self, start: datetime, end: datetime, pauses: Sequence[Pause] = ()
    ) -> float:
        """Business seconds in [start, end) outside pauses; 0 if end <= start."""
        require_aware(start, "start")
        require_aware(end, "end")
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if end <= start:
            return 0.0
        if not pauses and self.always:
            return (end - start).total_seconds()
        total = timedelta()
        for a, b in _subtract(self._open_spans(start, end), _normalise_pauses(pauses)):
            total += b - a
        return total.total_seconds()

    def _open_spans(self, start: datetime, limit: datetime) -> Iterator[_UtcSpan]:
        """Open UTC spans clipped to [start, limit), in order."""
        if self.always:
            if start < limit:
                yield start, limit
            return
        day = start.astimezone(self.tz).date()
        last_day = limit.astimezone(self.tz).date()
        while day <= last_day:
            for a, b in self._day_spans(day):
                if b <= start:
                    continue
                if a >= limit:
                    return
                yield max(a, start), min(b, limit)
            day += _ONE_DAY

    def _day_spans(self, day: date) -> tuple[_UtcSpan, ...]:
        return self._day(day)[0]

    def _day(self, day: date) -> tuple[tuple[_UtcSpan, ...], timedelta]:
        """The open UTC spans of a local date, and their total length."""
        cached = self._utc_days.get(day)
        if cached is not None:
            return cached
        spans: tuple[_UtcSpan, ...] = ()
        if day not in self.holidays:
            converted = []
            for t0, t1 in self.weekly.get(day.weekday(), ()):
                a = _local_to_utc(day, t0, self.tz)
                b = _local_to_utc(day + _ONE_DAY if t1 == MIDNIGHT else day, t1, self.tz)
                # Both ends inside a spring-forward gap: the interval never happens.
                if a < b:
                    converted.append((a, b))
            spans = tuple(converted)
        entry = (spans, sum((b - a for a, b in spans), timedelta()))
        if len(self._utc_days) >= _CACHE_LIMIT:
            self._utc_days.clear()
        self._utc_days[day] = entry
        return entry


_ALWAYS_OPEN = BusinessCalendar(
    name="24x7",
    tz=ZoneInfo("UTC"),
    weekly={d: ((MIDNIGHT, MIDNIGHT),) for d in range(7)},
    holidays=frozenset(),
    always=True,
)


def _local_to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The first instant at which the local wall clock on `day` reads `at` or later.

    A time that falls in a spring-forward gap maps to the transition itself (the clock jumps
    past it); an ambiguous fall-back time maps to its first occurrence.
    """
    naive = datetime.combine(day, at)
    utc = naive.replace(tzinfo=tz).astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) == naive:
        return utc
    # In a gap: fold=1 reads it with the later offset, landing before the transition, and
    # fold=0 lands after it. Bisect to the second at which the offset changes.
    lo = int(naive.replace(tzinfo=tz, fold=1).astimezone(UTC).timestamp())
    hi = int(utc.timestamp())
    after = datetime.fromtimestamp(hi, tz).utcoffset()
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, tz).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def _normalise_pauses(pauses: Iterable[Pause]) -> list[_UtcSpan]:
    """UTC, sorted by start; an open pause ends at _FOREVER. Overlaps are left in place."""
    spans: list[_UtcSpan] = []
    for start, end in pauses:
        require_aware(start, "pause start")
        if end is not None:
            require_aware(end, "pause end")
            if end < start:
                raise ValueError(f"pause ends ({end.isoformat()}) before it starts")
        spans.append((start.astimezone(UTC), _FOREVER if end is None else end.astimezone(UTC)))
    spans.sort()
    return spans


def _subtract(spans: Iterable[_UtcSpan], pauses: Sequence[_UtcSpan]) -> Iterator[_UtcSpan]:
    """The parts of ordered `spans` outside `pauses` (sorted by start, possibly overlapping)."""
    first = 0
    for a, b in spans:
        while first < len(pauses) and pauses[first][1] <= a:
            first += 1
        cursor = a
        for pa, pb in pauses[first:]:
            if pa >= b:
                break
            if pa > cursor:
                yield cursor, pa
            cursor = max(cursor, pb)
            if cursor >= b:
                break
        if cursor < b:
            yield cursor, b


def check_intervals(intervals: Sequence[Interval], where: str) -> None:
    previous_end: time | None = None
    for t0, t1 in intervals:
        if t1 != MIDNIGHT and t1 <= t0:
            raise CalendarError(f"{where}: {_fmt(t0, t1)} ends before it starts")
        if previous_end is not None and (previous_end == MIDNIGHT or t0 < previous_end):
            raise CalendarError(f"{where}: {_fmt(t0, t1)} overlaps or is out of order")
        previous_end = t1


def _fmt(t0: time, t1: time) -> str:
    end = "24:00" if t1 == MIDNIGHT else t1.strftime("%H:%M")
    return f"{t0.strftime('%H:%M')}-{end}"


__all__ = [
    "DAY_NAMES",
    "HORIZON",
    "BusinessCalendar",
    "CalendarError",
    "Interval",
    "Pause",
    "require_aware",
]
