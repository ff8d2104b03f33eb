"""The store's one write path for ticket changes, and bulk writes for imports.

apply_change() writes the change, its audit rows and its outbox row in one BEGIN IMMEDIATE
transaction: after it returns, a SIGKILL loses nothing (WAL with synchronous=FULL).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, insert, text

from agentdesk.core.business_hours import Pause
from agentdesk.core.changes import ChangePlan, TicketChange, TicketSnapshot, plan_change
from agentdesk.core.errors import DeskError
from agentdesk.core.note_template import Taxonomy
from agentdesk.core.shift import ShiftGate
from agentdesk.core.text import clean_strings
from agentdesk.core.ticket import Priority, Region, Status, Tier
from agentdesk.store.audit import AuditRecord, rows_of, write_audit
from agentdesk.store.engine import Store
from agentdesk.store.models import (
    Agent,
    AuditRow,
    Customer,
    Message,
    OutboxRow,
    SlaBreachRow,
    Ticket,
)
from agentdesk.store.notes import insert_note, load_confirmation, load_note
from agentdesk.store.types import from_db, to_db
from agentdesk.store.verification import latest_reopen, ticket_attempts

TABLES: Mapping[str, Table] = {
    "customers": Customer.__table__,  # type: ignore[attr-defined]
    "agents": Agent.__table__,  # type: ignore[attr-defined]
    "tickets": Ticket.__table__,  # type: ignore[attr-defined]
    "messages": Message.__table__,  # type: ignore[attr-defined]
    "audit": AuditRow.__table__,  # type: ignore[attr-defined]
    "outbox": OutboxRow.__table__,  # type: ignore[attr-defined]
    "sla_breaches": SlaBreachRow.__table__,  # type: ignore[attr-defined]
}


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


def load_snapshot(connection: Connection, ticket_id: int) -> TicketSnapshot:
    row = connection.execute(
        text("SELECT * FROM tickets WHERE id = :id"), {"id": ticket_id}
    ).one_or_none()
    if row is None:
        raise TicketNotFound(ticket_id)
    return TicketSnapshot(
        id=row.id,
        subject=row.subject,
        priority=Priority(row.priority),
        status=Status(row.status),
        region=Region(row.region),
        tier=Tier(row.tier),
        assignee_id=row.assignee_id,
        created_at=from_db(row.created_at),
        first_response_at=_when(row.first_response_at),
        last_update_at=_when(row.last_update_at),
        resolved_at=_when(row.resolved_at),
        closed_at=_when(row.closed_at),
        sla_pauses=pauses_from_json(row.sla_pauses),
        version=row.version,
        pending_reason=row.pending_reason,
        note=None if (found := load_note(connection, ticket_id)) is None else found[0],
        confirmation=load_confirmation(connection, ticket_id),
        tags=load_labels(connection, ticket_id),
        verification_attempts=tuple(ticket_attempts(connection, ticket_id)),
        interaction_started_at=latest_reopen(connection, ticket_id),
    )


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


def load_labels(connection: Connection, ticket_id: int) -> frozenset[str]:
    """The ticket's free-form labels (macros' add_tags/remove_tags)."""
    return frozenset(
        connection.execute(
            text("SELECT label FROM ticket_labels WHERE ticket_id = :id"), {"id": ticket_id}
        ).scalars()
    )


def _write_labels(connection: Connection, ticket_id: int, plan: ChangePlan) -> None:
    if plan.tags is None:
        return
    connection.execute(text("DELETE FROM ticket_labels WHERE ticket_id = :t"), {"t": ticket_id})
    if plan.tags:
        connection.execute(
            text("INSERT INTO ticket_labels (ticket_id, label) VALUES (:t, :label)"),
            [{"t": ticket_id, "label": label} for label in sorted(plan.tags)],
        )


def _write_workspace_parts(
    connection: Connection,
    ticket_id: int,
    plan: ChangePlan,
    actor: str,
    stamp: str,
    payload: dict[str, Any],
) -> tuple[int | None, int | None]:
    """The structured note (and its rendering), the handoff and the attachment of a plan.
    Returns the ids of the note row and of its rendered message (None when not written)."""
    note_id: int | None = None
    message_id: int | None = None
    if plan.note is not None and plan.note_message is not None:
        if not plan.note.is_empty:
            message_id = connection.execute(
                text(
                    "INSERT INTO messages (ticket_id, kind, author, agent_id, body, created_at) "
                    "VALUES (:t, :kind, :author, :agent, :body, :at) RETURNING id"
                ),
                {
                    "t": ticket_id,
                    "kind": plan.note_message.kind.value,
                    "author": plan.note_message.author or actor,
                    "agent": plan.note_message.agent_id,
                    "body": plan.note_message.body,
                    "at": stamp,
                },
            ).scalar_one()
        note_id = insert_note(
            connection,
            ticket_id,
            plan.note,
            message_id=message_id,
            author=plan.note_message.author or actor,
            stamp=stamp,
        )
        connection.execute(
            text("DELETE FROM drafts WHERE ticket_id = :t AND slot = 'note'"), {"t": ticket_id}
        )
    if plan.handoff is not None:
        connection.execute(
            text(
                "INSERT INTO handoffs (ticket_id, from_tier, to_tier, reason, "
                "seconds_to_handoff, actor, at) VALUES (:t, :f, :to, :r, :s, :actor, :at)"
            ),
            {
                "t": ticket_id,
                "f": plan.handoff.from_tier.value,
                "to": plan.handoff.to_tier.value,
                "r": plan.handoff.reason,
                "s": plan.handoff.seconds,
                "actor": actor,
                "at": stamp,
            },
        )
    attachment = plan.attachment
    if attachment is not None:
        digest = hashlib.sha256(attachment.data).hexdigest()
        attachment_id = connection.execute(
            text(
                "INSERT INTO attachments (ticket_id, filename, mime_type, size, sha256, data, "
                "added_by, added_at) VALUES (:t, :name, :mime, :size, :sha, :data, :actor, :at) "
                "RETURNING id"
            ),
            {
                "t": ticket_id,
                "name": attachment.filename,
                "mime": attachment.mime_type,
                "size": attachment.size,
                "sha": digest,
                "data": attachment.data,
                "actor": actor,
                "at": stamp,
            },
        ).scalar_one()
        # The bytes stay in the attachments table; sync reads them by id.
        payload["attachment"] = {
            "id": attachment_id,
            "filename": attachment.filename,
            "mime_type": attachment.mime_type,
            "size": attachment.size,
            "sha256": digest,
        }
    return note_id, None if message_id is None else int(message_id)


def _insert_breaches(connection: Connection, ticket_id: int, plan: ChangePlan, stamp: str) -> None:
    at = from_db(stamp)
    for breach in plan.breaches:
        inserted = connection.execute(
            text(
                "INSERT OR IGNORE INTO sla_breaches (ticket_id, clock, due_at, recorded_at) "
                "VALUES (:t, :clock, :due, :at)"
            ),
            {"t": ticket_id, "clock": breach.clock.value, "due": to_db(breach.due_at), "at": stamp},
        )
        if inserted.rowcount:
            due = to_db(breach.due_at)
            row = AuditRecord(ticket_id, "sla", "sla_breach", breach.clock.value, None, due, at)
            write_audit(connection, [row])
    if plan.breaches:
        connection.execute(
            text(
                "UPDATE tickets SET sla_breached_at = coalesce(sla_breached_at, :at) WHERE id = :t"
            ),
            {"t": ticket_id, "at": to_db(min(b.due_at for b in plan.breaches))},
        )


def record_breaches(store: Store, now: datetime) -> int:
    """Record every running clock whose due time has passed. Returns how many were new."""
    stamp = to_db(now)
    with store.write() as connection:
        due = {"now": stamp}
        # Audit first: the NOT EXISTS sees only breaches not yet recorded.
        new = connection.execute(
            text(
                "SELECT t.id, t.sla_clock, t.sla_due_at "
                "FROM tickets t WHERE t.sla_due_at <= :now AND t.sla_clock IS NOT NULL "
                "AND NOT EXISTS (SELECT 1 FROM sla_breaches b WHERE b.ticket_id = t.id "
                "AND b.clock = t.sla_clock AND b.due_at = t.sla_due_at)"
            ),
            due,
        )
        write_audit(
            connection,
            [
                AuditRecord(t, "sla", "sla_breach", clock, None, due_at, now)
                for t, clock, due_at in new
            ],
        )
        inserted = connection.execute(
            text(
                "INSERT OR IGNORE INTO sla_breaches (ticket_id, clock, due_at, recorded_at) "
                "SELECT id, sla_clock, sla_due_at, :now FROM tickets "
                "WHERE sla_due_at <= :now AND sla_clock IS NOT NULL"
            ),
            due,
        ).rowcount
        connection.execute(
            text(
                "UPDATE tickets SET sla_breached_at = sla_due_at "
                "WHERE sla_breached_at IS NULL AND sla_due_at <= :now AND sla_clock IS NOT NULL"
            ),
            due,
        )
    return int(inserted)


def bulk_insert(connection: Connection, table: str, rows: Iterable[Mapping[str, Any]]) -> int:
    """executemany through SQLAlchemy core: ~20x faster than ORM objects at 100k rows."""
    batch = list(rows)
    if batch:
        connection.execute(insert(TABLES[table]), batch)
    return len(batch)


def mark_outbox_done(store: Store, now: datetime) -> int:
    """The local backend has no remote: a pending op is done once it is committed here."""
    with store.write() as connection:
        result = connection.execute(
            text("UPDATE outbox SET state = 'done', done_at = :now WHERE state = 'pending'"),
            {"now": to_db(now)},
        )
    return int(result.rowcount)
