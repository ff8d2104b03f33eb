"""The shift record in SQLite: the shift, its checklist items, presence, acknowledgements and
the end of shift's dispositions. Each function runs in the caller's transaction
(store.write() / store.read()); the desk (desk/shift.py) owns the transactions.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from agentdesk.core.note_template import Taxonomy, field_label, missing
from agentdesk.core.shift import ChecklistItem, Interval, ItemState, Phase, PlannedShift, Presence
from agentdesk.core.shift_end import Disposition, EndTicket
from agentdesk.core.ticket import Priority
from agentdesk.store.notes import load_note
from agentdesk.store.types import from_db, to_db


@dataclass(frozen=True)
class ShiftRecord:
    id: int
    handle: str
    planned: PlannedShift | None
    started_at: datetime
    ended_at: datetime | None
    wrap_up: str
    remote_id: str | None


@dataclass(frozen=True)
class TicketDisposition:
    ticket_id: int
    disposition: Disposition
    due_at: datetime | None
    to_agent: str
    to_queue: str
    note: str
    at: datetime


@dataclass(frozen=True)
class HandoverMessage:
    """An internal note that is a handover (core.shift_end.parse_handover reads its body)."""

    message_id: int
    ticket_id: int
    subject: str
    body: str
    at: datetime


def _when(value: str | None) -> datetime | None:
    return None if value is None else from_db(value)


def _record(row: object) -> ShiftRecord:
    planned = None
    if row.planned_start is not None and row.planned_end is not None:  # type: ignore[attr-defined]
        breaks = tuple(
            (from_db(s), from_db(e))
            for s, e in json.loads(row.planned_breaks)  # type: ignore[attr-defined]
        )
        planned = PlannedShift(
            from_db(row.planned_start),  # type: ignore[attr-defined]
            from_db(row.planned_end),  # type: ignore[attr-defined]
            breaks,
        )
    return ShiftRecord(
        id=row.id,  # type: ignore[attr-defined]
        handle=row.agent_handle,  # type: ignore[attr-defined]
        planned=planned,
        started_at=from_db(row.started_at),  # type: ignore[attr-defined]
        ended_at=_when(row.ended_at),  # type: ignore[attr-defined]
        wrap_up=row.wrap_up,  # type: ignore[attr-defined]
        remote_id=row.remote_id,  # type: ignore[attr-defined]
    )


def open_shift(connection: Connection, handle: str) -> ShiftRecord | None:
    row = connection.execute(
        text(
            "SELECT * FROM shifts WHERE agent_handle = :h AND ended_at IS NULL "
            "ORDER BY started_at DESC LIMIT 1"
        ),
        {"h": handle},
    ).one_or_none()
    return None if row is None else _record(row)


def shift_by_id(connection: Connection, shift_id: int) -> ShiftRecord | None:
    row = connection.execute(
        text("SELECT * FROM shifts WHERE id = :id"), {"id": shift_id}
    ).one_or_none()
    return None if row is None else _record(row)


def create_shift(
    connection: Connection,
    handle: str,
    planned: PlannedShift | None,
    started_at: datetime,
    items: Sequence[ChecklistItem],
) -> int:
    """The shift row, one row per checklist item (start and end), presence available."""
    shift_id = connection.execute(
        text(
            "INSERT INTO shifts (agent_handle, planned_start, planned_end, planned_breaks, "
            "started_at) VALUES (:h, :ps, :pe, :pb, :at) RETURNING id"
        ),
        {
            "h": handle,
            "ps": None if planned is None else to_db(planned.start),
            "pe": None if planned is None else to_db(planned.end),
            "pb": json.dumps(
                [] if planned is None else [[to_db(s), to_db(e)] for s, e in planned.breaks]
            ),
            "at": to_db(started_at),
        },
    ).scalar_one()
    connection.execute(
        text(
            "INSERT INTO shift_items (shift_id, item_id, phase, label, check_name, required) "
            "VALUES (:s, :i, :p, :l, :c, :r)"
        ),
        [
            {
                "s": shift_id,
                "i": item.id,
                "p": item.phase.value,
                "l": item.label,
                "c": item.check,
                "r": int(item.required),
            }
            for item in items
        ],
    )
    set_presence(connection, shift_id, Presence.AVAILABLE, started_at)
    return int(shift_id)


def item_states(connection: Connection, shift_id: int) -> list[ItemState]:
    """The shift's items as it was started with them (the checklist of that day)."""
    rows = connection.execute(
        text("SELECT * FROM shift_items WHERE shift_id = :s ORDER BY rowid"), {"s": shift_id}
    )
    return [
        ItemState(
            ChecklistItem(
                row.item_id, Phase(row.phase), row.label, row.check_name, bool(row.required)
            ),
            done_at=_when(row.done_at),
            passed=None if row.passed is None else bool(row.passed),
            reason=row.reason,
            seconds=None if row.millis is None else row.millis / 1000,
        )
        for row in rows
    ]


