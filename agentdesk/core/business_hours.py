"""Business hours per region, and business-time arithmetic across weekends, holidays and DST.

Pure: no IO. Every instant is timezone-aware; naive datetimes are refused with ValueError.
Open intervals are local wall-clock times, converted to UTC one local day at a time, so a
day on which the clocks change has exactly as many real seconds open as the wall clock says.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agentdesk.core.errors import BadInput
from agentdesk.core.ticket import Region

Pause = tuple[datetime, datetime | None]
"""A pause of the SLA clocks (a Pending interval): (start, end); end None = still paused."""

Interval = tuple[time, time]
"""Local opening interval. An end of 00:00 means midnight at the end of the day ("24:00")."""

DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# add() gives up after this much calendar time: a calendar whose holidays close every day
# would otherwise loop for ever.
HORIZON = timedelta(days=2 * 366)

_ONE_DAY = timedelta(days=1)
_MIDNIGHT = time(0, 0)
# Stands in for "no end" of an open pause; only ever compared, never shifted.
_FOREVER = datetime.max.replace(tzinfo=UTC)
# Nearly three years of days per calendar: plenty for demo data and a live queue alike.
_CACHE_LIMIT = 1024
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")

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
            _check_intervals(intervals, f"calendar {self.name!r} {DAY_NAMES[weekday]}")
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
                b = _local_to_utc(day + _ONE_DAY if t1 == _MIDNIGHT else day, t1, self.tz)
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
    weekly={d: ((_MIDNIGHT, _MIDNIGHT),) for d in range(7)},
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


def _check_intervals(intervals: Sequence[Interval], where: str) -> None:
    previous_end: time | None = None
    for t0, t1 in intervals:
        if t1 != _MIDNIGHT and t1 <= t0:
            raise CalendarError(f"{where}: {_fmt(t0, t1)} ends before it starts")
        if previous_end is not None and (previous_end == _MIDNIGHT or t0 < previous_end):
            raise CalendarError(f"{where}: {_fmt(t0, t1)} overlaps or is out of order")
        previous_end = t1


def _fmt(t0: time, t1: time) -> str:
    end = "24:00" if t1 == _MIDNIGHT else t1.strftime("%H:%M")
    return f"{t0.strftime('%H:%M')}-{end}"


# --- loading from TOML ---------------------------------------------------------------------

_REGION_KEYS = frozenset({"tz", "hours", "days", "holidays", *DAY_NAMES})


def calendars_from_toml(
    doc: Mapping[str, Any], source: str = "business_hours.toml"
) -> dict[Region, BusinessCalendar]:
    """One calendar per region from a parsed business_hours.toml; every region must be there."""
    regions = {r.value: r for r in Region}
    for key in doc:
        if key not in regions:
            expected = ", ".join(regions)
            raise CalendarError(f"{source}: unknown region [{key}] (expected {expected})")
    calendars: dict[Region, BusinessCalendar] = {}
    for region in Region:
        table = doc.get(region.value)
        if table is None:
            raise CalendarError(f"{source}: missing [{region.value}]")
        where = f"{source} [{region.value}]"
        if not isinstance(table, Mapping):
            raise CalendarError(f"{where}: must be a table")
        calendars[region] = _calendar_from_table(region.value, table, where)
    return calendars


def _calendar_from_table(name: str, table: Mapping[str, Any], where: str) -> BusinessCalendar:
    for key in table:
        if key not in _REGION_KEYS:
            raise CalendarError(
                f"{where} {key}: unknown key (use {', '.join(sorted(_REGION_KEYS))})"
            )

    tz_name = table.get("tz")
    if not isinstance(tz_name, str):
        raise CalendarError(f"{where} tz: required, an IANA time zone such as 'Europe/London'")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CalendarError(f"{where} tz: {tz_name!r} is not a known time zone") from exc

    days = table.get("days", ["mon", "tue", "wed", "thu", "fri"])
    if not isinstance(days, list):
        raise CalendarError(f"{where} days: must be a list such as ['mon', 'tue']")
    weekdays: set[int] = set()
    for day in days:
        if not isinstance(day, str) or day.lower() not in DAY_NAMES:
            raise CalendarError(f"{where} days: {day!r} is not a day (use {', '.join(DAY_NAMES)})")
        weekdays.add(DAY_NAMES.index(day.lower()))

    default: tuple[Interval, ...] = ()
    if "hours" in table:
        default = parse_hours(table["hours"], f"{where} hours")
    elif weekdays - {i for i, d in enumerate(DAY_NAMES) if d in table}:
        raise CalendarError(f'{where} hours: required, e.g. hours = "09:00-18:00"')

    weekly: dict[int, tuple[Interval, ...]] = {}
    for index, day_name in enumerate(DAY_NAMES):
        if day_name in table:
            weekly[index] = parse_hours(table[day_name], f"{where} {day_name}")
        elif index in weekdays:
            weekly[index] = default
    if not any(weekly.values()):
        raise CalendarError(f"{where}: no open hours in the week")

    raw_holidays = table.get("holidays", [])
    if not isinstance(raw_holidays, list):
        raise CalendarError(f"{where} holidays: must be a list of dates such as [2025-12-25]")
    holidays: set[date] = set()
    for i, value in enumerate(raw_holidays):
        holidays.add(_parse_date(value, f"{where} holidays[{i}]"))

    return BusinessCalendar(
        name=name,
        tz=tz,
        weekly={d: weekly[d] for d in weekly if weekly[d]},
        holidays=frozenset(holidays),
    )


def parse_hours(value: Any, where: str) -> tuple[Interval, ...]:
    """'09:00-12:00,13:00-18:00' -> intervals; 'closed' or '' -> none; '24:00' ends the day."""
    if not isinstance(value, str):
        raise CalendarError(f"{where}: must be a string such as '09:00-18:00', got {value!r}")
    text = value.strip()
    if text.lower() in ("", "closed"):
        return ()
    intervals: list[Interval] = []
    for part in text.split(","):
        pieces = part.strip().split("-")
        start = _parse_time(pieces[0]) if len(pieces) == 2 else None
        end = _parse_time(pieces[1], end=True) if len(pieces) == 2 else None
        if start is None or end is None or (end != _MIDNIGHT and end <= start):
            raise CalendarError(f"{where}: {value!r} is not a time range")
        intervals.append((start, end))
    intervals.sort(key=lambda iv: iv[0])
    try:
        _check_intervals(intervals, where)
    except CalendarError as exc:
        raise CalendarError(f"{where}: {value!r} has overlapping ranges") from exc
    return tuple(intervals)


def _parse_time(text: str, *, end: bool = False) -> time | None:
    match = _TIME_RE.match(text.strip())
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2])
    if end and (hour, minute) == (24, 0):
        return _MIDNIGHT
    if hour > 23 or minute > 59 or (end and (hour, minute) == (0, 0)):
        return None
    return time(hour, minute)


def _parse_date(value: Any, where: str) -> date:
    if isinstance(value, datetime):
        raise CalendarError(f"{where}: {value.isoformat()} is a date-time; write a date")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise CalendarError(f"{where}: {value!r} is not a date (write it as 2025-12-25)")
