"""What the ticket screen's workers run: blocking reads and writes, no widgets.

The queue reads a ticket with read_ticket before it pushes the screen, so the screen's first
frame already shows it; the screen uses the same read after each change.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from agentdesk.core.attachments import AttachmentRefused, NewAttachment, check_size
from agentdesk.core.note_template import Taxonomy
from agentdesk.store.workspace_rows import TicketWorkspace

if TYPE_CHECKING:
    from agentdesk.session import Session


@dataclass(frozen=True)
class OpenedTicket:
    workspace: TicketWorkspace
    taxonomy: Taxonomy


def read_ticket(session: Session, ticket_id: int) -> OpenedTicket | None:
    """Everything the ticket screen shows, in one read transaction; None when the ticket is
    not in the store. Blocking: call it in a worker."""
    from agentdesk.shipped import load_taxonomy
    from agentdesk.store.workspace import ticket_workspace

    taxonomy = load_taxonomy()
    with session.store.read() as connection:
        workspace = ticket_workspace(connection, ticket_id)
    return None if workspace is None else OpenedTicket(workspace, taxonomy)


def read_attachment(typed: str) -> NewAttachment:
    """Read a file to attach (blocking IO: call it in a worker). The size is checked before
    the file is read, so an oversized file costs nothing."""
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


def draft_saver(
    session: Session, ticket_id: int, slot: str, mode: str, body: str, now: datetime
) -> Callable[[], None]:
    def save() -> None:
        from agentdesk.store.workspace import save_draft

        save_draft(session.store, ticket_id, slot, mode, body, now)

    return save
