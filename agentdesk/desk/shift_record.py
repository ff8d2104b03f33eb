"""The shift record for the team: each shift event (start, a checklist tick, presence, a
handover, the wrap-up, the end) gets an audit row and a text for the helpdesk's shift ticket,
both in the transaction of the shift write itself (desk/shift.py calls these inside its
desk.writing(...)). sync/rt/shifts.py pushes the texts; `team_shifts` reads back what the
pull brought from every agent's shift tickets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from agentdesk.core import shift_record as texts
from agentdesk.core.shift import ItemState, Presence
from agentdesk.core.shift_record import TeamShift, read_shift
from agentdesk.core.shift_roster import describe_offset, start_offset
from agentdesk.desk.base import Desk

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from agentdesk.store.shifts import ShiftRecord


def _event(
    connection: Connection,
    desk: Desk,
    shift_id: int,
    kind: str,
    body: str,
    action: str,
    field: str = "",
    old: str | None = None,
    new: str | None = None,
) -> None:
    from agentdesk.store.audit import AuditRecord, write_audit
    from agentdesk.store.shift_sync import queue_shift_text

    now = desk.now()
    queue_shift_text(connection, shift_id, kind, body, now)
    write_audit(
        connection,
        [AuditRecord(None, desk.actor.handle, action, field, old, new, now, shift_id=shift_id)],
    )


def started(connection: Connection, desk: Desk, shift: ShiftRecord) -> None:
    planned = shift.planned
    offset = describe_offset(start_offset(planned, shift.started_at))
    body = texts.opening_text(
        shift.handle,
        shift.started_at,
        None if planned is None else planned.start,
        None if planned is None else planned.end,
        offset,
        () if planned is None else planned.breaks,
    )
    _event(connection, desk, shift.id, "open", body, "shift_start", "", None, offset or None)


def item_done(
    connection: Connection, desk: Desk, shift_id: int, state: ItemState, at: datetime | None
) -> None:
    result = ""
    if state.item.automatic and at is not None:
        result = "passed" if state.passed is not False else "failed"
        if state.reason:
            result += f": {state.reason}"
    body = texts.item_text(state.item.label, state.item.id, at, result)
    new = None if at is None else ("done" if not result else result[:200])
    _event(connection, desk, shift_id, "comment", body, "shift_item", state.item.id, None, new)


def presence(
    connection: Connection, desk: Desk, shift_id: int, old: Presence | None, new: Presence
) -> None:
    body = texts.presence_text(new, desk.now())
    _event(
        connection,
        desk,
        shift_id,
        "comment",
        body,
        "presence",
        "presence",
        None if old is None else old.value,
        new.value,
    )


def handed_over(
    connection: Connection,
    desk: Desk,
    shift_id: int,
    ticket_id: int,
    to: str,
    note: str,
) -> None:
    from agentdesk.store.shift_sync import ticket_remote_id
    from agentdesk.store.writes import load_snapshot

    snapshot = load_snapshot(connection, ticket_id)
    remote = ticket_remote_id(connection, ticket_id)
    body = texts.handover_text(snapshot.subject, remote, to, note, desk.now())
    _event(connection, desk, shift_id, "comment", body, "shift_handover", "ticket", None, to)


def wrapped_up(connection: Connection, desk: Desk, shift_id: int, wrap_up: str) -> None:
    body = texts.wrap_up_text(wrap_up, desk.now())
    _event(connection, desk, shift_id, "comment", body, "shift_wrap_up", "", None, wrap_up[:200])


def ended(
    connection: Connection, desk: Desk, shift_id: int, at: datetime, adherence: float | None
) -> None:
    score = None if adherence is None else f"{adherence:.1%}"
    body = texts.ended_text(at, adherence)
    _event(connection, desk, shift_id, "close", body, "shift_end", "adherence", None, score)


@dataclass(frozen=True)
class TeamShiftLine:
    """A shift as the team list shows it; `record` has everything the helpdesk holds."""

    record: TeamShift
    subject: str
    status: str


def team_shifts(desk: Desk, *, include_mine: bool = False) -> list[TeamShiftLine]:
    """Teammates' shifts as the last pull brought them from the helpdesk's shift queue:
    agent, planned and actual start and end, presence, handovers; open shifts first."""
    from agentdesk.store.shift_sync import team_shift_texts

    with desk.reading(), desk.store.read() as connection:
        pulled = team_shift_texts(connection)
    lines = []
    for ticket in pulled:
        record = read_shift(ticket.remote_id, ticket.texts)
        if record is None or (record.agent == desk.actor.handle and not include_mine):
            continue
        lines.append(TeamShiftLine(record, ticket.subject, ticket.status))
    lines.sort(key=lambda line: (not line.record.is_open, line.record.agent))
    return lines
