"""What can be wrong with a store at open, each a StoreError the agent can read; a
damaged store of agentdesk's own is moved aside, never deleted."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from agentdesk.core.errors import BUSY, Busy, DeskError

# SQLite's primary result codes (sqlite3.Error.sqlite_errorcode & 0xFF).
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6


_SQLITE_READONLY, _SQLITE_CANTOPEN, _SQLITE_PERM = 8, 14, 3


_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26


class StoreError(DeskError):
    """The store cannot be used; the message says which file and what to do."""


class StoreUnusable(StoreError):
    """agentdesk's own store, damaged (SQLite says so). It has been moved aside, never deleted."""

    def __init__(self, path: Path, moved_to: Path, reason: str) -> None:
        self.path = path
        self.moved_to = moved_to
        self.reason = reason
        super().__init__(
            f"{path} is not a usable agentdesk database ({reason}). "
            f"It was moved to {moved_to}; nothing was deleted. "
            f"Start agentdesk again to begin with an empty database there, "
            f"or put a backup back at {path}."
        )


class StoreBusy(StoreError, Busy):
    """Another process holds the write lock. Not damage: nothing was touched."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(BUSY)


class StoreNotWritable(StoreError):
    """A read-only file or folder, or one that cannot be opened. Nothing was touched."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        super().__init__(f"{path} cannot be used: {reason}; nothing was changed")


class NotAgentdeskStore(StoreError):
    """--db at a text file or another program's database: refused and left alone."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        super().__init__(f"{path} is not an agentdesk database ({reason}); nothing was changed")


class StoreKeyWrong(StoreError):
    """An encrypted store the key does not open. Not damage: a wrong key reads exactly like
    a file that is not a database, so nothing is moved or changed."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        super().__init__(
            f"the database key in the keyring does not open {path}: {reason}. Nothing was "
            "changed or moved. If the key was lost, the local data is lost with it: move the "
            "file away and sync again (the helpdesk still holds the tickets; unsent outbox "
            "work in the file is lost with it)"
        )


class StoreTooNew(StoreError):
    """The store has migrations this agentdesk does not know: a newer (or another) build's."""

    def __init__(self, path: Path, unknown: Sequence[str]) -> None:
        self.path = path
        self.unknown = tuple(unknown)
        super().__init__(
            f"{path} has migrations this agentdesk does not know ({', '.join(unknown)}): "
            "a newer agentdesk made or opened it. Upgrade agentdesk to open it; the file was "
            "left as it is."
        )


def _is_damage(error: BaseException) -> bool:
    """True only when SQLite itself says the file is corrupt or not a database."""
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    text = str(error).lower()
    return "malformed" in text or "not a database" in text


def _not_damage(path: Path, error: BaseException) -> StoreError | None:
    """The StoreError for a failure that is the file's situation, not its contents."""
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(error).lower()
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED) or "locked" in text or "busy" in text:
        return StoreBusy(path)
    if primary in (_SQLITE_READONLY, _SQLITE_PERM, _SQLITE_CANTOPEN) or any(
        words in text for words in ("readonly", "read-only", "unable to open")
    ):
        return StoreNotWritable(path, _why_not_writable(path))
    return None


def _why_not_writable(path: Path) -> str:
    if not os.access(path.parent, os.W_OK):
        return f"its folder {path.parent} is read-only"
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is read-only"
    return "SQLite cannot open it for writing"


def _failure(
    path: Path, error: BaseException, *, ours: bool, first_read: bool = False
) -> StoreError:
    """What an SQLite error at open means: busy, read-only, damage (set aside only when
    the file is agentdesk's own), or another failure that touches nothing. first_read: an
    encrypted store's first read, where "not a database" means the key does not open it."""
    situation = _not_damage(path, error)
    if situation is not None:
        return situation
    if first_read and _is_damage(error):
        return StoreKeyWrong(path, f"SQLite says: {error}")
    if _is_damage(error):
        if ours:
            return _set_aside(path, f"SQLite says: {error}")
        return NotAgentdeskStore(path, f"SQLite says: {error}")
    return StoreError(f"{path} could not be opened: SQLite says: {error}; nothing was changed")


def _set_aside(path: Path, reason: str) -> StoreError:
    """Move agentdesk's own damaged store (and its -wal/-shm) aside; never delete it."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    moved_to = path.with_name(f"{path.name}.unusable-{stamp}")
    try:
        path.rename(moved_to)
    except OSError as error:
        return StoreNotWritable(
            path, f"it is damaged ({reason}) and could not be moved aside ({error.strerror})"
        )
    for suffix in ("-wal", "-shm", "-journal"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.rename(moved_to.with_name(moved_to.name + suffix))
    return StoreUnusable(path, moved_to, reason)
