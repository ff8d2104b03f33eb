"""A ticket as the write path reads it: the snapshot core.changes plans against, its labels,
the SLA pauses as stored."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, text

from agentdesk.core.business_hours import Pause
from agentdesk.core.changes import TicketSnapshot
from agentdesk.core.errors import DeskError
from agentdesk.core.sla import Breach, Clock, SlaTicket
from agentdesk.core.ticket import Channel, MessageKind, Priority, Region, Status, Tier
from agentdesk.store.notes import load_confirmation, load_note
from agentdesk.store.types import from_db, to_db
from agentdesk.store.verification import latest_reopen, ticket_attempts


class TicketNotFound(DeskError, LookupError):
    def __init__(self, ticket_id: int) -> None:
        super().__init__(f"ticket #{ticket_id} is not in this store")


def pauses_to_json(pauses: Sequence[Pause]) -> str:
    return json.dumps(
        [[to_db(start), None if end is None else to_db(end)] for start, end in pauses]
    )


def pauses_from_json(value: str) -> tuple[Pause, ...]:
    return tuple(
        (from_db(start), None if end is None else from_db(end)) for start, end in json.loads(value)
    )


def _when(value: str | None) -> datetime | None:
    return None if value is None else from_db(value)


SLA_COLUMNS = (
    "priority",
    "region",
    "status",
    "created_at",
    "first_response_at",
    "last_update_at",
    "resolved_at",
    "sla_pauses",
)
"""The tickets columns the SLA clock reads: load_sla_ticket selects them, load_snapshot reads
them from its whole row; both through _sla_ticket, so a column the clock gains is named once."""

_SLA_TICKET_SQL = f"SELECT {', '.join(SLA_COLUMNS)} FROM tickets WHERE id = :id"


def _sla_ticket(row: Row[Any]) -> SlaTicket:
    return SlaTicket(
        priority=Priority(row.priority),
        region=Region(row.region),
        status=Status(row.status),
        created_at=from_db(row.created_at),
        first_response_at=_when(row.first_response_at),
        last_update_at=_when(row.last_update_at),
        resolved_at=_when(row.resolved_at),
        pauses=pauses_from_json(row.sla_pauses),
    )


def load_snapshot(connection: Connection, ticket_id: int) -> TicketSnapshot:
    row = connection.execute(
        text("SELECT * FROM tickets WHERE id = :id"), {"id": ticket_id}
    ).one_or_none()
    if row is None:
        raise TicketNotFound(ticket_id)
    found = load_note(connection, ticket_id)
    last_reply = connection.execute(
        text("SELECT max(created_at) FROM messages WHERE ticket_id = :t AND kind = :k"),
        {"t": ticket_id, "k": MessageKind.REPLY.value},
    ).scalar_one()
    breaches = connection.execute(
        text("SELECT clock, due_at FROM sla_breaches WHERE ticket_id = :t ORDER BY due_at"),
        {"t": ticket_id},
    ).all()
    clock = _sla_ticket(row)
    return TicketSnapshot(
        id=row.id,
        subject=row.subject,
        priority=clock.priority,
        status=clock.status,
        region=clock.region,
        tier=Tier(row.tier),
        assignee_id=row.assignee_id,
        created_at=clock.created_at,
        first_response_at=clock.first_response_at,
        last_update_at=clock.last_update_at,
        resolved_at=clock.resolved_at,
        closed_at=_when(row.closed_at),
        sla_pauses=clock.pauses,
        version=row.version,
        pending_reason=row.pending_reason,
        note=None if found is None else found[0],
        confirmation=load_confirmation(connection, ticket_id),
        tags=load_labels(connection, ticket_id),
        verification_attempts=tuple(ticket_attempts(connection, ticket_id)),
        interaction_started_at=latest_reopen(connection, ticket_id),
        channel=Channel(row.channel),
        note_at=None if found is None else found[1],
        last_reply_at=_when(last_reply),
        recorded_breaches=tuple(Breach(Clock(name), from_db(due)) for name, due in breaches),
    )


def load_sla_ticket(connection: Connection, ticket_id: int) -> SlaTicket:
    """What the SLA clock reads of a ticket (one row): the write of pulled replies moves the
    clock without the whole snapshot (its notes, labels, attempts, breaches)."""
    row = connection.execute(text(_SLA_TICKET_SQL), {"id": ticket_id}).one_or_none()
    if row is None:
        raise TicketNotFound(ticket_id)
    return _sla_ticket(row)


def load_labels(connection: Connection, ticket_id: int) -> frozenset[str]:
    """The ticket's free-form labels (macros' add_tags/remove_tags)."""
    return frozenset(
        connection.execute(
            text("SELECT label FROM ticket_labels WHERE ticket_id = :id"), {"id": ticket_id}
        ).scalars()
    )
