"""An audit row in the agent's words: names for agent ids and handles, durations for seconds,
readable times for stamps, statuses as the screen shows them. Pure: the names are passed in.

`assignee_id 12 -> 1` reads `Assignee  Li Wei -> Amara Okafor`; `time_to_handoff 31193` reads
`Time to handoff  8h39m`; an SLA breach's due time `2026-11-20T18:35:05Z` reads `20 Nov 18:35
UTC`, as the When column writes its times.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from agentdesk.core.sla import format_time_left
from agentdesk.core.ticket import Status

ACTIONS: dict[str, str] = {
    "create": "Created",
    "created": "Created",
    "assign": "Assigned",
    "take": "Took",
    "start": "Started",
    "pend": "Pending",
    "pending": "Pending",
    "resolve": "Resolved",
    "reopen": "Reopened",
    "auto_close": "Closed after the quality window",
    "customer_reply": "Customer replied",
    "escalate": "Escalated",
    "change_priority": "Changed priority",
    "reply": "Replied",
    "internal_note": "Internal note",
    "note": "Structured note",
    "tag": "Tags",
    "attach": "Attached",
    "remove_attachment": "Removed attachment",
    "sla_breach": "SLA breach",
    "verify_identity": "Verification",
    "confirm": "Confirmation",
    "quality_check": "Quality check",
    "macro_undo": "Undid macro",
    "sync_pull": "From the helpdesk",
}
FIELDS: dict[str, str] = {
    "assignee_id": "Assignee",
    "time_to_handoff": "Time to handoff",
    "first_response": "First response due",
    "next_update": "Next update due",
    "resolution": "Resolution due",
    "remote_id": "Helpdesk id",
}
NOBODY = "nobody"


@dataclass(frozen=True)
class People:
    """Who the history names: agents by id and by handle."""

    by_id: Mapping[int, str] = field(default_factory=dict)
    by_handle: Mapping[str, str] = field(default_factory=dict)

    def of_id(self, value: str | None) -> str | None:
        if value is None or value == "":
            return NOBODY
        try:
            return self.by_id.get(int(value), f"agent #{value}")
        except ValueError:
            return self.of_handle(value)

    def of_handle(self, value: str | None) -> str | None:
        if value is None or value == "":
            return NOBODY
        return self.by_handle.get(value, value)


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    who: str
    action: str
    field: str
    old: str | None
    new: str | None


def format_moment(moment: datetime) -> str:
    """'20 Nov 18:35 UTC': how the history and the conversation write a time."""
    return moment.astimezone(UTC).strftime("%d %b %H:%M UTC")


def _duration(value: str | None) -> str | None:
    try:
        seconds = int(value or "")
    except ValueError:
        return value
    return format_time_left(timedelta(seconds=seconds))


def _stamp(value: str | None) -> str | None:
    if not value:
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_moment(moment)


def _status(value: str | None) -> str | None:
    try:
        return Status(value).label if value else value
    except ValueError:
        return value


def _words(name: str) -> str:
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def describe(
    *,
    at: datetime,
    actor: str,
    action: str,
    field: str,
    old: str | None,
    new: str | None,
    people: People,
) -> HistoryEntry:
    """One audit row as the history table shows it."""
    convert: Callable[[str | None], str | None] | None = None
    if field == "assignee_id":
        convert = people.of_id
    elif field == "assignee":
        convert = people.of_handle
    elif field == "time_to_handoff":
        convert = _duration
    elif field == "status":
        convert = _status
    elif action == "sla_breach":
        convert = _stamp
    if convert is not None:
        old, new = (None if old is None else convert(old)), convert(new)
    return HistoryEntry(
        at=at,
        who=people.of_handle(actor) or actor,
        action=ACTIONS.get(action, _words(action)),
        field=FIELDS.get(field, _words(field)),
        old=old,
        new=new,
    )
