"""Attaching files to a ticket, and reading an attachment back."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from agentdesk.core.attachments import AttachmentRefused, NewAttachment, check_size
from agentdesk.core.changes import ChangePlan, TicketChange
from agentdesk.desk.base import Desk


def read_file(typed: str) -> NewAttachment:
    """Read a file to attach (blocking IO). The size is checked before the file is read, so
    an oversized file costs nothing; AttachmentRefused says what is wrong with the path."""
    path = Path(typed).expanduser()
    name = path.name or typed
    try:
        info = path.stat()
    except FileNotFoundError:
        raise AttachmentRefused(f"no file at {path}") from None
    except OSError as error:
        raise AttachmentRefused(f"{path} cannot be read: {error.strerror}") from None
    if path.is_dir():
        raise AttachmentRefused(f"{path} is a folder; choose a file")
    check_size(name, info.st_size)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise AttachmentRefused(f"{path} cannot be read: {error.strerror}") from None
    check_size(name, len(data))
    mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return NewAttachment(filename=name, mime_type=mime, data=data)


def add_attachment(desk: Desk, ticket_id: int, attachment: NewAttachment) -> ChangePlan:
    """Store the file on the ticket (audited, and in the outbox for sync)."""
    from agentdesk.desk.ticket_work import apply_change

    return apply_change(desk, ticket_id, TicketChange("attach", attachment=attachment))


def attach_file(desk: Desk, ticket_id: int, typed: str) -> ChangePlan:
    """read_file, then add_attachment."""
    return add_attachment(desk, ticket_id, read_file(typed))


def attachment_data(desk: Desk, attachment_id: int) -> bytes:
    """The stored bytes of one attachment."""
    from agentdesk.store.workspace import attachment_data as stored

    with desk.reading(), desk.store.read() as connection:
        return stored(connection, attachment_id)
