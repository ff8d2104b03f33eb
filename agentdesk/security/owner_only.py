"""Owner-only files (issue 16): the database, its WAL and shm, and every file agentdesk
writes are 0600, their folders 0700. A process-wide umask does it for files made from now
on (SQLite makes -wal and -shm with the database's mode); chmod fixes what exists."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

UMASK = 0o077
FILE_MODE = 0o600
DIR_MODE = 0o700


def owner_only_umask() -> None:
    os.umask(UMASK)


def make_owner_only(path: Path, *, folder_levels: int = 1) -> None:
    """chmod path (a file or folder) and its nearest folders; quietly skips what it does
    not own (a shared parent such as ~/.local/share is left alone above folder_levels)."""
    owner_only_umask()
    targets = [path] if path.exists() else []
    parent = path.parent
    for _ in range(folder_levels):
        targets.append(parent)
        parent = parent.parent
    for target in targets:
        with contextlib.suppress(OSError):
            if target.is_dir():
                if stat.S_IMODE(target.stat().st_mode) != DIR_MODE:
                    target.chmod(DIR_MODE)
            elif target.exists() and stat.S_IMODE(target.stat().st_mode) != FILE_MODE:
                target.chmod(FILE_MODE)
