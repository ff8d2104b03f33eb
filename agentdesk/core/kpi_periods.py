"""The KPIs' periods: ISO weeks and calendar months, half-open UTC intervals [start, end)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from agentdesk.core.errors import BadInput


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    label: str

    def holds(self, at: datetime | None) -> bool:
        return at is not None and self.start <= at < self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days


_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def week(text: str) -> Period:
    """An ISO week, '2026-W48': Monday 00:00 UTC to the next Monday."""
    found = _WEEK.match(text.strip())
    if not found:
        raise BadInput(f"week {text!r}: expected an ISO week like 2026-W48")
    try:
        monday = date.fromisocalendar(int(found[1]), int(found[2]), 1)
    except ValueError as error:
        raise BadInput(f"week {text!r}: {error}") from None
    start = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    return Period(start, start + timedelta(days=7), f"{found[1]}-W{found[2]}")


def month(text: str) -> Period:
    """A calendar month, '2026-11'."""
    found = _MONTH.match(text.strip())
    if not found or not 1 <= int(found[2]) <= 12:
        raise BadInput(f"month {text!r}: expected a month like 2026-11")
    year, number = int(found[1]), int(found[2])
    start = datetime(year, number, 1, tzinfo=UTC)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC)
    return Period(start, end, f"{year:04d}-{number:02d}")


def month_of(at: datetime) -> Period:
    return month(f"{at.year:04d}-{at.month:02d}")


def previous(period: Period) -> Period:
    """The period of the same kind just before this one."""
    if "-W" in period.label:
        start = period.start - timedelta(days=7)
        year, number, _ = start.date().isocalendar()
        return week(f"{year:04d}-W{number:02d}")
    return month_of(period.start - timedelta(days=1))


def weeks_before(period: Period, count: int) -> list[Period]:
    """The `count` periods ending with this one, oldest first (the trend)."""
    found = [period]
    while len(found) < count:
        found.insert(0, previous(found[0]))
    return found
