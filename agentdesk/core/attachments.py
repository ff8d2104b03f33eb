"""Attachment rules: how big a file may be, and how sizes are shown. No IO here."""

from __future__ import annotations

from dataclasses import dataclass

from agentdesk.core.errors import Refused

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


class AttachmentRefused(Refused, ValueError):
    """A file that cannot be attached; the message says which and why."""


@dataclass(frozen=True)
class NewAttachment:
    filename: str
    mime_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


def format_size(size: int) -> str:
    """'512 B', '3.4 KB', '10.0 MB' (binary units, as file managers show them)."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def check_size(filename: str, size: int) -> None:
    if size > MAX_ATTACHMENT_BYTES:
        raise AttachmentRefused(
            f"{filename} is {format_size(size)}; attachments may be at most "
            f"{format_size(MAX_ATTACHMENT_BYTES)}"
        )
    if size == 0:
        raise AttachmentRefused(f"{filename} is empty")
