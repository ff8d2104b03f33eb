"""Reading the shift's data files: checklists.toml, roster.toml, announcements.toml.

Every problem is named as file:line: message, like macro files; a file with problems raises
ShiftFileError listing all of them. Pure: the caller reads the text (agentdesk/shipped.py).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, time
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agentdesk.core.errors import BadInput
from agentdesk.core.shift import (
    END_CHECKS,
    SELF_TICKING,
    START_CHECKS,
    Announcement,
    Checklist,
    ChecklistItem,
    Phase,
    TeamCommand,
)
from agentdesk.core.shift_roster import RosterEntry

CHECKLISTS = "checklists.toml"
ROSTER = "roster.toml"
ANNOUNCEMENTS = "announcements.toml"
SHIFT_FILES = (CHECKLISTS, ROSTER, ANNOUNCEMENTS)

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
T = TypeVar("T")


@dataclass(frozen=True)
class FileProblem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.message}"
            if self.line
            else f"{self.path}: {self.message}"
        )


class ShiftFileError(BadInput, ValueError):
    def __init__(self, problems: list[FileProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _Reader:
    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.lines = text.splitlines() or [""]
        self.problems: list[FileProblem] = []
        try:
            self.doc: dict[str, Any] = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            found = _POSITION.search(str(error))
            line = int(found.group(1)) if found else 1
            message = _POSITION.sub("", str(error)).strip()
            raise ShiftFileError(
                [FileProblem(path, line, f"TOML syntax error: {message}")]
            ) from None

    def line_of(self, *snippets: str) -> int:
        """The first line holding all the snippets (after the previous one), else 1."""
        for number, line in enumerate(self.lines, 1):
            if all(s in line for s in snippets):
                return number
        return 1

    def fail(self, line: int, message: str) -> None:
        self.problems.append(FileProblem(self.path, line, message))

    def done(self, value: T) -> T:
        if self.problems:
            raise ShiftFileError(self.problems)
        return value

    def text(
        self, table: Mapping[str, Any], key: str, where: int, *, default: str | None = None
    ) -> str:
        value = table.get(key, default)
        if value is None:
            self.fail(where, f"{key} is missing")
            return ""
        if not isinstance(value, str):
            self.fail(self.line_of(key), f"{key} must be a string, not {value!r}")
            return ""
        return value

    def parse(self, value: str, key: str, convert: Callable[[str], T], what: str) -> T | None:
        try:
            return convert(value)
        except ValueError:
            self.fail(self.line_of(key, value), f"{key} = {value!r} is not {what}")
            return None


def checklist_from_text(text: str, path: str = CHECKLISTS) -> Checklist:
    reader = _Reader(text, path)
    doc = reader.doc
    for key in doc:
        if key not in ("start", "end", "command"):
            reader.fail(
                reader.line_of(key), f"unknown key {key!r}; the keys are: start, end, command"
            )
    phases: dict[Phase, list[ChecklistItem]] = {Phase.START: [], Phase.END: []}
    seen: set[str] = set()
    for phase in Phase:
        entries = doc.get(phase.value, [])
        if not isinstance(entries, list):
            reader.fail(
                reader.line_of(phase.value), f"{phase.value} must be [[{phase.value}]] tables"
            )
            continue
        checks = START_CHECKS + SELF_TICKING if phase is Phase.START else END_CHECKS
        for entry in entries:
            item_id = entry.get("id") if isinstance(entry, dict) else None
            where = (
                reader.line_of("id", f'"{item_id}"')
                if isinstance(item_id, str)
                else reader.line_of(f"[[{phase.value}]]")
            )
            if not isinstance(entry, dict):
                reader.fail(where, f"each {phase.value} item must be a table")
                continue
            for key in entry:
                if key not in ("id", "label", "check", "required", "help"):
                    reader.fail(reader.line_of(key), f"unknown key {key!r} in a {phase.value} item")
            ident = reader.text(entry, "id", where)
            if ident and not _ID.match(ident):
                reader.fail(where, f"id {ident!r}: use lower-case letters, digits, '-' and '_'")
            if ident in seen:
                reader.fail(where, f"id {ident!r} is used twice")
            seen.add(ident)
            label = reader.text(entry, "label", where)
            check = reader.text(entry, "check", where, default="")
            if check and check not in checks:
                reader.fail(
                    reader.line_of("check", f'"{check}"'),
                    f"check {check!r} is not known for {phase.value} items; "
                    f"use one of: {', '.join(checks)}",
                )
            required = entry.get("required", True)
            if not isinstance(required, bool):
                reader.fail(reader.line_of("required"), "required must be true or false")
                required = True
            help_text = reader.text(entry, "help", where, default="")
            phases[phase].append(ChecklistItem(ident, phase, label, check, required, help_text))
    command = None
    table = doc.get("command")
    if table is not None:
        where = reader.line_of("[command]")
        if not isinstance(table, dict):
            reader.fail(where, "command must be a table")
        else:
            run = table.get("run")
            timeout = table.get("timeout", 10)
            if not (isinstance(run, list) and run and all(isinstance(a, str) for a in run)):
                reader.fail(
                    reader.line_of("run") if run is not None else where,
                    'command run must be a list of strings, e.g. ["vpn-status"]',
                )
            elif isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
                reader.fail(
                    reader.line_of("timeout"), "command timeout must be a number of seconds above 0"
                )
            else:
                command = TeamCommand(tuple(run), float(timeout))
    if any(i.check == "command" for i in phases[Phase.START]) and table is None:
        reader.fail(
            reader.line_of('"command"'), 'an item with check = "command" needs a [command] table'
        )
    return reader.done(Checklist(tuple(phases[Phase.START]), tuple(phases[Phase.END]), command))


def _clock(value: str) -> time:
    if not re.fullmatch(r"\d\d:\d\d", value):
        raise ValueError(value)
    return time.fromisoformat(value)


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(value) from None
    return value


def roster_from_text(text: str, path: str = ROSTER) -> dict[str, RosterEntry]:
    """[agents."handle"] tables: time_zone, start, end ("HH:MM"), breaks, days."""
    reader = _Reader(text, path)
    agents = reader.doc.get("agents", {})
    for key in reader.doc:
        if key not in ("agents", "on_call"):  # on_call: the escalation issue's roster
            reader.fail(
                reader.line_of(key), f'unknown key {key!r}; shifts go under [agents."handle"]'
            )
    roster: dict[str, RosterEntry] = {}
    if not isinstance(agents, dict):
        reader.fail(reader.line_of("agents"), "agents must be a table")
        return reader.done(roster)
    for handle, entry in agents.items():
        where = reader.line_of(handle)
        if not isinstance(entry, dict):
            reader.fail(where, f"agents.{handle} must be a table")
            continue
        zone = reader.parse(
            reader.text(entry, "time_zone", where),
            "time_zone",
            _zone,
            "a time zone such as Europe/London",
        )
        start = reader.parse(reader.text(entry, "start", where), "start", _clock, "a time HH:MM")
        end = reader.parse(reader.text(entry, "end", where), "end", _clock, "a time HH:MM")
        breaks: list[tuple[time, time]] = []
        for item in entry.get("breaks", []):
            if not isinstance(item, dict):
                reader.fail(
                    reader.line_of("breaks"), 'each break is { start = "HH:MM", end = "HH:MM" }'
                )
                continue
            b_start = reader.parse(
                reader.text(item, "start", where), "start", _clock, "a time HH:MM"
            )
            b_end = reader.parse(reader.text(item, "end", where), "end", _clock, "a time HH:MM")
            if b_start and b_end:
                breaks.append((b_start, b_end))
        days_given = entry.get("days", list(_DAYS))
        days: set[int] = set()
        for day in days_given if isinstance(days_given, list) else [days_given]:
            if day not in _DAYS:
                reader.fail(reader.line_of("days"), f"day {day!r} is not one of {', '.join(_DAYS)}")
            else:
                days.add(_DAYS.index(day))
        if zone and start and end:
            roster[handle] = RosterEntry(handle, zone, start, end, tuple(breaks), frozenset(days))
    return reader.done(roster)


def announcements_from_text(text: str, path: str = ANNOUNCEMENTS) -> tuple[Announcement, ...]:
    """[[announcement]] tables: id, title, body, from, until (dates)."""
    reader = _Reader(text, path)
    found: list[Announcement] = []
    for key in reader.doc:
        if key != "announcement":
            reader.fail(reader.line_of(key), f"unknown key {key!r}; use [[announcement]] tables")
    for entry in reader.doc.get("announcement", []):
        ident = entry.get("id") if isinstance(entry, dict) else None
        where = (
            reader.line_of("id", f'"{ident}"')
            if isinstance(ident, str)
            else reader.line_of("[[announcement]]")
        )
        if not isinstance(entry, dict):
            reader.fail(where, "each announcement must be a table")
            continue
        ident = reader.text(entry, "id", where)
        dates = []
        for key in ("from", "until"):
            value = entry.get(key)
            if isinstance(value, date):
                dates.append(value)
            else:
                reader.fail(
                    reader.line_of(key) if value is not None else where,
                    f"{key} must be a date such as 2026-11-01",
                )
        if len(dates) == 2 and dates[1] < dates[0]:
            reader.fail(reader.line_of("until"), "until is before from")
        if len(dates) == 2:
            found.append(
                Announcement(
                    ident,
                    reader.text(entry, "title", where),
                    reader.text(entry, "body", where, default=""),
                    dates[0],
                    dates[1],
                )
            )
    return reader.done(tuple(found))
