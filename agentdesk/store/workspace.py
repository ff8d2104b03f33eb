"""The ticket workspace's reads, drafts and attachments listing.

Drafts are the agent's unsent text, not ticket changes: they are saved straight to SQLite
(no audit, no outbox) so that a killed app keeps them. Sending spends the draft inside
apply_change's transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, text

from agentdesk.core.history import People
from agentdesk.store.conversation_rows import owes_conversation
from agentdesk.store.emergency import escalation_state
from agentdesk.store.engine import Store
from agentdesk.store.links import ticket_links
from agentdesk.store.notes import load_note
from agentdesk.store.queries import audit_trail, ticket_detail
from agentdesk.store.types import from_db, to_db
from agentdesk.store.workspace_rows import AttachmentRow, Draft, TicketWorkspace
from agentdesk.store.writes import load_snapshot


def ticket_workspace(connection: Connection, ticket_id: int) -> TicketWorkspace | None:
    detail = ticket_detail(connection, ticket_id)
    if detail is None:
        return None
    snapshot = load_snapshot(connection, ticket_id)
    extra = connection.execute(
        text(
            "SELECT c.payment_method, t.quality_flag FROM tickets t "
            "JOIN customers c ON c.id = t.customer_id WHERE t.id = :t"
        ),
        {"t": ticket_id},
    ).one()
    found = load_note(connection, ticket_id)
    note_ids = frozenset(
        connection.execute(
            text(
                "SELECT message_id FROM ticket_notes "
                "WHERE ticket_id = :t AND message_id IS NOT NULL"
            ),
            {"t": ticket_id},
        ).scalars()
    )
    return TicketWorkspace(
        detail=detail,
        snapshot=snapshot,
        payment_method=extra.payment_method,
        quality_flag=extra.quality_flag,
        note_at=None if found is None else found[1],
        note_message_ids=note_ids,
        attachments=tuple(attachments(connection, ticket_id)),
        audit=tuple(audit_trail(connection, ticket_id)),
        people=people(connection),
        drafts=load_drafts(connection, ticket_id),
        links=tuple(ticket_links(connection, ticket_id)),
        escalation=escalation_state(connection, ticket_id),
        conversation_owed=owes_conversation(connection, ticket_id),
    )


def people(connection: Connection) -> People:
    """Every agent by id and handle, for the history's names (a team is at most a few
    hundred agents)."""
    rows = connection.execute(text("SELECT id, handle, name FROM agents")).all()
    return People(
        by_id={int(r.id): r.name for r in rows}, by_handle={r.handle: r.name for r in rows}
    )


def attachments(connection: Connection, ticket_id: int) -> list[AttachmentRow]:
    rows = connection.execute(
        text(
            "SELECT id, filename, mime_type, size, added_by, added_at FROM attachments "
            "WHERE ticket_id = :t ORDER BY added_at, id"
        ),
        {"t": ticket_id},
    )
    return [
        AttachmentRow(r.id, r.filename, r.mime_type, r.size, r.added_by, from_db(r.added_at))
        for r in rows
    ]


def attachment_data(connection: Connection, attachment_id: int) -> bytes:
    return bytes(
        connection.execute(
            text("SELECT data FROM attachments WHERE id = :id"), {"id": attachment_id}
        ).scalar_one()
    )


def load_drafts(connection: Connection, ticket_id: int) -> dict[str, Draft]:
    rows = connection.execute(
        text("SELECT slot, mode, body, updated_at FROM drafts WHERE ticket_id = :t"),
        {"t": ticket_id},
    )
    return {r.slot: Draft(r.slot, r.mode, r.body, from_db(r.updated_at)) for r in rows}


def save_draft(
    store: Store, ticket_id: int, slot: str, mode: str, body: str, now: datetime
) -> None:
    """Keep the agent's unsent text; an empty text removes the draft."""
    with store.write() as connection:
        if not body.strip():
            connection.execute(
                text("DELETE FROM drafts WHERE ticket_id = :t AND slot = :s"),
                {"t": ticket_id, "s": slot},
            )
            return
        connection.execute(
            text(
                "INSERT INTO drafts (ticket_id, slot, mode, body, updated_at) "
                "VALUES (:t, :s, :m, :b, :at) ON CONFLICT (ticket_id, slot) DO UPDATE SET "
                "mode = excluded.mode, body = excluded.body, updated_at = excluded.updated_at"
            ),
            {"t": ticket_id, "s": slot, "m": mode, "b": body, "at": to_db(now)},
        )
