"""Migrations are known by name, not by place: a store records the names it has in meta.

Before, user_version N meant "the first N of MIGRATIONS"; a store made by a branch that had
numbered its own migration N re-ran main's N-th on opening ("index ix_tickets_queue_order
already exists"). These tests build stores the old way and the new, and check the runner
applies exactly what a store lacks, and refuses (moving nothing) a store it does not know.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from agentdesk.store.engine import (
    StoreError,
    StoreTooNew,
    make_engine,
    migrate,
    open_store,
    open_store_read_only,
)
from agentdesk.store.migrations import (
    APPLICATION_ID,
    APPLIED_PREFIX,
    MIGRATIONS,
    POSITIONAL_NAMES,
    SCHEMA_VERSION,
    Migration,
)

SQL_BY_NAME = {m.name: m.sql for m in MIGRATIONS}
# Main's list when it numbered them (c4941ae): the tests below run against it, so that they
# hold whatever migrations are added after it.
MAIN = [Migration(name, SQL_BY_NAME[name]) for name in POSITIONAL_NAMES]
COUNT = len(POSITIONAL_NAMES)
CUSTOMER = (
    "INSERT INTO customers (account_id, name, email, region, created_at) "
    "VALUES ('A-1', 'Ann', 'ann@example.com', 'emea', '2026-01-01T00:00:00.000000Z')"
)


def _positional_store(path: Path, count: int) -> None:
    """A store as main's runner at c4941ae left it: the first `count` migrations run, their
    count in user_version, no names anywhere."""
    connection = sqlite3.connect(path)
    try:
        for name in POSITIONAL_NAMES[:count]:
            connection.executescript(SQL_BY_NAME[name])
        connection.execute(CUSTOMER)
        connection.execute(f"PRAGMA user_version = {count}")
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.commit()
    finally:
        connection.close()


def _recorded(path: Path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute(
            "SELECT key FROM meta WHERE key LIKE 'migration:%' ORDER BY CAST(value AS INTEGER)"
        ).fetchall()
    finally:
        connection.close()
    return [key.removeprefix(APPLIED_PREFIX) for (key,) in rows]


def _pragma(path: Path, name: str) -> Any:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        connection.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "agentdesk.db"
    sqlite3.connect(path).close()
    made = make_engine(path)
    yield made
    made.dispose()


def _file(engine: Engine) -> Path:
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("PRAGMA database_list").fetchall()
    return Path(next(row[2] for row in rows if row[1] == "main"))


_NEW_INDEX = "CREATE INDEX ix_customers_name ON customers (name);"


def _statements_run(engine: Engine) -> list[str]:
    """Every DDL statement the engine runs from now on."""
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(_c: Any, _cur: Any, statement: str, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith(("CREATE", "DROP", "ALTER")):
            seen.append(statement)

    return seen


def test_a_store_of_the_positional_runner_gets_only_what_it_lacks(engine: Engine) -> None:
    db = _file(engine)
    _positional_store(db, COUNT - 1)  # before the queue-order index
    ran = _statements_run(engine)
    applied = migrate(engine, MAIN)
    assert applied == POSITIONAL_NAMES
    assert len(ran) == 1 and "ix_tickets_queue_order" in ran[0]
    assert _recorded(db) == list(POSITIONAL_NAMES)
    assert _pragma(db, "user_version") == COUNT
    connection = sqlite3.connect(db)
    assert connection.execute("SELECT name FROM customers").fetchall() == [("Ann",)]
    connection.close()


def test_a_current_positional_store_is_named_and_runs_nothing(engine: Engine) -> None:
    db = _file(engine)
    _positional_store(db, COUNT)
    ran = _statements_run(engine)
    assert migrate(engine, MAIN) == POSITIONAL_NAMES
    assert ran == []
    assert _recorded(db) == list(POSITIONAL_NAMES)
    engine.dispose()
    before = _digest(db)
    assert migrate(engine, MAIN) == POSITIONAL_NAMES  # named now: opening again writes nothing
    engine.dispose()
    assert _digest(db) == before


def test_a_migration_merged_in_before_one_the_store_has_is_applied_alone(
    engine: Engine,
) -> None:
    """The merge case: a branch's store has main's migrations and h17; main now orders a
    new migration before h17. Only the new one runs (positions would have re-run h17)."""
    db = _file(engine)
    migrate(engine, MAIN)
    merged = [*MAIN[:-1], Migration("h99_notes_index", _NEW_INDEX), MAIN[-1]]
    ran = _statements_run(engine)
    applied = migrate(engine, merged)
    assert ran == [_NEW_INDEX]
    assert applied == (*POSITIONAL_NAMES, "h99_notes_index")
    assert _recorded(db) == [*POSITIONAL_NAMES, "h99_notes_index"]
    assert _pragma(db, "user_version") == COUNT + 1


def test_this_build_has_every_migration_main_numbered_and_names_each_once() -> None:
    names = [m.name for m in MIGRATIONS]
    assert set(POSITIONAL_NAMES) <= set(names)
    assert len(names) == len(set(names)) == SCHEMA_VERSION


def test_a_positional_store_opens_with_this_builds_migrations(tmp_path: Path, policy: Any) -> None:
    """The store an agent has today (main's runner, all of main's migrations): opened by this
    build, it runs only what main did not have, and records every name."""
    path = tmp_path / "agentdesk.db"
    _positional_store(path, COUNT)
    open_store(path, policy).close()
    assert sorted(_recorded(path)) == sorted(m.name for m in MIGRATIONS)
    assert _recorded(path)[:COUNT] == list(POSITIONAL_NAMES)
    assert _pragma(path, "user_version") == SCHEMA_VERSION


def test_a_store_with_a_name_this_agentdesk_does_not_know_is_refused(
    tmp_path: Path, policy: Any
) -> None:
    path = tmp_path / "agentdesk.db"
    open_store(path, policy).close()
    connection = sqlite3.connect(path)
    connection.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?)",
        (APPLIED_PREFIX + "h15b_from_a_newer_build", str(SCHEMA_VERSION + 1)),
    )
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.commit()
    connection.close()
    before = _digest(path)
    with pytest.raises(StoreTooNew, match="h15b_from_a_newer_build") as refused:
        open_store(path, policy)
    assert "Upgrade agentdesk" in str(refused.value)
    with pytest.raises(StoreTooNew, match="h15b_from_a_newer_build"):
        open_store_read_only(path, policy)
    assert _digest(path) == before
    assert not [p for p in tmp_path.iterdir() if "unusable" in p.name]  # nothing moved aside


def test_the_runner_itself_refuses_an_unknown_name_and_writes_nothing(engine: Engine) -> None:
    db = _file(engine)
    migrate(engine, [*MAIN, Migration("h99_notes_index", _NEW_INDEX)])
    engine.dispose()
    before = _digest(db)
    with pytest.raises(StoreTooNew, match="h99_notes_index"):
        migrate(engine, MAIN)
    engine.dispose()
    assert _digest(db) == before


def test_a_positional_store_past_main_is_refused(tmp_path: Path, policy: Any) -> None:
    """A feature branch's store from before names: user_version past main's count."""
    path = tmp_path / "agentdesk.db"
    _positional_store(path, COUNT)
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version = {COUNT + 1}")
    connection.commit()
    connection.close()
    before = _digest(path)
    with pytest.raises(StoreTooNew, match=f"schema version {COUNT + 1}"):
        open_store(path, policy)
    assert _digest(path) == before


def test_monitoring_mode_names_what_a_store_lacks(tmp_path: Path, policy: Any) -> None:
    path = tmp_path / "agentdesk.db"
    _positional_store(path, COUNT - 1)
    with pytest.raises(StoreError, match=r"lacks migrations this agentdesk has \(h17_queue_order"):
        open_store_read_only(path, policy)
    open_store(path, policy).close()
    open_store_read_only(path, policy).close()
    assert _recorded(path)[:COUNT] == list(POSITIONAL_NAMES)
