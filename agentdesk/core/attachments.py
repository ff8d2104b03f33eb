"""Attachment rules: how big a file may be, and how sizes are shown. No IO here."""

from __future__ import annotations

import re
from dataclasses import dataclass

from agentdesk.core.errors import Refused

# The SOP's "10 MB", in decimal units as every size here is shown: 10,000,000 bytes.
MAX_ATTACHMENT_BYTES = 10_000_000
MAX_ATTACHMENT_TEXT = f"{MAX_ATTACHMENT_BYTES // 1_000_000} MB"


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
    """'512 B', '3.4 KB', '11.0 MB': decimal units (1 MB = 1,000,000 bytes), as the SOP's
    10 MB limit and most file managers count them."""
    if size < 1000:
        return f"{size} B"
    if size < 1_000_000:
        return f"{size / 1000:.1f} KB"
    return f"{size / 1_000_000:.1f} MB"


def check_size(filename: str, size: int) -> None:
    if size > MAX_ATTACHMENT_BYTES:
        shown, limit = format_size(size), MAX_ATTACHMENT_TEXT
        if shown == format_size(MAX_ATTACHMENT_BYTES):  # "10.0 MB" would look allowed
            shown, limit = f"{size:,} bytes", f"{limit} ({MAX_ATTACHMENT_BYTES:,} bytes)"
        raise AttachmentRefused(f"{filename} is {shown}; attachments may be at most {limit}")
    if size == 0:
        raise AttachmentRefused(f"{filename} is empty")


_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f/\\:]+")

# What may be handed to the system opener (xdg-open, open): documents and media. A file a
# customer sent could be a program or a .desktop launcher; those are saved, never run.
OPENABLE_TYPES = ("image/", "audio/", "video/", "text/plain", "text/csv", "application/pdf")


def safe_filename(filename: str, attachment_id: int) -> str:
    """A name to write the file under: no folders, no control characters, never hidden."""
    name = _UNSAFE.sub("_", filename.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    return name or f"attachment-{attachment_id}"


def may_open(mime_type: str) -> bool:
    """Whether the system opener may be given a file of this type."""
    return mime_type.startswith(OPENABLE_TYPES)