def set_item(
    connection: Connection,
    shift_id: int,
    item_id: str,
    *,
    done_at: datetime | None,
    passed: bool | None = None,
    reason: str = "",
    seconds: float | None = None,
) -> bool:
    """Record an item's tick or check result; False when the shift has no such item."""
    result = connection.execute(
        text(
            "UPDATE shift_items SET done_at = :d, passed = :p, reason = :r, millis = :m "
            "WHERE shift_id = :s AND item_id = :i"
        ),
        {
            "d": None if done_at is None else to_db(done_at),
            "p": None if passed is None else int(passed),
            "r": reason,
            "m": None if seconds is None else round(seconds * 1000),
            "s": shift_id,
            "i": item_id,
        },
    )
    return bool(result.rowcount)


def intervals(connection: Connection, shift_id: int) -> list[Interval]:
    rows = connection.execute(
        text("SELECT * FROM shift_presence WHERE shift_id = :s ORDER BY started_at, id"),
        {"s": shift_id},
    )
    return [
        Interval(Presence(row.state), from_db(row.started_at), _when(row.ended_at)) for row in rows
    ]


def set_presence(
    connection: Connection, shift_id: int, state: Presence | None, at: datetime
) -> None:
    """Close the open interval; open one in state (None: the shift ends)."""
    connection.execute(
        text("UPDATE shift_presence SET ended_at = :at WHERE shift_id = :s AND ended_at IS NULL"),
        {"at": to_db(at), "s": shift_id},
    )
    if state is not None:
        connection.execute(
            text("INSERT INTO shift_presence (shift_id, state, started_at) VALUES (:s, :st, :at)"),
            {"s": shift_id, "st": state.value, "at": to_db(at)},
        )


def acknowledged(connection: Connection, handle: str, kind: str) -> set[str]:
    rows = connection.execute(
        text("SELECT ref FROM shift_acks WHERE agent_handle = :h AND kind = :k"),
        {"h": handle, "k": kind},
    )
    return {row.ref for row in rows}


def acknowledge(
    connection: Connection, handle: str, kind: str, ref: str, shift_id: int, at: datetime
) -> bool:
    """Once per agent: False when it was acknowledged before."""
    result = connection.execute(
        text(
            "INSERT OR IGNORE INTO shift_acks (agent_handle, kind, ref, shift_id, acked_at) "
            "VALUES (:h, :k, :r, :s, :at)"
        ),
        {"h": handle, "k": kind, "r": ref, "s": shift_id, "at": to_db(at)},
    )
    return bool(result.rowcount)


def dispositions(connection: Connection, shift_id: int) -> dict[int, TicketDisposition]:
    rows = connection.execute(
        text("SELECT * FROM shift_tickets WHERE shift_id = :s"), {"s": shift_id}
    )
    return {
        row.ticket_id: TicketDisposition(
            row.ticket_id,
            Disposition(row.disposition),
            _when(row.due_at),
            row.to_agent,
            row.to_queue,
            row.note,
            from_db(row.at),
        )
        for row in rows
    }


def set_disposition(connection: Connection, shift_id: int, value: TicketDisposition) -> None:
    connection.execute(
        text(
            "INSERT OR REPLACE INTO shift_tickets (shift_id, ticket_id, disposition, due_at, "
            "to_agent, to_queue, note, at) VALUES (:s, :t, :d, :due, :a, :q, :n, :at)"
        ),
        {
            "s": shift_id,
            "t": value.ticket_id,
            "d": value.disposition.value,
            "due": None if value.due_at is None else to_db(value.due_at),
            "a": value.to_agent,
            "q": value.to_queue,
            "n": value.note,
            "at": to_db(value.at),
        },
    )


