"""Structured notes, tags and three-step confirmations: reading them, recording a confirmation."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Connection, text

from agentdesk.core.note_template import Section, StructuredNote, Tag
from agentdesk.core.quality import Confirmation
from agentdesk.store.audit import AuditRecord, write_audit
from agentdesk.store.engine import Store
from agentdesk.store.types import from_db, to_db

_SECTION_COLUMNS = {
    Section.ISSUE_SUMMARY: "issue_summary",
    Section.STEPS_TAKEN: "steps_taken",
    Section.ROOT_CAUSE: "root_cause",
    Section.NEXT_STEPS: "next_steps",
}


def load_tags(connection: Connection, ticket_id: int) -> dict[Tag, str]:
    rows = connection.execute(
        text("SELECT name, value FROM ticket_tags WHERE ticket_id = :t"), {"t": ticket_id}
    )
    return {Tag(name): value for name, value in rows}


def load_note(
    connection: Connection, ticket_id: int
) -> tuple[StructuredNote, datetime | None] | None:
    """The latest structured note with the ticket's tags, and when it was written (None for
    tags without a note)."""
    row = connection.execute(
        text(
            "SELECT * FROM ticket_notes WHERE ticket_id = :t ORDER BY created_at DESC, id DESC "
            "LIMIT 1"
        ),
        {"t": ticket_id},
    ).one_or_none()
    tags = load_tags(connection, ticket_id)
    if row is None:
        if not tags:
            return None
        return StructuredNote(tags=tags), None
    sections = {section: getattr(row, column) for section, column in _SECTION_COLUMNS.items()}
    note = StructuredNote(sections=sections, tags=tags, sla_deadline=row.sla_deadline)
    return note, from_db(row.created_at)


def insert_note(
    connection: Connection,
    ticket_id: int,
    note: StructuredNote,
    *,
    message_id: int | None,
    author: str,
    stamp: str,
) -> int | None:
    """Write a note's sections (when it has any) and replace the ticket's tags; the id of the
    ticket_notes row written, if any."""
    note_id: int | None = None
    if not note.is_empty:
        columns = ", ".join(_SECTION_COLUMNS.values())
        values = ", ".join(f":{c}" for c in _SECTION_COLUMNS.values())
        note_id = connection.execute(
            text(
                f"INSERT INTO ticket_notes (ticket_id, message_id, {columns}, sla_deadline, "
                f"author, created_at) VALUES (:t, :m, {values}, :deadline, :author, :at) "
                "RETURNING id"
            ),
            {
                "t": ticket_id,
                "m": message_id,
                **{column: note.text(s) for s, column in _SECTION_COLUMNS.items()},
                "deadline": note.sla_deadline,
                "author": author,
                "at": stamp,
            },
        ).scalar_one()
    for tag in Tag:
        value = note.tag(tag)
        if value:
            connection.execute(
                text(
                    "INSERT INTO ticket_tags (ticket_id, name, value) VALUES (:t, :n, :v) "
                    "ON CONFLICT (ticket_id, name) DO UPDATE SET value = excluded.value"
                ),
                {"t": ticket_id, "n": tag.value, "v": value},
            )
    return None if note_id is None else int(note_id)


def load_confirmation(connection: Connection, ticket_id: int) -> Confirmation | None:
    row = connection.execute(
        text(
            "SELECT * FROM confirmations WHERE ticket_id = :t "
            "ORDER BY recorded_at DESC, id DESC LIMIT 1"
        ),
        {"t": ticket_id},
    ).one_or_none()
    if row is None:
        return None
    return Confirmation(
        restated_issue=row.restated_issue,
        proposed_solution=row.proposed_solution,
        etr=row.etr,
        customer_agreed=bool(row.customer_agreed),
        recorded_at=from_db(row.recorded_at),
    )


def record_confirmation(
    store: Store,
    ticket_id: int,
    confirmation: Confirmation,
    *,
    agent: str,
    entry: str = "",
    author: str = "",
    agent_id: int | None = None,
) -> None:
    """Store a three-step confirmation and its audit row (the wizard's write path).

    entry: the confirmation as the conversation shows it, written in the same transaction as
    an internal note (with its outbox row, so sync sends it as a comment).
    """
    stamp = to_db(confirmation.recorded_at)
    with store.write() as connection:
        if entry:
            connection.execute(
                text(
                    "INSERT INTO messages (ticket_id, kind, author, agent_id, body, created_at) "
                    "VALUES (:t, 'internal_note', :author, :agent, :body, :at)"
                ),
                {
                    "t": ticket_id,
                    "author": author or agent,
                    "agent": agent_id,
                    "body": entry,
                    "at": stamp,
                },
            )
            connection.execute(
                text(
                    "INSERT INTO outbox (ticket_id, op, payload, created_at) "
                    "VALUES (:t, 'confirm', :payload, :at)"
                ),
                {
                    "t": ticket_id,
                    "payload": json.dumps(
                        {"message": {"kind": "internal_note", "body": entry}}, sort_keys=True
                    ),
                    "at": stamp,
                },
            )
        connection.execute(
            text(
                "INSERT INTO confirmations (ticket_id, restated_issue, proposed_solution, etr, "
                "customer_agreed, agent, recorded_at) VALUES (:t, :r, :p, :e, :a, :agent, :at)"
            ),
            {
                "t": ticket_id,
                "r": confirmation.restated_issue,
                "p": confirmation.proposed_solution,
                "e": confirmation.etr,
                "a": int(confirmation.customer_agreed),
                "agent": agent,
                "at": stamp,
            },
        )
        agreed = "agreed" if confirmation.customer_agreed else "not agreed"
        at = confirmation.recorded_at
        write_audit(
            connection, [AuditRecord(ticket_id, agent, "confirm", "confirmation", None, agreed, at)]
        )
