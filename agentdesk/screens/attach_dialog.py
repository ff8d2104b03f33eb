"""Attach a file: a path with completion (→ accepts it). The file is read and checked (size,
folder, missing) before the dialog closes; on an error it stays open with the path kept.
Returns the file read, or None."""

from __future__ import annotations

from agentdesk.core.attachments import MAX_ATTACHMENT_TEXT, NewAttachment
from agentdesk.screens.path_dialog import PathDialog


def _read(typed: str, again: bool) -> NewAttachment:
    from agentdesk.desk.attachments import read_file

    return read_file(typed)


class AttachDialog(PathDialog[NewAttachment]):
    def __init__(self) -> None:
        super().__init__(
            _read,
            title="Attach a file to the ticket",
            hint=f"Up to {MAX_ATTACHMENT_TEXT}. Type a path; → completes it, Enter attaches.",
            ok_label="Attach",
            placeholder="~/Downloads/screenshot.png",
        )
