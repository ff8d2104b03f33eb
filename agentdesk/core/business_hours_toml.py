"""business_hours.toml -> one BusinessCalendar per region; every problem is a CalendarError
naming the file, the region's section and the key."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agentdesk.core.business_hours import (
    DAY_NAMES,
    MIDNIGHT,
    BusinessCalendar,
    CalendarError,
    Interval,
    check_intervals,
)
from agentdesk.core.ticket import Region

_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")

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
        if start is None or end is None or (end != MIDNIGHT and end <= start):
            raise CalendarError(f"{where}: {value!r} is not a time range")
        intervals.append((start, end))
    intervals.sort(key=lambda iv: iv[0])
    try:
        check_intervals(intervals, where)
    except CalendarError as exc:
        raise CalendarError(f"{where}: {value!r} has overlapping ranges") from exc
    return tuple(intervals)


def _parse_time(text: str, *, end: bool = False) -> time | None:
    match = _TIME_RE.match(text.strip())
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2])
    if end and (hour, minute) == (24, 0):
        return MIDNIGHT
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
