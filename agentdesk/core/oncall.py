"""The published on-call roster (data/oncall.toml): who answers the 24-hour phone and email
for each role (team lead, L2 support, incident manager) and region, by date and hour.

Pure: the caller reads the file's text and passes the moment in. An entry whose end is not
after its start runs past midnight into the next day; start = end covers the whole day. The
days and dates of an entry name the day its hours start on. Problems are file:line, as the
shift files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agentdesk.core.errors import BadInput
from agentdesk.core.shift_files import FileProblem, ShiftFileError, _Reader
from agentdesk.core.ticket import Region

ONCALL = "oncall.toml"
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_KEYS = (
    "role",
    "name",
    "phone",
    "email",
    "regions",
    "time_zone",
    "start",
    "end",
    "days",
    "from",
    "until",
)


class Role(StrEnum):
    TEAM_LEAD = "team_lead"
    L2_SUPPORT = "l2_support"
    INCIDENT_MANAGER = "incident_manager"

    @property
    def label(self) -> str:
        return {"team_lead": "Team lead", "l2_support": "L2 support"}.get(
            self.value, "Incident manager"
        )


# Whom the SLA-at-risk path calls "the on-duty manager": the team lead, else the incident
# manager on call.
MANAGER_ROLES = (Role.TEAM_LEAD, Role.INCIDENT_MANAGER)


class OnCallError(BadInput, ValueError):
    def __init__(self, problems: list[FileProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class OnCall:
    """One published on-call slot and its 24-hour contacts."""

    role: Role
    name: str
    phone: str
    email: str
    regions: frozenset[Region]
    time_zone: str
    start: time
    end: time
    days: frozenset[int] = frozenset(range(7))
    """Weekdays (Monday 0) the hours start on."""
    first_day: date | None = None
    last_day: date | None = None

    def covers(self, region: Region, now: datetime) -> bool:
        """On call for this region at this moment (an aware datetime)."""
        if region not in self.regions:
            return False
        local = now.astimezone(ZoneInfo(self.time_zone))
        # The hours may have started today or (past midnight) yesterday.
        for start_day in (local.date(), local.date() - timedelta(days=1)):
            if start_day.weekday() not in self.days:
                continue
            if self.first_day is not None and start_day < self.first_day:
                continue
            if self.last_day is not None and start_day > self.last_day:
                continue
            begins = datetime.combine(start_day, self.start, local.tzinfo)
            ends_day = start_day if self.end > self.start else start_day + timedelta(days=1)
            ends = datetime.combine(ends_day, self.end, local.tzinfo)
            if begins <= local < ends:
                return True
        return False


def on_call(roster: tuple[OnCall, ...], role: Role, region: Region, now: datetime) -> list[OnCall]:
    """Who is on call for the role and region now, in the roster's order."""
    return [entry for entry in roster if entry.role is role and entry.covers(region, now)]


def on_duty_manager(roster: tuple[OnCall, ...], region: Region, now: datetime) -> OnCall | None:
    """The manager to notify when an SLA turns at risk: the team lead on call for the region,
    else the incident manager; None when the roster has nobody (the screen says so)."""
    for role in MANAGER_ROLES:
        found = on_call(roster, role, region, now)
        if found:
            return found[0]
    return None


def on_duty(roster: tuple[OnCall, ...], region: Region, now: datetime) -> list[OnCall]:
    """Everyone on call for the region now, by role (team lead, L2 support, incident manager)."""
    return [entry for role in Role for entry in on_call(roster, role, region, now)]


def _clock(value: str) -> time:
    if not re.fullmatch(r"\d\d:\d\d", value):
        raise ValueError(value)
    return time.fromisoformat(value)


