"""The migration runner: runs what a store lacks, by name, in one transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Connection, Engine

from agentdesk.store.migrations import (
    APPLICATION_ID,
    APPLIED_PREFIX,
    MIGRATIONS,
    Migration,
    Plan,
    read_plan,
)
from agentdesk.store.store_errors import StoreTooNew


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