def set_wrap_up(connection: Connection, shift_id: int, wrap_up: str) -> None:
    connection.execute(
        text("UPDATE shifts SET wrap_up = :w WHERE id = :s"), {"w": wrap_up, "s": shift_id}
    )


def close_shift(connection: Connection, shift_id: int, at: datetime) -> None:
    set_presence(connection, shift_id, None, at)
    connection.execute(
        text("UPDATE shifts SET ended_at = :at WHERE id = :s"), {"at": to_db(at), "s": shift_id}
    )


def end_tickets(
    connection: Connection,
    shift: ShiftRecord,
    agent_id: int | None,
    taxonomy: Taxonomy | None,
) -> list[EndTicket]:
    """The open tickets the agent holds, and those they worked on this shift (audit rows
    of theirs since it started) that have an unsent draft or a partial note."""
    rows = connection.execute(
        text(
            "SELECT id, subject, priority, assignee_id FROM tickets "
            "WHERE status NOT IN ('resolved', 'closed') AND (assignee_id = :agent OR id IN "
            "(SELECT ticket_id FROM audit WHERE actor = :h AND at >= :since) OR id IN "
            "(SELECT ticket_id FROM shift_tickets WHERE shift_id = :shift)) "
            "ORDER BY priority, id"
        ),
        {
            "agent": agent_id,
            "h": shift.handle,
            "since": to_db(shift.started_at),
            "shift": shift.id,
        },
    ).all()
    decided = dispositions(connection, shift.id)
    found = []
    for row in rows:
        drafts = tuple(
            r.slot
            for r in connection.execute(
                text(
                    "SELECT slot FROM drafts WHERE ticket_id = :t AND trim(body) != '' "
                    "ORDER BY slot"
                ),
                {"t": row.id},
            )
        )
        note = load_note(connection, row.id)
        gaps: tuple[str, ...] = ()
        if note is not None and not note[0].is_empty:
            gaps = tuple(field_label(key) for key in missing(note[0], taxonomy))
        mine = agent_id is not None and row.assignee_id == agent_id
        disposition = decided.get(row.id)
        if not (mine or drafts or gaps or disposition):
            continue
        found.append(
            EndTicket(
                id=row.id,
                subject=row.subject,
                priority=Priority(row.priority),
                assigned_to_me=mine,
                unsent_drafts=drafts,
                note_missing=gaps,
                disposition=None if disposition is None else disposition.disposition,
            )
        )
    return found


def handover_messages(
    connection: Connection, since: datetime | None = None
) -> list[HandoverMessage]:
    """Internal notes that open with a handover line, newest first."""
    rows = connection.execute(
        text(
            "SELECT m.id, m.ticket_id, t.subject, m.body, m.created_at FROM messages m "
            "JOIN tickets t ON t.id = m.ticket_id "
            "WHERE m.kind = 'internal_note' AND m.body LIKE 'Handover from %' "
            "AND (:since IS NULL OR m.created_at >= :since) ORDER BY m.created_at DESC, m.id DESC"
        ),
        {"since": None if since is None else to_db(since)},
    )
    return [
        HandoverMessage(row.id, row.ticket_id, row.subject, row.body, from_db(row.created_at))
        for row in rows
    ]


def shifts_of(connection: Connection, handle: str, limit: int = 10) -> Iterable[ShiftRecord]:
    rows = connection.execute(
        text("SELECT * FROM shifts WHERE agent_handle = :h ORDER BY started_at DESC LIMIT :n"),
        {"h": handle, "n": limit},
    )
    return [_record(row) for row in rows]


def last_good_sync(connection: Connection) -> datetime | None:
    value = connection.execute(text("SELECT max(last_success_at) FROM sync_status")).scalar()
    return None if value is None else from_db(value)


def leftover_work(connection: Connection) -> tuple[int, int]:
    """(outbox ops not sent, conflicts not resolved)."""
    unsent = connection.execute(
        text("SELECT count(*) FROM outbox WHERE state IN ('pending', 'parked')")
    ).scalar_one()
    conflicts = connection.execute(
        text("SELECT count(*) FROM sync_conflicts WHERE resolved_at IS NULL")
    ).scalar_one()
    return int(unsent), int(conflicts)
