"""Opening the store: engine factory, pragmas, health check, migrations.

Nothing here runs at import time; open_store() does the work and is called from a worker.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.exc import OperationalError as SAOperationalError
from sqlalchemy.pool import QueuePool

from agentdesk.core.errors import BUSY, Busy, DeskError
from agentdesk.core.quality import QualityPolicy
from agentdesk.core.sla import SlaPolicy
from agentdesk.core.text import clean_text
from agentdesk.core.verification import VerificationPolicy
from agentdesk.store.connect import connect_file, db_errors, sqlcipher
from agentdesk.store.migrations import (
    APPLICATION_ID,
    APPLIED_PREFIX,
    MIGRATIONS,
    Migration,
    Plan,
    read_plan,
)

BUSY_TIMEOUT_MS = 10_000
"""How long a write waits for another writer: `agentdesk sync`, imports, start-up."""
INTERACTIVE_BUSY_TIMEOUT_MS = 2_000
"""The TUI's wait: an agent pressing a key is told "busy" quickly instead of after 10 s."""
_SQLITE_HEADER = b"SQLite format 3\x00"
_APPLICATION_ID_OFFSET = 68  # of the big-endian application_id in the file's 100-byte header

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


def _uri(path: Path) -> str:
    # mode=rw: once the file is set aside, a late connection fails instead of quietly
    # creating an empty database in its place. open_store() creates the file.
    return f"file:{quote(str(path))}?mode=rw"


def _read_only_uri(path: Path) -> str:
    # mode=ro (monitoring mode): SQLite itself refuses every write on the connection.
    return f"file:{quote(str(path))}?mode=ro"


def make_engine(
    path: Path,
    busy_timeout_ms: int | None = None,
    *,
    read_only: bool = False,
    key: bytes | None = None,
) -> Engine:
    """An engine on one SQLite file with agentdesk's pragmas on every connection.
    read_only: every connection is mode=ro and query_only (issue 15, monitoring mode).
    key: the store is SQLCipher-encrypted with this raw key (issue 16)."""
    busy_ms = BUSY_TIMEOUT_MS if busy_timeout_ms is None else busy_timeout_ms
    uri = _read_only_uri(path) if read_only else _uri(path)

    def connect() -> Any:
        return connect_file(uri, key, uri=True, timeout=busy_ms / 1000)

    # module=: SQLAlchemy wraps the driver's own exception classes, so an encrypted store's
    # busy, read-only and damage errors arrive as the same OperationalError/DatabaseError.
    extra: dict[str, Any] = {} if key is None else {"module": sqlcipher()}
    engine = create_engine(
        "sqlite://",
        creator=connect,
        poolclass=QueuePool,
        pool_size=4,
        max_overflow=4,
        **extra,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event below emit BEGIN, so writes can be IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if read_only:
            # Both locks: mode=ro is SQLite's file-level refusal, query_only its statement-level
            # one (it holds even if a later change opened the file writable). The journal mode
            # is the writer's: a reader of a WAL store reads the WAL as it is.
            cursor.execute("PRAGMA query_only=ON")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
            return
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Writers take the write lock up front: no deadlock-prone lock upgrade mid-transaction.
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    event.listen(engine, "before_cursor_execute", _clean_parameters, retval=True)
    return engine


_WRITES = ("INSERT", "UPDATE", "REPLACE")


def _clean_parameters(
    _connection: Connection,
    _cursor: Any,
    statement: str,
    parameters: Any,
    _context: Any,
    executemany: bool,
) -> tuple[str, Any]:
    """Nothing written to the store holds a control character or an escape sequence: every
    string a write statement carries passes the sanitiser (messages, notes, drafts, pulled
    remote content, audit values). Reads are left alone; so are bytes (attachments)."""
    if not statement.lstrip()[:7].upper().startswith(_WRITES):
        return statement, parameters
    if executemany:
        return statement, [_clean_row(row) for row in parameters]
    return statement, _clean_row(parameters)


def _clean_row(row: Any) -> Any:
    if isinstance(row, dict):
        return {key: clean_text(v) if isinstance(v, str) else v for key, v in row.items()}
    if isinstance(row, tuple | list):
        return type(row)(clean_text(v) if isinstance(v, str) else v for v in row)
    return row


@dataclass
class Store:
    path: Path
    engine: Engine
    policy: SlaPolicy
    verification: VerificationPolicy = field(default_factory=VerificationPolicy)
    quality: QualityPolicy = field(default_factory=QualityPolicy)
    key: bytes | None = field(default=None, repr=False)  # issue 16: SQLCipher's, or plain

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One BEGIN IMMEDIATE transaction; committed on exit, rolled back on error.
        Another writer's lock raises StoreBusy, a read-only file StoreNotWritable."""
        with self._situations(), self.engine.connect() as connection:
            connection = connection.execution_options(sqlite_begin="IMMEDIATE")
            with connection.begin():
                yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self._situations(), self.engine.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def _situations(self) -> Iterator[None]:
        try:
            yield
        except SAOperationalError as error:
            situation = _not_damage(self.path, error.orig or error)
            if situation is None:
                raise
            raise situation from error

    def close(self) -> None:
        self.engine.dispose()


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


def _plan(connection: Connection, migrations: Sequence[Migration]) -> Plan:
    raw = connection.connection.driver_connection
    assert raw is not None
    return read_plan(raw, migrations)


def migrate(
    engine: Engine, migrations: Sequence[Migration] = MIGRATIONS, *, path: Path | None = None
) -> tuple[str, ...]:
    """Bring the schema forward: run each migration whose name the store has not recorded,
    in order, in one transaction. Returns the names applied, in the order they were. A store
    with a migration this agentdesk does not know raises StoreTooNew and is left as it is."""
    with engine.connect() as connection:
        planned = _plan(connection, migrations)
        app_id = connection.exec_driver_sql("PRAGMA application_id").scalar_one()
        connection.rollback()
        if planned.unknown:
            raise StoreTooNew(path or Path("the store"), planned.unknown)
        if planned.current and app_id == APPLICATION_ID:
            return planned.applied  # nothing to do: opening must not write
        connection = connection.execution_options(sqlite_begin="IMMEDIATE")
        with connection.begin():
            planned = _plan(connection, migrations)  # another process may have migrated
            if planned.unknown:
                raise StoreTooNew(path or Path("the store"), planned.unknown)
            applied = list(planned.applied)
            # A store of the positional runner: its first N migrations get their names.
            for order, name in enumerate(planned.record, start=1):
                _record(connection, name, order)
            for migration in planned.run:
                # executescript would COMMIT first; run statement by statement instead.
                for statement in _statements(migration.sql):
                    connection.exec_driver_sql(statement)
                applied.append(migration.name)
                _record(connection, migration.name, len(applied))
            # The count, for a positional runner (an older agentdesk) to see what it lacks.
            connection.exec_driver_sql(f"PRAGMA user_version = {len(applied)}")
            connection.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
            return tuple(applied)


def _record(connection: Connection, name: str, order: int) -> None:
    connection.exec_driver_sql(
        "INSERT INTO meta (key, value) VALUES (?, ?)", (APPLIED_PREFIX + name, str(order))
    )


def _statements(script: str) -> list[str]:
    parts: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                parts.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        parts.append(buffer.strip())
    return parts


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
