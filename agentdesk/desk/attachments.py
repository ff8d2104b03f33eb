"""Attaching files to a ticket, reading one back, saving it to a folder, opening it and
removing it.

Opening writes a copy for the viewer (issue 16: personal data at rest). The copy is
agentdesk's own, never the agent's: it lives owner-only (0600, in 0700 folders) under the
profile's cache folder, `opened/<pid>.<ticket>.<random>/<name>`, and goes when the ticket
screen closes, when agentdesk exits (atexit), once it is older than COPY_LIFETIME_SECONDS
(swept at each open and every 10 minutes by an open ticket screen), at the next start after
a crash (a dead process's folders), and with `agentdesk purge` (the cache folder). A file
saved out with "save as" is the agent's: no sweep looks outside `opened/`, and saving into
`opened/` is refused.
"""

from __future__ import annotations

import atexit
import contextlib
import mimetypes
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
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
    if _inside(target, opened_folder(desk.settings.cache_dir)):
        raise BadInput(
            f"{target.parent} holds agentdesk's temporary copies, which are removed when "
            "the ticket closes; choose another folder (nothing was saved)"
        )
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
    """Save an owner-only copy in the profile's cache (see the module's docstring for when
    it goes) and, when there is a display and the file is a document or media, hand it to
    the system opener. Over SSH or in a bare terminal the agent gets the path."""
    row, data = _attachment(desk, ticket_id, attachment_id)
    cache_dir = desk.settings.cache_dir
    sweep_opened_copies(cache_dir)  # the bounded time: older copies of ours go now
    path = write_private_copy(cache_dir, ticket_id, safe_filename(row.filename, row.id), data)
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


# The temporary copies of opened attachments (issue 16).

OPENED = "opened"
COPY_LIFETIME_SECONDS = 3600.0
"""A copy older than this is removed at the next open or start, even while agentdesk runs
with the ticket open: a viewer has had it for an hour."""

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # a planted symlink is never written through
_registered: set[Path] = set()
_registered_lock = threading.Lock()


def opened_folder(cache_dir: Path) -> Path:
    return Path(cache_dir) / OPENED


def write_private_copy(cache_dir: Path, ticket_id: int, name: str, data: bytes) -> Path:
    """Write data as opened/<pid>.<ticket>.<random>/name, 0600 in 0700 folders, and make
    sure this process removes its copies when it exits."""
    root = opened_folder(cache_dir)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    for folder in (root.parent, root):
        with contextlib.suppress(OSError):
            folder.chmod(0o700)
    _remove_at_exit(root)
    folder = root / f"{os.getpid()}.{ticket_id}.{secrets.token_hex(4)}"
    folder.mkdir(mode=0o700)
    path = folder / name
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    return path


def close_opened_copies(desk: Desk, ticket_id: int) -> int:
    """The ticket screen closed: this process's copies of its attachments go. Returns how
    many folders were removed."""
    return _remove(
        opened_folder(desk.settings.cache_dir),
        lambda pid, ticket, _age: pid == os.getpid() and ticket == ticket_id,
    )


def remove_own_copies(cache_dir: Path) -> int:
    """agentdesk exits: every copy this process made goes."""
    return _remove(opened_folder(cache_dir), lambda pid, _ticket, _age: pid == os.getpid())


def sweep_opened_copies(cache_dir: Path, *, lifetime: float | None = None) -> int:
    """At start, at each open and every few minutes on an open ticket: copies of a process
    that is gone (a crash, a kill) and copies older than lifetime (COPY_LIFETIME_SECONDS).
    Another running agentdesk's fresh copies stay."""
    limit = COPY_LIFETIME_SECONDS if lifetime is None else lifetime
    return _remove(
        opened_folder(cache_dir),
        lambda pid, _ticket, age: age > limit or not _alive(pid),
    )


def _remove(root: Path, doomed: Callable[[int, int, float], bool]) -> int:
    """Remove the copy folders under root that doomed(pid, ticket, age) names; only
    folders named as write_private_copy names them, never a symlink, never anything
    outside root."""
    try:
        entries = list(os.scandir(root))
    except OSError:  # no folder yet: nothing was opened
        return 0
    now = time.time()
    removed = 0
    for entry in entries:
        parts = entry.name.split(".")
        if len(parts) != 3 or not (parts[0].isdigit() and parts[1].isdigit()):
            continue  # not one of ours: left alone
        try:
            if entry.is_symlink() or not entry.is_dir(follow_symlinks=False):
                continue
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if doomed(int(parts[0]), int(parts[1]), age):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed += not os.path.lexists(entry.path)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: a process of someone else's: not ours to judge
        return True
    return True


def _remove_at_exit(root: Path) -> None:
    with _registered_lock:
        if root in _registered:
            return
        _registered.add(root)
    atexit.register(remove_own_copies, root.parent)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except (OSError, ValueError):
        return False
    return True