def roster_from_text(text: str, path: str = ONCALL) -> tuple[OnCall, ...]:
    """[[on_call]] tables: role, name, phone, email, regions, time_zone, start, end, and
    optionally days (weekdays the hours start on) and from/until (dates)."""
    try:
        reader = _Reader(text, path)
    except ShiftFileError as error:
        raise OnCallError(error.problems) from None
    for key in reader.doc:
        if key != "on_call":
            reader.fail(reader.line_of(key), f"unknown key {key!r}; use [[on_call]] tables")
    entries = reader.doc.get("on_call", [])
    if not isinstance(entries, list):
        reader.fail(reader.line_of("on_call"), "on_call must be [[on_call]] tables")
        entries = []
    found: list[OnCall] = []
    seen_line = 0
    for entry in entries:
        # Each entry's line: the n-th [[on_call]] header.
        seen_line = _next_header(reader.lines, seen_line)
        where = seen_line or 1
        if not isinstance(entry, dict):
            reader.fail(where, "each on_call entry must be a table")
            continue
        for key in entry:
            if key not in _KEYS:
                reader.fail(
                    _line_after(reader.lines, where, key),
                    f"unknown key {key!r}; the keys are: {', '.join(_KEYS)}",
                )
        role_name = reader.text(entry, "role", where)
        role = None
        if role_name:
            try:
                role = Role(role_name)
            except ValueError:
                reader.fail(
                    _line_after(reader.lines, where, "role"),
                    f"role {role_name!r} is not one of: {', '.join(r.value for r in Role)}",
                )
        name = reader.text(entry, "name", where)
        phone = reader.text(entry, "phone", where)
        email = reader.text(entry, "email", where)
        if email and "@" not in email:
            reader.fail(_line_after(reader.lines, where, "email"), f"email {email!r} has no @")
        regions: set[Region] = set()
        given = entry.get("regions", [r.value for r in Region])
        for value in given if isinstance(given, list) else [given]:
            try:
                regions.add(Region(value))
            except ValueError:
                reader.fail(
                    _line_after(reader.lines, where, "regions"),
                    f"region {value!r} is not one of: {', '.join(r.value for r in Region)}",
                )
        zone = reader.text(entry, "time_zone", where)
        if zone:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                reader.fail(
                    _line_after(reader.lines, where, "time_zone"),
                    f"time_zone = {zone!r} is not a time zone such as America/Chicago",
                )
                zone = ""
        hours: list[time | None] = []
        for key in ("start", "end"):
            value = reader.text(entry, key, where)
            try:
                hours.append(_clock(value) if value else None)
            except ValueError:
                reader.fail(
                    _line_after(reader.lines, where, key), f"{key} = {value!r} is not HH:MM"
                )
                hours.append(None)
        days: set[int] = set()
        day_names = entry.get("days", list(_DAYS))
        for day in day_names if isinstance(day_names, list) else [day_names]:
            if day not in _DAYS:
                reader.fail(
                    _line_after(reader.lines, where, "days"),
                    f"day {day!r} is not one of {', '.join(_DAYS)}",
                )
            else:
                days.add(_DAYS.index(day))
        dates: list[date | None] = []
        for key in ("from", "until"):
            value = entry.get(key)
            if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
                dates.append(value)
            else:
                reader.fail(
                    _line_after(reader.lines, where, key),
                    f"{key} must be a date such as 2026-12-01",
                )
                dates.append(None)
        if dates[0] and dates[1] and dates[1] < dates[0]:
            reader.fail(_line_after(reader.lines, where, "until"), "until is before from")
        start, end = hours
        if role and name and phone and email and zone and start and end and regions:
            found.append(
                OnCall(
                    role,
                    name,
                    phone,
                    email,
                    frozenset(regions),
                    zone,
                    start,
                    end,
                    frozenset(days),
                    dates[0],
                    dates[1],
                )
            )
    if reader.problems:
        raise OnCallError(reader.problems)
    return tuple(found)


def _next_header(lines: list[str], after: int) -> int:
    for number in range(after + 1, len(lines) + 1):
        if lines[number - 1].strip().startswith("[[on_call]]"):
            return number
    return after


def _line_after(lines: list[str], start: int, key: str) -> int:
    """The first line from start on that sets key (an entry's own key)."""
    for number in range(start, len(lines) + 1):
        if re.match(rf"\s*{re.escape(key)}\s*=", lines[number - 1]):
            return number
    return start
