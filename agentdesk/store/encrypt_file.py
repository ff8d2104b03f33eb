"""Turning a plain store into an SQLCipher one in place (issue 16, `agentdesk encrypt`).

SQLCipher's sqlcipher_export copies every table, index, trigger and row into a new encrypted
file beside the store; the copy is checked (integrity_check, the row count of every table,
user_version and application_id, which the export does not carry) and only then swapped in
with one rename. Until that rename the original is the store, whole and openable; after it,
nothing plain is left in the folder: the export ran with the original in rollback-journal
mode, so it has no -wal or -shm, and a stale half-made copy of an earlier attempt is
ciphertext that is removed first.

Standard library and sqlcipher3 only: the caller has found the key and decided the file is
agentdesk's own to rewrite.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentdesk.core.errors import DeskError
from agentdesk.store.connect import connect_file, sqlcipher

Step = Callable[[str], None]
"""Called between the steps ("locked", "exported", "verified"); a test's fault goes here."""

SUFFIX = ".encrypting"
_SIDE_FILES = ("-wal", "-shm", "-journal")


class EncryptFailed(DeskError):
    """The conversion stopped; the message says why, and the original is the store still."""


@dataclass(frozen=True)
class Encrypted:
    path: Path
    tables: int
    rows: int


def partial_copy(path: Path) -> Path:
    return path.with_name(path.name + SUFFIX)


def encrypt_file(path: Path, key: bytes, *, step: Step | None = None) -> Encrypted:
    """Encrypt the plain store at path with key. Raises EncryptFailed (nothing changed) when
    another connection has it open, the export fails or its copy does not match."""
    step = step or (lambda _name: None)
    new = partial_copy(path)
    _remove_with_side_files(new)  # an earlier attempt's leftover: ciphertext, never the store
    plain = sqlcipher().connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        counts = _lock_and_export(plain, path, new, key, step)
        step("exported")
        _verify(new, key, counts, _header_values(plain))
        step("verified")
        for suffix in _SIDE_FILES:
            if Path(str(new) + suffix).exists() or Path(str(path) + suffix).exists():
                raise EncryptFailed(f"{path}{suffix} appeared during the export; try again")
        os.chmod(new, 0o600)  # owner-only whatever the umask SQLCipher made it with
        _fsync(new)
        os.replace(new, path)  # the one step that changes the store: atomic
        _fsync(path.parent)
    except BaseException:
        plain.close()
        _remove_with_side_files(new)
        raise
    plain.close()  # it held the replaced (unlinked) plain file; nothing of it stays behind
    for suffix in _SIDE_FILES:
        Path(str(path) + suffix).unlink(missing_ok=True)
    return Encrypted(path, len(counts), sum(counts.values()))


def _lock_and_export(plain: Any, path: Path, new: Path, key: bytes, step: Step) -> dict[str, int]:
    errors = (sqlcipher().Error,)
    try:
        plain.execute("PRAGMA busy_timeout = 2000")
        # Leaving WAL needs every other connection gone: the check that no agentdesk (or
        # `agentdesk sync`) has the store open, and the -wal is folded in and removed.
        mode = plain.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
        if str(mode).lower() != "delete":
            raise _in_use(path)
        plain.execute("PRAGMA locking_mode = EXCLUSIVE")
        plain.execute("BEGIN EXCLUSIVE")  # held until the swap: nobody writes in between
        step("locked")
        counts = _counts(plain, "main")
        plain.execute(f"ATTACH DATABASE ? AS sealed KEY \"x'{key.hex()}'\"", (str(new),))
        plain.execute("SELECT sqlcipher_export('sealed')")
        version, app_id = _header_values(plain)
        plain.execute(f"PRAGMA sealed.user_version = {int(version)}")
        plain.execute(f"PRAGMA sealed.application_id = {int(app_id)}")
        plain.execute("COMMIT")  # the copy's transaction; the exclusive lock stays (mode)
        plain.execute("DETACH DATABASE sealed")
        plain.execute("BEGIN EXCLUSIVE")
        plain.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except errors as error:
        text = str(error).lower()
        if "locked" in text or "busy" in text:
            raise _in_use(path) from error
        raise EncryptFailed(
            f"{path} could not be copied encrypted: SQLite says: {error}; the store is unchanged"
        ) from error
    return counts


def _in_use(path: Path) -> EncryptFailed:
    return EncryptFailed(
        f"{path} is open in another agentdesk (the TUI or `agentdesk sync`): close it, then "
        "run `agentdesk encrypt` again; nothing was changed"
    )


def _header_values(connection: Any) -> tuple[int, int]:
    version = connection.execute("PRAGMA main.user_version").fetchone()[0]
    app_id = connection.execute("PRAGMA main.application_id").fetchone()[0]
    return int(version), int(app_id)


def _counts(connection: Any, schema: str) -> dict[str, int]:
    names = [
        row[0]
        for row in connection.execute(
            f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' ORDER BY name"
        )
    ]
    return {
        name: connection.execute(f'SELECT count(*) FROM {schema}."{name}"').fetchone()[0]
        for name in names
    }


def _verify(new: Path, key: bytes, counts: dict[str, int], header: tuple[int, int]) -> None:
    sealed = connect_file(new, key)
    try:
        check = [row[0] for row in sealed.execute("PRAGMA integrity_check")]
        found = _counts(sealed, "main")
        found_header = _header_values(sealed)
    except sqlcipher().Error as error:
        raise EncryptFailed(
            f"the encrypted copy {new} cannot be read back ({error}); the store is unchanged"
        ) from error
    finally:
        sealed.close()
    if check != ["ok"]:
        raise EncryptFailed(
            f"the encrypted copy failed SQLite's integrity check ({'; '.join(check[:3])}); "
            "the store is unchanged"
        )
    if found != counts or found_header != header:
        differ = sorted(
            name for name in set(found) | set(counts) if found.get(name) != counts.get(name)
        )
        what = ", ".join(differ[:5]) or "user_version/application_id"
        raise EncryptFailed(
            f"the encrypted copy does not match the store ({what}); the store is unchanged"
        )


def _fsync(path: Path) -> None:
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
    handle = os.open(path, flags)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _remove_with_side_files(path: Path) -> None:
    for suffix in ("", *_SIDE_FILES):
        with contextlib.suppress(FileNotFoundError):
            Path(str(path) + suffix).unlink()
