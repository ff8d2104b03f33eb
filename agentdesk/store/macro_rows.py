"""What the macro log holds and returns: the ticket a macro acts on, an applied and an undone
macro, the refusal of an undo, and the ticket snapshot the log keeps for undo."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agentdesk.core.changes import TicketSnapshot
from agentdesk.core.errors import Refused
from agentdesk.core.ticket import Priority, Status, Tier
from agentdesk.store.types import from_db, to_db
from agentdesk.store.writes import WrittenChange

UNDO_ACTION = "macro_undo"


class UndoRefused(Refused, ValueError):
    """The last macro cannot be undone; the message says why."""


@dataclass(frozen=True)
class MacroTicket:
    """What placeholders need from the store for one ticket (the customer name unmasked:
    it goes into a reply to that customer)."""

    id: int
    customer_name: str
    sla_due_at: datetime | None


@dataclass(frozen=True)
class AppliedMacro:
    application_id: int
    macro_id: str
    written: tuple[WrittenChange, ...]


@dataclass(frozen=True)
class UndoneMacro:
    macro_id: str
    compensated: bool
    withdrawn_messages: int


def _opt(moment: datetime | None) -> str | None:
    return None if moment is None else to_db(moment)


def _snapshot_json(snapshot: TicketSnapshot) -> dict[str, Any]:
    return {
        "status": snapshot.status.value,
        "priority": snapshot.priority.value,
        "tier": snapshot.tier.value,
        "assignee_id": snapshot.assignee_id,
        "pending_reason": snapshot.pending_reason,
        "tags": sorted(snapshot.tags),
        "first_response_at": _opt(snapshot.first_response_at),
        "last_update_at": _opt(snapshot.last_update_at),
        # The rest of the snapshot is only needed to rebuild one; undo never writes it.
        "id": snapshot.id,
        "subject": snapshot.subject,
        "region": snapshot.region.value,
        "created_at": to_db(snapshot.created_at),
        "version": snapshot.version,
    }


def _snapshot_from_json(data: dict[str, Any]) -> TicketSnapshot:
    from agentdesk.core.ticket import Region

    def when(value: str | None) -> datetime | None:
        return None if value is None else from_db(value)

    return TicketSnapshot(
        id=data["id"],
        subject=data["subject"],
        priority=Priority(data["priority"]),
        status=Status(data["status"]),
        region=Region(data["region"]),
        tier=Tier(data["tier"]),
        assignee_id=data["assignee_id"],
        created_at=from_db(data["created_at"]),
        first_response_at=when(data["first_response_at"]),
        last_update_at=when(data["last_update_at"]),
        version=data["version"],
        pending_reason=data.get("pending_reason", ""),
        tags=frozenset(data["tags"]),
    )
