"""Undo of the newest macro applied to a ticket (the rule is in store.macros' docstring):
withdraw what it added, compensate what it changed, put the reply clocks back."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from agentdesk.core.changes import PendingReason, TicketChange, TicketSnapshot, sla_fields
from agentdesk.core.ticket import Status
from agentdesk.store.audit import AuditRecord, write_audit
from agentdesk.store.engine import Store
from agentdesk.store.macro_rows import (
    UNDO_ACTION,
    UndoneMacro,
    UndoRefused,
    _opt,
    _snapshot_from_json,
)
from agentdesk.store.types import to_db
from agentdesk.store.writes import load_snapshot, write_change


@dataclass(frozen=True)
class _Application:
    id: int
    macro_id: str
    actor: str
    version_after: int
    undo: dict[str, Any]
    undone: bool


def _last_application(connection: Connection, ticket_id: int) -> _Application | None:
    row = connection.execute(
        text(
            "SELECT id, macro_id, actor, version_after, undo, undone_at FROM macro_applications "
            "WHERE ticket_id = :t ORDER BY id DESC LIMIT 1"
        ),
        {"t": ticket_id},
    ).one_or_none()
    if row is None:
        return None
    return _Application(
        row.id,
        row.macro_id,
        row.actor,
        row.version_after,
        json.loads(row.undo),
        bool(row.undone_at),
    )


def undo_refusal(
    connection: Connection, ticket_id: int, actor: str, *, local_backend: bool
) -> tuple[_Application | None, str]:
    """(the application undo would revert, "") or (..., why it cannot be undone)."""
    application = _last_application(connection, ticket_id)
    if application is None:
        return None, f"#{ticket_id}: no macro has been applied to this ticket"
    name = application.macro_id
    if application.undone:
        return application, f"#{ticket_id}: the last macro ({name}) was already undone"
    if application.actor != actor:
        return application, (
            f"#{ticket_id}: the last macro ({name}) was applied by {application.actor}; "
            "only they can undo it"
        )
    version = connection.execute(
        text("SELECT version FROM tickets WHERE id = :t"), {"t": ticket_id}
    ).scalar_one()
    if version != application.version_after:
        return application, (
            f"#{ticket_id}: the ticket changed after the macro ({name}); change it back by hand"
        )
    ids = application.undo["outbox_ids"]
    # Not left this computer: pending and never tried (a push that was started may have
    # reached the helpdesk without an answer: sync_ops then holds its progress).
    rows = connection.execute(
        text(
            "SELECT o.state, o.attempts, s.outbox_id IS NOT NULL AS touched FROM outbox o "
            "LEFT JOIN sync_ops s ON s.outbox_id = o.id "
            f"WHERE o.id IN ({', '.join(str(int(i)) for i in ids)})"
        )
    ).all()
    allowed = {"pending", "done"} if local_backend else {"pending"}
    unsent = [row.state in allowed and not row.attempts and not row.touched for row in rows]
    if len(unsent) != len(ids) or not all(unsent):
        return application, (
            f"#{ticket_id}: the macro ({name}) has already been synced to the helpdesk; "
            "change it back by hand"
        )
    return application, ""


def undo_last_macro(
    store: Store, ticket_id: int, *, actor: str, now: datetime, local_backend: bool
) -> UndoneMacro:
    """Undo the newest macro on the ticket (see the rule above) or raise UndoRefused."""
    with store.write() as connection:
        application, refusal = undo_refusal(
            connection, ticket_id, actor, local_backend=local_backend
        )
        if refusal or application is None:
            raise UndoRefused(refusal)
        before = _snapshot_from_json(application.undo["before"])
        messages = application.undo["messages"]
        notes = application.undo.get("notes", [])
        # Direct deletes, not plan_change: a change can only add a note or a message, never
        # take one back. They are safe because undo_refusal checked that none of the macro's
        # outbox rows has left this computer; each deletion leaves an audit row.
        _withdraw(connection, ticket_id, messages, notes, actor, now, local_backend)
        current = load_snapshot(connection, ticket_id)
        compensation = _compensation(application.macro_id, before, current)
        if compensation is not None:
            write_change(connection, store, ticket_id, compensation, actor=actor, now=now)
        if messages or notes:
            _restore_reply_clocks(connection, store, ticket_id, before, now, compensation)
        connection.execute(
            text("UPDATE macro_applications SET undone_at = :at WHERE id = :id"),
            {"at": to_db(now), "id": application.id},
        )
    return UndoneMacro(application.macro_id, compensation is not None, len(messages) + len(notes))


def _compensation(
    macro_id: str, before: TicketSnapshot, current: TicketSnapshot
) -> TicketChange | None:
    moving_status = before.status != current.status
    pending_reason = None
    if moving_status and before.status is Status.PENDING and before.pending_reason:
        pending_reason = PendingReason(before.pending_reason)
    change = TicketChange(
        UNDO_ACTION,
        status=before.status if moving_status else None,
        pending_reason=pending_reason,
        priority=before.priority if before.priority != current.priority else None,
        tier=before.tier if before.tier != current.tier else None,
        assignee_id=before.assignee_id if before.assignee_id != current.assignee_id else None,
        unassign=before.assignee_id is None and current.assignee_id is not None,
        add_tags=before.tags - current.tags,
        remove_tags=current.tags - before.tags,
        reason=f"undo of macro {macro_id}",
    )
    if change == TicketChange(UNDO_ACTION, reason=change.reason):
        return None
    return change


def _withdraw(
    connection: Connection,
    ticket_id: int,
    messages: list[dict[str, Any]],
    notes: list[dict[str, Any]],
    actor: str,
    now: datetime,
    local_backend: bool,
) -> None:
    """Delete the macro's unsent messages and structured notes (with the messages they were
    rendered as) and their pending outbox rows; an audit row for each."""
    withdrawn: list[tuple[str, int | None, int]] = [
        (str(m["kind"]), m["id"], m["outbox_id"]) for m in messages
    ]
    for note in notes:
        connection.execute(text("DELETE FROM ticket_notes WHERE id = :id"), {"id": note["id"]})
        withdrawn.append(("structured_note", note["message_id"], note["outbox_id"]))
    for field, message_id, outbox_id in withdrawn:
        body = None
        if message_id is not None:
            body = connection.execute(
                text("SELECT body FROM messages WHERE id = :id"), {"id": message_id}
            ).scalar_one_or_none()
            connection.execute(text("DELETE FROM messages WHERE id = :id"), {"id": message_id})
        # undo_refusal checked that it was never tried, so no sync_ops row refers to it.
        # With the local backend 'done' only means committed here: it never left either.
        connection.execute(
            text("DELETE FROM outbox WHERE id = :id AND (state = 'pending' OR :local)"),
            {"id": outbox_id, "local": local_backend},
        )
        old = None if body is None else str(body)[:200]
        write_audit(
            connection, [AuditRecord(ticket_id, actor, UNDO_ACTION, field, old, "withdrawn", now)]
        )


def _restore_reply_clocks(
    connection: Connection,
    store: Store,
    ticket_id: int,
    before: TicketSnapshot,
    now: datetime,
    compensation: TicketChange | None,
) -> None:
    """Put back the reply clocks the withdrawn messages set and recompute the SLA fields."""
    current = load_snapshot(connection, ticket_id)
    restored = replace(
        current,
        first_response_at=before.first_response_at,
        last_update_at=before.last_update_at,
        # No compensating change bumped the version: this edit does.
        version=current.version + (0 if compensation is not None else 1),
    )
    clock = sla_fields(restored, store.policy)
    connection.execute(
        text(
            "UPDATE tickets SET first_response_at = :fr, last_update_at = :lu, sla_clock = :c, "
            "sla_due_at = :due, sla_at_risk_at = :risk, version = :v, updated_at = :at "
            "WHERE id = :t"
        ),
        {
            "fr": _opt(restored.first_response_at),
            "lu": _opt(restored.last_update_at),
            "c": None if clock.clock is None else clock.clock.value,
            "due": _opt(clock.due_at),
            "risk": _opt(clock.at_risk_at),
            "v": restored.version,
            "at": to_db(now),
            "t": ticket_id,
        },
    )
