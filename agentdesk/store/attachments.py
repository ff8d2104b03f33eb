"""Removing an attachment from a ticket: the row goes, the audit keeps what it was.

Attachments are not pushed to the helpdesk yet (sync/rt/push.py sends fields and messages),
so a removal is local only: there is no remote file to take back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from agentdesk.core.actions import Action, status_refusal
from agentdesk.core.attachments import AttachmentRefused
from agentdesk.core.ticket import Status
from agentdesk.store.audit import AuditRecord, write_audit
from agentdesk.store.engine import Store
from agentdesk.store.stamps import from_db
from agentdesk.store.workspace_rows import AttachmentRow

REMOVE = "remove_attachment"


def remove_attachment(
    store: Store, ticket_id: int, attachment_id: int, *, actor: str, now: datetime
) -> AttachmentRow:
    """Delete one attachment of the ticket and audit it in the same transaction. Refused on
    a closed ticket (the rule attaching follows) or when the file is not on this ticket."""
    with store.write() as connection:
        status = connection.execute(
            text("SELECT status FROM tickets WHERE id = :t"), {"t": ticket_id}
        ).scalar_one_or_none()
        if status is None:
            raise AttachmentRefused(f"there is no ticket #{ticket_id}")
        refusal = status_refusal(Action.ATTACH, Status(status))
        if refusal is not None:
            raise AttachmentRefused(refusal)
        row = connection.execute(
            text(
                "SELECT id, filename, mime_type, size, added_by, added_at FROM attachments "
                "WHERE id = :id AND ticket_id = :t"
            ),
            {"id": attachment_id, "t": ticket_id},
        ).one_or_none()
        if row is None:
            raise AttachmentRefused(f"ticket #{ticket_id} has no such attachment")
        connection.execute(text("DELETE FROM attachments WHERE id = :id"), {"id": attachment_id})
        described = f"{row.filename} ({row.size} bytes)"
        write_audit(
            connection,
            [AuditRecord(ticket_id, actor, REMOVE, "attachment", described, None, now)],
        )
    return AttachmentRow(
        row.id, row.filename, row.mime_type, row.size, row.added_by, from_db(row.added_at)
    )
