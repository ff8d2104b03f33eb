"""The engine on one SQLite file: agentdesk's pragmas, IMMEDIATE writers, the statement hook
that cleans every string written; and Store, its transactions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import OperationalError as SAOperationalError
from sqlalchemy.pool import QueuePool

from agentdesk.core.quality import QualityPolicy
from agentdesk.core.sla import SlaPolicy
from agentdesk.core.text import clean_text
from agentdesk.core.verification import VerificationPolicy
from agentdesk.store.connect import ENCRYPTED_CACHE_KIB, connect_file, sqlcipher
from agentdesk.store.store_errors import _not_damage

BUSY_TIMEOUT_MS = 10_000
"""How long a write waits for another writer: `agentdesk sync`, imports, start-up."""


INTERACTIVE_BUSY_TIMEOUT_MS = 2_000
"""The TUI's wait: an agent pressing a key is told "busy" quickly instead of after 10 s."""


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
        # The pool's connections serve the queue's reads again and again: a bigger cache
        # for an encrypted store (connect.py's ENCRYPTED_CACHE_KIB).
        return connect_file(
            uri, key, uri=True, timeout=busy_ms / 1000, cache_kib=ENCRYPTED_CACHE_KIB
        )

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
