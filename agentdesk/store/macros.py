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
from datetime import datetime

from sqlalchemy import Connection, text

from agentdesk.core.changes import ChangeRefused, TicketChange
from agentdesk.core.macros.plan import changes_nothing
from agentdesk.core.shift import ShiftGate
from agentdesk.store.engine import Store
from agentdesk.store.macro_rows import (
    UNDO_ACTION,
    AppliedMacro,
    MacroTicket,
    UndoneMacro,
    UndoRefused,
    _snapshot_json,
)
from agentdesk.store.macro_undo import undo_last_macro, undo_refusal
from agentdesk.store.types import from_db, to_db
from agentdesk.store.writes import TicketNotFound, WrittenChange, load_snapshot, write_change

# The parts live apart (macro_rows, macro_undo); callers import them from here.
__all__ = [
    "UNDO_ACTION",
    "AppliedMacro",
    "MacroTicket",
    "UndoRefused",
    "UndoneMacro",
    "agent_ids",
    "apply_macro",
    "macro_ticket",
    "record_use",
    "undo_last_macro",
    "undo_refusal",
    "usage_counts",
]


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
