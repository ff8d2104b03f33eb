"""The store on a real SQLite file: pragmas, migrations, damaged and foreign files."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from agentdesk.store.connect import connect_file, db_errors
from agentdesk.store.engine import (
    NotAgentdeskStore,
    Store,
    StoreTooNew,
    StoreUnusable,
    check_store,
    open_store,
)
from agentdesk.store.migrations import APPLICATION_ID, SCHEMA_VERSION
from agentdesk.store.models import SQLModel


@pytest.fixture(params=[None, bytes(range(32))], ids=["plain", "encrypted"])
def store(request: pytest.FixtureRequest, tmp_path: Path, policy) -> Iterator[Store]:  # type: ignore[no-untyped-def]
    """Issue 16: every test here runs on a plain and on a SQLCipher-encrypted store."""
    opened = open_store(tmp_path / "agentdesk.db", policy, key=request.param)
    yield opened
    opened.close()


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
        other = connect_file(store.path, store.key, timeout=0)
        other.isolation_level = None
        with pytest.raises(db_errors(store.key), match="locked"):
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
        written = "SELECT count(*) FROM meta WHERE key IN ('a', 'b')"
        assert connection.execute(text(written)).scalar_one() == 2


def test_a_text_file_is_refused_and_left_alone(tmp_path: Path, policy) -> None:
    """--db at the user's own file: not agentdesk's, so never renamed."""
    path = tmp_path / "notes.txt"
    path.write_text("these are my notes, not a database\n")
    with pytest.raises(NotAgentdeskStore) as caught:
        open_store(path, policy)
    assert str(caught.value) == (
        f"{path} is not an agentdesk database (it is not an SQLite database); nothing was changed"
    )
    assert path.read_text() == "these are my notes, not a database\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_another_programs_database_is_refused_and_left_alone(tmp_path: Path, policy) -> None:
    path = tmp_path / "music.db"
    foreign = sqlite3.connect(path)
    foreign.execute("CREATE TABLE songs (title TEXT)")
    foreign.execute("INSERT INTO songs VALUES ('Blue in Green')")
    foreign.commit()
    foreign.close()
    before = path.read_bytes()
    with pytest.raises(NotAgentdeskStore, match="nothing was changed") as caught:
        open_store(path, policy)
    assert "another program's SQLite database" in str(caught.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["music.db"]


def test_another_programs_damaged_database_is_not_set_aside(tmp_path: Path, policy) -> None:
    """Damage is set aside only for agentdesk's own store (its application_id)."""
    path = tmp_path / "music.db"
    foreign = sqlite3.connect(path)
    foreign.execute("CREATE TABLE songs (title TEXT)")
    foreign.executemany("INSERT INTO songs VALUES (?)", [("x" * 500,)] * 400)
    foreign.commit()
    foreign.close()
    damaged = bytearray(path.read_bytes())
    for offset in range(4096 * 2, min(len(damaged), 4096 * 6)):
        damaged[offset] = 0xA5
    path.write_bytes(bytes(damaged))
    with pytest.raises(NotAgentdeskStore):
        open_store(path, policy)
    assert path.read_bytes() == bytes(damaged)


def _damaged_store(path: Path, policy) -> bytes:  # type: ignore[no-untyped-def]
    store = open_store(path, policy)
    store.close()
    # Pages of a table no open reads (the open reads meta: the applied migrations' names).
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE filler (k TEXT, v TEXT)")
        raw.executemany(
            "INSERT INTO filler VALUES (?, ?)", [(f"k{i}", "x" * 500) for i in range(400)]
        )
    raw.close()  # the last connection to close checkpoints the WAL into the file
    damaged = bytearray(path.read_bytes())
    # Scribble over the filler's pages: the header stays valid, the b-tree does not.
    for offset in range(len(damaged) - 4096 * 20, len(damaged) - 4096 * 2):
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
