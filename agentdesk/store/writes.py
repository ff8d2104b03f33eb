"""The store's one write path for ticket changes, and bulk writes for imports.

apply_change() writes the change, its audit rows and its outbox row in one BEGIN IMMEDIATE
transaction: after it returns, a SIGKILL loses nothing (WAL with synchronous=FULL).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from agentdesk.core.changes import ChangePlan, TicketChange, plan_change
from agentdesk.core.note_template import Taxonomy
from agentdesk.core.shift import ShiftGate
from agentdesk.core.text import clean_strings
from agentdesk.store.audit import rows_of, write_audit
from agentdesk.store.breaches import _insert_breaches, record_breaches
from agentdesk.store.bulk import TABLES, bulk_insert, mark_outbox_done
from agentdesk.store.engine import Store
from agentdesk.store.snapshot import (
    TicketNotFound,
    load_labels,
    load_snapshot,
    pauses_from_json,
    pauses_to_json,
)
from agentdesk.store.types import to_db
from agentdesk.store.write_parts import _write_labels, _write_workspace_parts

# The parts live apart (snapshot, write_parts, breaches, bulk); callers import them from here.
__all__ = [
    "TABLES",
    "TicketNotFound",
    "WrittenChange",
    "apply_change",
    "apply_changes",
    "bulk_insert",
    "load_labels",
    "load_snapshot",
    "mark_outbox_done",
    "pauses_from_json",
    "pauses_to_json",
    "record_breaches",
    "write_change",
    "write_changes",
]


def _taxonomy() -> Taxonomy:
    from agentdesk.shipped import load_taxonomy

    return load_taxonomy()


def _db_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return to_db(value)
    if isinstance(value, tuple):  # sla_pauses
        return pauses_to_json(value)
    if hasattr(value, "value"):  # StrEnum
        return value.value
    return value


@dataclass(frozen=True)
class WrittenChange:
    """One change as written: its plan and the rows it added (macro undo needs their ids)."""

    plan: ChangePlan
    outbox_id: int
    message_id: int | None
    note_id: int | None = None
    note_message_id: int | None = None


def apply_change(
    store: Store,
    ticket_id: int,
    change: TicketChange,
    *,
    actor: str,
    now: datetime,
    taxonomy: Taxonomy | None = None,
    shift: ShiftGate | None = None,
) -> ChangePlan:
    """Check the change by the SOP's rules and write it, its audit and its outbox row."""
    with store.write() as connection:
        written = write_change(
            connection,
            store,
            ticket_id,
            change,
            actor=actor,
            now=now,
            taxonomy=taxonomy,
            shift=shift,
        )
    return written.plan


def apply_changes(
    store: Store,
    ticket_id: int,
    changes: Sequence[TicketChange],
    *,
    actor: str,
    now: datetime,
    taxonomy: Taxonomy | None = None,
) -> list[WrittenChange]:
    """Several changes in ONE transaction (a macro): all are written, or none.

    Each change is planned against the ticket as the previous ones left it, so every SOP rule
    sees exactly what a manual edit in that order would see; each writes its own audit and
    outbox rows, as apply_change does.
    """
    with store.write() as connection:
        return write_changes(
            connection, store, ticket_id, changes, actor=actor, now=now, taxonomy=taxonomy
        )


def write_changes(
    connection: Connection,
    store: Store,
    ticket_id: int,
    changes: Sequence[TicketChange],
    *,
    actor: str,
    now: datetime,
    taxonomy: Taxonomy | None = None,
) -> list[WrittenChange]:
    """apply_changes inside a write transaction the caller holds (to add its own rows)."""
    if not changes:
        raise ValueError("no changes to write")
    taxonomy = taxonomy or _taxonomy()
    return [
        write_change(connection, store, ticket_id, change, actor=actor, now=now, taxonomy=taxonomy)
        for change in changes
    ]


def write_change(
    connection: Connection,
    store: Store,
    ticket_id: int,
    change: TicketChange,
    *,
    actor: str,
    now: datetime,
    taxonomy: Taxonomy | None = None,
    shift: ShiftGate | None = None,
) -> WrittenChange:
    """The one write path, inside a write transaction: ticket, message, note, labels, audit,
    outbox. shift: the agent's shift gate (core.shift), for the changes that take a ticket."""
    taxonomy = taxonomy or _taxonomy()
    # The sanitiser before the plan: the stored rows and the outbox payload (what RT is sent)
    # are made from the same clean text.
    change = clean_strings(change)
    before = load_snapshot(connection, ticket_id)
    plan = plan_change(
        before,
        change,
        now=now,
        policy=store.policy,
        taxonomy=taxonomy,
        verification=store.verification,
        shift=shift,
        quality=store.quality,
    )
    values = {name: _db_value(value) for name, value in plan.updates.items()}
    assignments = ", ".join(f"{name} = :{name}" for name in values)
    connection.execute(
        text(f"UPDATE tickets SET {assignments} WHERE id = :ticket_id"),
        {**values, "ticket_id": ticket_id},
    )
    stamp = to_db(now)
    message_id: int | None = None
    if plan.message is not None:
        message_id = connection.execute(
            text(
                "INSERT INTO messages (ticket_id, kind, author, agent_id, body, created_at) "
                "VALUES (:t, :kind, :author, :agent, :body, :at) RETURNING id"
            ),
            {
                "t": ticket_id,
                "kind": plan.message.kind.value,
                "author": plan.message.author,
                "agent": plan.message.agent_id,
                "body": plan.message.body,
                "at": stamp,
            },
        ).scalar_one()
        # Sent: the composer's draft is spent in the same transaction.
        connection.execute(
            text("DELETE FROM drafts WHERE ticket_id = :t AND slot = 'composer'"),
            {"t": ticket_id},
        )
    payload = dict(plan.outbox_payload)
    note_id, note_message_id = _write_workspace_parts(
        connection, ticket_id, plan, actor, stamp, payload
    )
    _write_labels(connection, ticket_id, plan)
    _insert_breaches(connection, ticket_id, plan, stamp)
    write_audit(connection, rows_of(plan.audit, ticket_id=ticket_id, actor=actor, at=now))
    outbox_id = connection.execute(
        text(
            "INSERT INTO outbox (ticket_id, op, payload, created_at) "
            "VALUES (:t, :op, :payload, :at) RETURNING id"
        ),
        {
            "t": ticket_id,
            "op": plan.outbox_op,
            "payload": json.dumps(payload, sort_keys=True),
            "at": stamp,
        },
    ).scalar_one()
    return WrittenChange(
        plan,
        int(outbox_id),
        None if message_id is None else int(message_id),
        note_id,
        note_message_id,
    )
