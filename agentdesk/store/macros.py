"""Macros in the store: usage counts, applying a macro in one transaction, and undo.

apply_macro() writes a macro's changes through the one write path (store.writes.write_change:
each change with its audit and outbox rows) and, in the same BEGIN IMMEDIATE transaction, a
macro_applications row holding what undo needs and the macro's usage count. All or nothing.

Undo rule (undo_last_macro): the newest macro applied to a ticket can be undone by the agent
who applied it while
  1. it has not been undone already,
  2. the ticket has not changed since (its version is still the one the macro left), and
  3. none of its outbox rows has been pushed: each is still 'pending' and untried (no
     attempt, no sync_ops progress) -- or, with the local backend (no remote), 'done', which
     there only means "committed on this computer".
Undo is then one transaction:
  - the replies, internal notes and structured notes the macro added are withdrawn: the
    ticket_notes row (so the note before the macro is the latest again) and the message it was
    rendered as are deleted, and so is each outbox row while still pending (it never left),
    with an audit row saying so;
  - then a compensating change puts status, pending reason, priority, tier, assignee and
    labels back (through plan_change and the write path, so it is SOP-checked against the
    restored note, audited and has its own outbox row; if the SOP refuses a move back, nothing
    is undone);
  - and the first-response/last-update times a reply set are put back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from agentdesk.core.changes import (
    ChangeRefused,
    PendingReason,
    TicketChange,
    TicketSnapshot,
    sla_fields,
)
from agentdesk.core.errors import Refused
from agentdesk.core.macros.plan import changes_nothing
from agentdesk.core.shift import ShiftGate
from agentdesk.core.ticket import Priority, Status, Tier
from agentdesk.store.audit import AuditRecord, write_audit
from agentdesk.store.engine import Store
from agentdesk.store.types import from_db, to_db
from agentdesk.store.writes import (
    TicketNotFound,
    WrittenChange,
    load_snapshot,
    write_change,
)

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


def usage_counts(connection: Connection) -> dict[str, int]:
    return {
        row.macro_id: int(row.uses)
        for row in connection.execute(text("SELECT macro_id, uses FROM macro_usage"))
    }


def record_use(store: Store, macro_id: str, now: datetime) -> None:
    """Count a use that writes nothing else (a canned reply inserted into a draft)."""
    with store.write() as connection:
        _count_use(connection, macro_id, now)


def _count_use(connection: Connection, macro_id: str, now: datetime) -> None:
    connection.execute(
        text(
            "INSERT INTO macro_usage (macro_id, uses, last_used_at) VALUES (:m, 1, :at) "
            "ON CONFLICT (macro_id) DO UPDATE "
            "SET uses = uses + 1, last_used_at = excluded.last_used_at"
        ),
        {"m": macro_id, "at": to_db(now)},
    )


def macro_ticket(connection: Connection, ticket_id: int) -> MacroTicket:
    row = connection.execute(
        text(
            "SELECT t.id, c.name, t.sla_due_at FROM tickets t "
            "JOIN customers c ON c.id = t.customer_id WHERE t.id = :id"
        ),
        {"id": ticket_id},
    ).one_or_none()
    if row is None:
        raise TicketNotFound(ticket_id)
    return MacroTicket(
        row.id, row.name, None if row.sla_due_at is None else from_db(row.sla_due_at)
    )


def agent_ids(connection: Connection) -> dict[str, int]:
    """handle -> id of every active agent (for assign actions)."""
    return {
        row.handle: int(row.id)
        for row in connection.execute(text("SELECT id, handle FROM agents WHERE active = 1"))
    }


def apply_macro(
    store: Store,
    ticket_id: int,
    macro_id: str,
    changes: list[TicketChange],
    *,
    actor: str,
    now: datetime,
    shift: ShiftGate | None = None,
) -> AppliedMacro:
    """Write the macro's changes, its undo log row and its use, in one transaction. shift:
    the agent's shift gate, for a macro that assigns the ticket or starts work on it."""
    with store.write() as connection:
        before = load_snapshot(connection, ticket_id)
        composer_draft = connection.execute(
            text("SELECT * FROM drafts WHERE ticket_id = :t AND slot = 'composer'"),
            {"t": ticket_id},
        ).one_or_none()
        written: list[WrittenChange] = []
        for change in changes:
            if changes_nothing(change, load_snapshot(connection, ticket_id)):
                continue
            written.append(
                write_change(
                    connection, store, ticket_id, change, actor=actor, now=now, shift=shift
                )
            )
        if not written:
            raise ChangeRefused(f"#{ticket_id}: the macro {macro_id} changes nothing here")
        if composer_draft is not None:
            # The write path spends the composer's draft when a message is sent; a macro's
            # reply or note is not that draft, so the agent's half-written text is kept.
            connection.execute(
                text(
                    "INSERT OR REPLACE INTO drafts (ticket_id, slot, mode, body, updated_at) "
                    "VALUES (:t, 'composer', :mode, :body, :at)"
                ),
                {
                    "t": ticket_id,
                    "mode": composer_draft.mode,
                    "body": composer_draft.body,
                    "at": composer_draft.updated_at,
                },
            )
        after = load_snapshot(connection, ticket_id)
        undo = {
            "before": _snapshot_json(before),
            "outbox_ids": [w.outbox_id for w in written],
            "messages": [
                {"id": w.message_id, "outbox_id": w.outbox_id, "kind": w.plan.message.kind.value}
                for w in written
                if w.message_id is not None and w.plan.message is not None
            ],
            "notes": [
                {"id": w.note_id, "message_id": w.note_message_id, "outbox_id": w.outbox_id}
                for w in written
                if w.note_id is not None
            ],
        }
        application_id = connection.execute(
            text(
                "INSERT INTO macro_applications (ticket_id, macro_id, actor, applied_at, "
                "version_before, version_after, undo) "
                "VALUES (:t, :m, :actor, :at, :vb, :va, :undo) RETURNING id"
            ),
            {
                "t": ticket_id,
                "m": macro_id,
                "actor": actor,
                "at": to_db(now),
                "vb": before.version,
                "va": after.version,
                "undo": json.dumps(undo, sort_keys=True),
            },
        ).scalar_one()
        _count_use(connection, macro_id, now)
    return AppliedMacro(int(application_id), macro_id, tuple(written))


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
