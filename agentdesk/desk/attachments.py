"""Attaching files to a ticket, reading one back, saving it to a folder, opening it and
removing it."""

from __future__ import annotations

import mimetypes
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from agentdesk.core.attachments import (
    AttachmentRefused,
    NewAttachment,
    check_size,
    may_open,
    safe_filename,
)
from agentdesk.core.changes import ChangePlan, TicketChange
from agentdesk.core.errors import BadInput
from agentdesk.desk.base import Desk
from agentdesk.store.workspace_rows import AttachmentRow


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


class TargetExists(BadInput):
    """Saving would replace a file; the front end asks before it passes overwrite=True."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} already exists")
        self.path = path


@dataclass(frozen=True)
class SavedAttachment:
    path: Path
    opened_with: str | None = None
    """The system opener that was started, or None (the agent opens the path)."""
    why_not_opened: str = ""


def save_attachment(
    desk: Desk, ticket_id: int, attachment_id: int, typed: str, *, overwrite: bool = False
) -> Path:
    """Write the attachment into a folder (under its own name) or to a file path. An existing
    file is never replaced unless overwrite: TargetExists says which it is."""
    row, data = _attachment(desk, ticket_id, attachment_id)
    target = Path(typed.strip() or ".").expanduser()
    if target.is_dir():
        target = target / safe_filename(row.filename, row.id)
    if not target.parent.is_dir():
        raise BadInput(f"no folder at {target.parent}; nothing was saved")
    if target.is_dir():
        raise BadInput(f"{target} is a folder; nothing was saved")
    try:
        with target.open("wb" if overwrite else "xb") as out:
            out.write(data)
    except FileExistsError:
        raise TargetExists(target) from None
    except OSError as error:
        raise BadInput(f"{target} cannot be written: {error.strerror}") from None
    _audit_export(desk, ticket_id, attachment_id, "saved out")
    return target


def _audit_export(desk: Desk, ticket_id: int, attachment_id: int, how: str) -> None:
    """Issue 16: data leaving agentdesk is an audited export."""
    from agentdesk.desk.audit_trail import Event, record_event

    resource = f"attachment {attachment_id} of ticket {ticket_id}"
    record_event(desk, Event.EXPORT, resource=resource, detail=how, required=False)


def open_attachment(
    desk: Desk,
    ticket_id: int,
    attachment_id: int,
    *,
    environ: Mapping[str, str] = os.environ,
    launch: Callable[[list[str]], object] | None = None,
) -> SavedAttachment:
    """Save a copy in a private temp folder and, when there is a display and the file is a
    document or media, hand it to the system opener. Over SSH or in a bare terminal the
    agent gets the path."""
    row, data = _attachment(desk, ticket_id, attachment_id)
    folder = Path(tempfile.mkdtemp(prefix=f"agentdesk-{ticket_id}-"))
    path = folder / safe_filename(row.filename, row.id)
    with path.open("xb") as out:
        out.write(data)
    path.chmod(0o600)
    _audit_export(desk, ticket_id, attachment_id, "opened from a private temp copy")
    opener = _system_opener(environ)
    if opener is None:
        return SavedAttachment(path, None, "no display here")
    if not may_open(row.mime_type):
        return SavedAttachment(path, None, f"a {row.mime_type} file is not opened for you")
    (launch or _launch)([opener, str(path)])
    return SavedAttachment(path, Path(opener).name)


def remove_attachment(desk: Desk, ticket_id: int, attachment_id: int) -> str:
    """Remove the attachment from the ticket (audited); returns its file name. Local only:
    attachments are not sent to the helpdesk yet, so there is nothing remote to remove."""
    from agentdesk.store.attachments import remove_attachment as remove

    with desk.writing("remove an attachment"):
        row = remove(desk.store, ticket_id, attachment_id, actor=desk.actor.handle, now=desk.now())
    return row.filename


def _attachment(desk: Desk, ticket_id: int, attachment_id: int) -> tuple[AttachmentRow, bytes]:
    from agentdesk.store.workspace import attachment_data as stored
    from agentdesk.store.workspace import attachments

    with desk.reading(), desk.store.read() as connection:
        for row in attachments(connection, ticket_id):
            if row.id == attachment_id:
                return row, stored(connection, attachment_id)
    raise AttachmentRefused(f"ticket #{ticket_id} has no such attachment")


def _system_opener(environ: Mapping[str, str]) -> str | None:
    """xdg-open with a display (X11 or Wayland), `open` on a Mac not reached over SSH."""
    if sys.platform == "darwin":
        return None if environ.get("SSH_CONNECTION") else shutil.which("open")
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return shutil.which("xdg-open")
    return None


def _launch(command: list[str]) -> None:
    subprocess.Popen(  # the opener outlives agentdesk's screen; its output would garble it
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
