"""Opening the store, for writing (creating and migrating it if needed) or for reading only
(monitoring mode). Nothing runs at import time; these are called from a worker."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import DatabaseError as SADatabaseError

from agentdesk.core.sla import SlaPolicy
from agentdesk.store.connect import connect_file, db_errors
from agentdesk.store.engine_factory import BUSY_TIMEOUT_MS, Store, make_engine
from agentdesk.store.health_check import _check_file, _file_is_ours
from agentdesk.store.migrate import _plan, migrate
from agentdesk.store.migrations import APPLICATION_ID, MIGRATIONS
from agentdesk.store.store_errors import (
    NotAgentdeskStore,
    StoreError,
    StoreKeyWrong,
    StoreNotWritable,
    StoreTooNew,
    _failure,
    _is_damage,
    _not_damage,
)


def open_store(
    path: Path,
    policy: SlaPolicy,
    *,
    quick_check: bool = True,
    busy_timeout_ms: int | None = None,
    key: bytes | None = None,
) -> Store:
    """Open (creating if needed) the store at path. Raises StoreError with a clear message.
    key: the store is (or is created) SQLCipher-encrypted with it; a key that does not open
    it raises StoreKeyWrong and moves nothing.

    quick_check=False leaves SQLite's health check (about 1 s per 200 MB) to check_store(),
    which the TUI runs once the queue is on screen. busy_timeout_ms: how long a write waits
    for another writer before the agent is told the database is busy.
    """
    path = Path(path).expanduser()
    if busy_timeout_ms is None:
        busy_timeout_ms = BUSY_TIMEOUT_MS
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreNotWritable(
            path, f"its folder {path.parent} cannot be made ({error.strerror})"
        ) from error
    _check_file(path, quick_check=quick_check, busy_timeout_ms=busy_timeout_ms, key=key)
    # Issue 16: owner-only, the file and its -wal/-shm (SQLite gives them the file's mode).
    from agentdesk.security.owner_only import make_owner_only

    make_owner_only(path, folder_levels=0)  # never the folder: --db may be in /tmp
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            make_owner_only(companion, folder_levels=0)
    created = not path.exists()
    if created:
        try:
            connect_file(path, key).close()
        except db_errors(key) as error:
            raise _failure(path, error, ours=False) from error
        make_owner_only(path, folder_levels=0)
    engine = make_engine(path, busy_timeout_ms, key=key)
    try:
        migrate(engine, path=path)
    except SADatabaseError as error:
        engine.dispose()
        # An encrypted store got here only after the key opened it and it proved ours.
        ours = created or key is not None or _file_is_ours(path)
        raise _failure(path, error.orig or error, ours=ours) from error
    return Store(path=path, engine=engine, policy=policy, key=key)


def open_store_read_only(
    path: Path,
    policy: SlaPolicy,
    *,
    busy_timeout_ms: int | None = None,
    key: bytes | None = None,
) -> Store:
    """Open an existing store for reading only (monitoring mode, issue 15): mode=ro and
    query_only on every connection, no migration, no health check that could move it aside.
    A store another agentdesk is writing is read as of each transaction's start (WAL).
    Raises StoreError: missing file, not agentdesk's, or a schema this version cannot read."""
    path = Path(path).expanduser()
    if busy_timeout_ms is None:
        busy_timeout_ms = BUSY_TIMEOUT_MS
    if not path.is_file():
        raise StoreError(
            f"{path} does not exist; monitoring mode opens an existing store and creates none"
        )
    engine = make_engine(path, busy_timeout_ms, read_only=True, key=key)
    try:
        with engine.connect() as connection:
            planned = _plan(connection, MIGRATIONS)
            app_id = connection.exec_driver_sql("PRAGMA application_id").scalar_one()
            connection.rollback()
    except SADatabaseError as error:
        engine.dispose()
        situation = _not_damage(path, error.orig or error)
        if situation is None and key is not None and _is_damage(error.orig or error):
            situation = StoreKeyWrong(path, f"SQLite says: {error.orig}")
        raise situation or NotAgentdeskStore(path, f"SQLite says: {error.orig}") from error
    if app_id != APPLICATION_ID:
        engine.dispose()
        raise NotAgentdeskStore(path, "it is not agentdesk's database")
    if planned.unknown:
        engine.dispose()
        raise StoreTooNew(path, planned.unknown)
    if planned.run:
        engine.dispose()
        missing = ", ".join(m.name for m in planned.run)
        raise StoreError(
            f"{path} lacks migrations this agentdesk has ({missing}); monitoring mode does "
            "not migrate. Open it once as its agent (or run `agentdesk sync --once` on it) "
            "to bring it forward."
        )
    return Store(path=path, engine=engine, policy=policy, key=key)
