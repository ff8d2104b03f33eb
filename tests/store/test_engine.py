"""The store on a real SQLite file: pragmas, migrations, damaged and foreign files."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from agentdesk.store.engine import StoreTooNew, StoreUnusable, check_store, open_store
from agentdesk.store.migrations import APPLICATION_ID, SCHEMA_VERSION
from agentdesk.store.models import SQLModel


def test_new_store_is_migrated_with_wal_and_full_sync(store) -> None:
    with store.read() as connection:
        pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar_one()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("synchronous") == 2  # FULL
        assert pragma("busy_timeout") >= 5000
        assert pragma("foreign_keys") == 1
        assert pragma("user_version") == SCHEMA_VERSION
        assert pragma("application_id") == APPLICATION_ID


def test_models_agree_with_the_migrated_schema(store) -> None:
    with store.read() as connection:
        for table in SQLModel.metadata.sorted_tables:
            columns = [
                row[1] for row in connection.exec_driver_sql(f"PRAGMA table_info({table.name})")
            ]
            assert columns == [c.name for c in table.columns], table.name


def test_queue_indexes_exist(store) -> None:
    with store.read() as connection:
        names = {
            row[0]
            for row in connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tickets'"
            )
        }
    assert {"ix_tickets_queue", "ix_tickets_due", "ix_tickets_assignee"} <= names


def test_reopening_keeps_data_and_does_not_migrate_again(tmp_path: Path, policy) -> None:
    path = tmp_path / "a.db"
    first = open_store(path, policy)
    with first.write() as connection:
        connection.execute(text("INSERT INTO meta (key, value) VALUES ('k', 'v')"))
    first.close()
    again = open_store(path, policy)
    with again.read() as connection:
        assert connection.execute(text("SELECT value FROM meta WHERE key = 'k'")).scalar() == "v"
    again.close()


def test_writes_take_the_write_lock_at_begin(store) -> None:
    """BEGIN IMMEDIATE: a second writer is refused at BEGIN, not half-way through."""
    with store.write() as connection:
        connection.execute(text("SELECT 1"))
        other = sqlite3.connect(store.path, timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()


def test_a_waiting_writer_gets_in_after_the_first_commits(store) -> None:
    entered = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with store.write() as connection:
            connection.execute(text("INSERT INTO meta (key, value) VALUES ('a', '1')"))
            entered.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    entered.wait(5)
    threading.Timer(0.3, release.set).start()
    with store.write() as connection:  # waits on busy_timeout instead of failing
        connection.execute(text("INSERT INTO meta (key, value) VALUES ('b', '2')"))
    holder.join()
    with store.read() as connection:
        assert connection.execute(text("SELECT count(*) FROM meta")).scalar_one() == 2


def test_a_text_file_is_set_aside_with_a_clear_message(tmp_path: Path, policy) -> None:
    path = tmp_path / "agentdesk.db"
    path.write_text("these are my notes, not a database\n")
    with pytest.raises(StoreUnusable) as caught:
        open_store(path, policy)
    message = str(caught.value)
    assert str(path) in message and "not an SQLite database" in message
    assert str(caught.value.moved_to) in message
    assert not path.exists()
    assert caught.value.moved_to.read_text() == "these are my notes, not a database\n"
    # The next open starts afresh where the damaged file was.
    open_store(path, policy).close()
    assert path.exists()


def test_another_programs_database_is_set_aside(tmp_path: Path, policy) -> None:
    path = tmp_path / "agentdesk.db"
    foreign = sqlite3.connect(path)
    foreign.execute("CREATE TABLE songs (title TEXT)")
    foreign.execute("INSERT INTO songs VALUES ('Blue in Green')")
    foreign.commit()
    foreign.close()
    with pytest.raises(StoreUnusable, match="another program's SQLite database") as caught:
        open_store(path, policy)
    kept = sqlite3.connect(caught.value.moved_to)
    assert kept.execute("SELECT title FROM songs").fetchall() == [("Blue in Green",)]
    kept.close()


def _damaged_store(path: Path, policy) -> bytes:  # type: ignore[no-untyped-def]
    store = open_store(path, policy)
    with store.write() as connection:
        connection.execute(
            text("INSERT INTO meta (key, value) VALUES (:k, :v)"),
            [{"k": f"k{i}", "v": "x" * 500} for i in range(400)],
        )
    store.close()  # the last connection to close checkpoints the WAL into the file
    damaged = bytearray(path.read_bytes())
    # Scribble over pages past the first: the header stays valid, the b-tree does not.
    for offset in range(4096 * 2, min(len(damaged), 4096 * 6)):
        damaged[offset] = 0xA5
    path.write_bytes(bytes(damaged))
    return bytes(damaged)


def test_a_damaged_database_is_set_aside_not_deleted(tmp_path: Path, policy) -> None:
    path = tmp_path / "agentdesk.db"
    damaged = _damaged_store(path, policy)
    with pytest.raises(StoreUnusable) as caught:
        open_store(path, policy)
    assert str(path) in str(caught.value)
    assert caught.value.moved_to.read_bytes() == damaged


def test_the_deferred_health_check_sets_a_damaged_store_aside(tmp_path: Path, policy) -> None:
    path = tmp_path / "agentdesk.db"
    damaged = _damaged_store(path, policy)
    store = open_store(path, policy, quick_check=False)  # the TUI's way: check after first rows
    with pytest.raises(StoreUnusable, match="integrity check failed") as caught:
        check_store(store)
    assert not path.exists()
    assert caught.value.moved_to.read_bytes() == damaged


def test_the_deferred_health_check_passes_a_sound_store(store) -> None:
    check_store(store)
    with store.read() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM meta").scalar_one() >= 0
    assert store.path.exists()


def test_a_newer_schema_is_refused_and_left_alone(tmp_path: Path, policy) -> None:
    path = tmp_path / "agentdesk.db"
    open_store(path, policy).close()
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.commit()
    raw.close()
    with pytest.raises(StoreTooNew, match="Upgrade agentdesk"):
        open_store(path, policy)
    assert path.exists()
