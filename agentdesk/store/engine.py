"""Opening the store: engine factory, pragmas, health check, migrations.

Nothing here runs at import time; open_store() does the work and is called from a worker.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.pool import QueuePool

from agentdesk.core.errors import DeskError
from agentdesk.core.quality import QualityPolicy
from agentdesk.core.sla import SlaPolicy
from agentdesk.core.verification import VerificationPolicy
from agentdesk.store.migrations import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION

BUSY_TIMEOUT_MS = 10_000
_SQLITE_HEADER = b"SQLite format 3\x00"


class StoreError(DeskError):
    """The store cannot be used; the message says which file and what to do."""


class StoreUnusable(StoreError):
    """A damaged or foreign file. It has been moved aside, never deleted."""

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


class StoreTooNew(StoreError):
    def __init__(self, path: Path, version: int) -> None:
        super().__init__(
            f"{path} has schema version {version}, newer than this agentdesk knows "
            f"({SCHEMA_VERSION}). Upgrade agentdesk to open it; the file was left as it is."
        )


def make_engine(path: Path) -> Engine:
    """An engine on one SQLite file with agentdesk's pragmas on every connection."""
    # mode=rw: once the file is set aside, a late connection fails instead of quietly
    # creating an empty database in its place. open_store() creates the file.
    uri = f"file:{quote(str(path))}?mode=rw"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(
            uri, uri=True, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
        )

    engine = create_engine(
        "sqlite://",
        creator=connect,
        poolclass=QueuePool,
        pool_size=4,
        max_overflow=4,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy's begin event below emit BEGIN, so writes can be IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Writers take the write lock up front: no deadlock-prone lock upgrade mid-transaction.
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


@dataclass
class Store:
    path: Path
    engine: Engine
    policy: SlaPolicy
    verification: VerificationPolicy = field(default_factory=VerificationPolicy)
    quality: QualityPolicy = field(default_factory=QualityPolicy)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One BEGIN IMMEDIATE transaction; committed on exit, rolled back on error."""
        with self.engine.connect() as connection:
            connection = connection.execution_options(sqlite_begin="IMMEDIATE")
            with connection.begin():
                yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as connection, connection.begin():
            yield connection

    def close(self) -> None:
        self.engine.dispose()


def _set_aside(path: Path, reason: str) -> StoreUnusable:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    moved_to = path.with_name(f"{path.name}.unusable-{stamp}")
    path.rename(moved_to)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.rename(moved_to.with_name(moved_to.name + suffix))
    return StoreUnusable(path, moved_to, reason)


def _quick_check(connection: sqlite3.Connection) -> str | None:
    """SQLite's own health check; the first problem it reports, or None."""
    result = connection.execute("PRAGMA quick_check").fetchall()
    problems = [row[0] for row in result if row[0] != "ok"]
    return problems[0] if problems else None


def _check_file(path: Path, *, quick_check: bool) -> None:
    """Refuse a foreign or damaged file before SQLAlchemy touches it."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        header = handle.read(len(_SQLITE_HEADER))
    if header != _SQLITE_HEADER:
        raise _set_aside(path, "it is not an SQLite database")
    try:
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            problem = _quick_check(connection) if quick_check else None
            app_id = connection.execute("PRAGMA application_id").fetchone()[0]
            tables = connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
            version = connection.execute("PRAGMA user_version").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise _set_aside(path, f"SQLite says: {error}") from error
    if problem:
        raise _set_aside(path, f"the integrity check failed: {problem}")
    if app_id != APPLICATION_ID and (app_id != 0 or tables > 0):
        raise _set_aside(path, "it is another program's SQLite database")
    if version > SCHEMA_VERSION:
        raise StoreTooNew(path, version)


def migrate(engine: Engine) -> int:
    """Bring the schema forward; returns the version now in the file."""
    with engine.connect() as connection:
        version = connection.exec_driver_sql("PRAGMA user_version").scalar_one()
        app_id = connection.exec_driver_sql("PRAGMA application_id").scalar_one()
        connection.rollback()
        if version == SCHEMA_VERSION and app_id == APPLICATION_ID:
            return int(version)  # nothing to do: opening must not write
        connection = connection.execution_options(sqlite_begin="IMMEDIATE")
        with connection.begin():
            version = connection.exec_driver_sql("PRAGMA user_version").scalar_one()
            for number, script in enumerate(MIGRATIONS, start=1):
                if number <= version:
                    continue
                raw = connection.connection.driver_connection
                assert raw is not None
                # executescript would COMMIT first; run statement by statement instead.
                for statement in _statements(script):
                    connection.exec_driver_sql(statement)
                connection.exec_driver_sql(f"PRAGMA user_version = {number}")
            connection.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
            return int(connection.exec_driver_sql("PRAGMA user_version").scalar_one())


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


def open_store(path: Path, policy: SlaPolicy, *, quick_check: bool = True) -> Store:
    """Open (creating if needed) the store at path. Raises StoreError with a clear message.

    quick_check=False leaves SQLite's health check (about 1 s per 200 MB) to check_store(),
    which the TUI runs once the queue is on screen.
    """
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    _check_file(path, quick_check=quick_check)
    if not path.exists():
        sqlite3.connect(path).close()
    engine = make_engine(path)
    try:
        migrate(engine)
    except SADatabaseError as error:
        engine.dispose()
        raise _set_aside(path, f"SQLite says: {error.orig}") from error
    return Store(path=path, engine=engine, policy=policy)


def check_store(store: Store) -> None:
    """The health check open_store() skipped. A damaged store is closed and set aside."""
    try:
        connection = sqlite3.connect(store.path, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            problem = _quick_check(connection)
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        problem = f"SQLite says: {error}"
    if problem:
        store.close()
        raise _set_aside(store.path, f"the integrity check failed: {problem}")
