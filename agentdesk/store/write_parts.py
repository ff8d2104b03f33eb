"""The parts of a change's plan beside the ticket row: labels, drafts, notes, tags,
confirmations, handoffs."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Connection, text

from agentdesk.core.changes import ChangePlan
from agentdesk.store.notes import insert_note


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
