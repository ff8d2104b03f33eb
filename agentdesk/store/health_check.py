"""Before SQLAlchemy touches a file: is it agentdesk's, healthy, not too new; and the
health check open_store() may leave for later (check_store)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agentdesk.store.connect import connect_file, db_errors
from agentdesk.store.engine_factory import BUSY_TIMEOUT_MS, Store
from agentdesk.store.migrations import APPLICATION_ID, read_plan
from agentdesk.store.store_errors import (
    NotAgentdeskStore,
    StoreBusy,
    StoreError,
    StoreNotWritable,
    StoreTooNew,
    _failure,
    _not_damage,
    _set_aside,
)

_SQLITE_HEADER = b"SQLite format 3\x00"


_APPLICATION_ID_OFFSET = 68  # of the big-endian application_id in the file's 100-byte header


def _quick_check(connection: Any) -> str | None:
    """SQLite's own health check; the first problem it reports, or None."""
    result = connection.execute("PRAGMA quick_check").fetchall()
    problems = [row[0] for row in result if row[0] != "ok"]
    return problems[0] if problems else None


def _header(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(100)


def _file_is_ours(path: Path) -> bool:
    try:
        return _is_ours(_header(path))
    except OSError:
        return False


def _is_ours(header: bytes) -> bool:
    """agentdesk's application_id in the header: readable even when the b-tree is not."""
    at = _APPLICATION_ID_OFFSET
    return int.from_bytes(header[at : at + 4], "big") == APPLICATION_ID


def _check_file(
    path: Path, *, quick_check: bool, busy_timeout_ms: int, key: bytes | None = None
) -> None:
    """Refuse a foreign, damaged, busy or unreadable file before SQLAlchemy touches it.
    Only agentdesk's own store, found damaged by SQLite, is moved aside."""
    if path.is_dir():
        raise StoreError(
            f"{path} is a folder; give the path of a database file, "
            f"for example {path / 'agentdesk.db'}"
        )
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        header = _header(path)
    except OSError as error:
        raise StoreNotWritable(path, f"it cannot be read ({error.strerror})") from error
    if key is None and not header.startswith(_SQLITE_HEADER):
        raise NotAgentdeskStore(path, "it is not an SQLite database")
    # An encrypted header is ciphertext: whether it is ours is known once the key opens it.
    ours = key is None and _is_ours(header)
    first_read = key is not None
    try:
        connection = connect_file(path, key, timeout=busy_timeout_ms / 1000)
        try:
            app_id = connection.execute("PRAGMA application_id").fetchone()[0]
            first_read = False
            ours = ours or app_id == APPLICATION_ID
            tables = connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
            if app_id != APPLICATION_ID and (app_id != 0 or tables > 0):
                raise NotAgentdeskStore(path, "it is another program's SQLite database")
            problem = _quick_check(connection) if quick_check else None
            unknown = read_plan(connection).unknown
        finally:
            connection.close()
    except db_errors(key) as error:
        raise _failure(path, error, ours=ours, first_read=first_read) from error
    if problem:
        raise _set_aside(path, f"the integrity check failed: {problem}")
    if unknown:
        raise StoreTooNew(path, unknown)


def check_store(store: Store) -> None:
    """The health check open_store() skipped. A damaged store is closed and set aside; a
    busy one is left alone (the check runs again next start)."""
    try:
        connection = connect_file(store.path, store.key, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            problem = _quick_check(connection)
        finally:
            connection.close()
    except db_errors(store.key) as error:
        situation = _not_damage(store.path, error)
        if isinstance(situation, StoreBusy):
            return  # not damage: the check runs again at the next start
        if situation is not None:
            raise situation from error
        problem = f"SQLite says: {error}"
    if problem:
        store.close()
        raise _set_aside(store.path, f"the integrity check failed: {problem}")
