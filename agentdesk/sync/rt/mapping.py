"""agentdesk's words <-> Request Tracker's, and validation of what RT sends. Pure: no IO.

RT's default lifecycle has fewer statuses than the SOP, so the mapping is lossy on purpose and a
remote value "compatible" with the local one (open for assigned or in_progress) never overwrites
it: only a real move on the RT side changes the local status.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from agentdesk.core.ticket import Priority, Status
from agentdesk.security.sanitize import clean_text
from agentdesk.sync.errors import BadRecord

STATUS_TO_RT: Mapping[Status, str] = {
    Status.NEW: "new",
    Status.ASSIGNED: "open",
    Status.IN_PROGRESS: "open",
    Status.PENDING: "stalled",
    Status.RESOLVED: "resolved",
    # RT has no quality window: resolved is its last working state.
    Status.CLOSED: "resolved",
}
STATUS_FROM_RT: Mapping[str, Status] = {
    "new": Status.NEW,
    "open": Status.IN_PROGRESS,
    "stalled": Status.PENDING,
    "resolved": Status.RESOLVED,
    "rejected": Status.CLOSED,
    "deleted": Status.CLOSED,
}

PRIORITY_TO_RT: Mapping[Priority, int] = {
    Priority.P0: 100,
    Priority.P1: 75,
    Priority.P2: 50,
    Priority.P3: 25,
    Priority.P4: 0,
}
NOBODY = "Nobody"

# The fields a field op may carry, and the RT field each one is written to.
RT_FIELD: Mapping[str, str] = {"status": "Status", "priority": "Priority", "assignee": "Owner"}


def priority_from_rt(value: int) -> Priority:
    """The nearest bucket: RT priorities set by hand (say 90) still land somewhere sensible."""
    return min(PRIORITY_TO_RT, key=lambda p: (abs(PRIORITY_TO_RT[p] - value), p.rank))


def status_from_rt(value: str, local: Status | None) -> Status:
    """RT's status in the SOP's words, keeping the local one when RT cannot tell them apart."""
    if local is not None and STATUS_TO_RT[local] == value:
        return local
    return STATUS_FROM_RT[value]


def priority_keeps_local(value: int, local: Priority | None) -> Priority:
    if local is not None and PRIORITY_TO_RT[local] == value:
        return local
    return priority_from_rt(value)


def to_rt(field: str, value: str | None) -> str:
    """A local field value (as the outbox stores it: text) as RT's value, as text."""
    if field == "status":
        return STATUS_TO_RT[Status(value or "")]
    if field == "priority":
        return str(PRIORITY_TO_RT[Priority(value or "")])
    if field == "assignee":
        return value or NOBODY
    raise ValueError(f"{field!r} is not a field agentdesk syncs to RT")


@dataclass(frozen=True)
class RemoteTicket:
    """One RT ticket as the pull applies it."""

    remote_id: str
    subject: str
    status: str  # RT's word
    priority: int
    owner: str  # RT user name; "Nobody" when unowned
    requestor: str  # first requestor's address or name; "" when none
    queue: str
    created_at: datetime
    updated_at: datetime
    custom_fields: Mapping[str, str]

    def rt_value(self, field: str) -> str:
        return {"status": self.status, "priority": str(self.priority), "assignee": self.owner}[
            field
        ]


_RT_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_MAX_SUBJECT = 2000


def parse_rt_time(value: object, field: str) -> datetime:
    if not isinstance(value, str) or not _RT_TIME.match(value):
        raise BadRecord(f"{field} is {value!r}, not an RT UTC time like 2026-11-23T14:00:00Z")
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _ref_name(value: object, field: str) -> str:
    """RT refers to users and queues as {"id": name-or-number, ...}."""
    if isinstance(value, dict) and isinstance(value.get("id"), str | int):
        return str(value["id"])
    raise BadRecord(f"{field} is {value!r}, not an RT reference")


def parse_ticket(item: Mapping[str, Any]) -> RemoteTicket:
    """Check one ticket from a REST2 search or GET; raises BadRecord naming the field."""
    raw_id = item.get("id")
    if not (isinstance(raw_id, int) or (isinstance(raw_id, str) and raw_id.isdigit())):
        raise BadRecord(f"id is {raw_id!r}, not a ticket number")
    subject = item.get("Subject")
    if not isinstance(subject, str):
        raise BadRecord(f"Subject is {subject!r}, not text")
    if len(subject) > _MAX_SUBJECT:
        raise BadRecord(f"Subject is {len(subject)} characters long (at most {_MAX_SUBJECT})")
    status = item.get("Status")
    if status not in STATUS_FROM_RT:
        raise BadRecord(f"Status is {status!r}, not one of {', '.join(STATUS_FROM_RT)}")
    priority_raw = item.get("Priority")
    try:
        priority = int(str(priority_raw))
    except ValueError:
        raise BadRecord(f"Priority is {priority_raw!r}, not a number") from None
    if priority < 0:
        # RT allows it, but no bucket fits: taking it as P4 would hide it.
        raise BadRecord(f"Priority is {priority}, below 0: no SOP priority (P0-P4) matches it")
    requestors = item.get("Requestor", [])
    if not isinstance(requestors, list):
        raise BadRecord(f"Requestor is {requestors!r}, not a list")
    requestor = _ref_name(requestors[0], "Requestor") if requestors else ""
    fields: dict[str, str] = {}
    custom = item.get("CustomFields", [])
    if isinstance(custom, list):  # RT sends "" when the queue has none
        for entry in custom:
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                values = entry.get("values") or []
                if isinstance(values, list) and values and isinstance(values[0], str):
                    fields[clean_text(entry["name"])] = clean_text(values[0])
    return RemoteTicket(
        remote_id=str(raw_id),
        subject=clean_text(subject),
        status=str(status),
        priority=priority,
        owner=_ref_name(item.get("Owner"), "Owner"),
        requestor=clean_text(requestor),
        queue=_ref_name(item.get("Queue"), "Queue"),
        created_at=parse_rt_time(item.get("Created"), "Created"),
        updated_at=parse_rt_time(item.get("LastUpdated"), "LastUpdated"),
        custom_fields=fields,
    )
