"""Busy, read-only and missing are a file's situation, not damage: reported, never touched."""

from __future__ import annotations

import errno
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from agentdesk.core.errors import BUSY
from agentdesk.store import engine_factory, opening
from agentdesk.store.engine import StoreBusy, StoreError, StoreNotWritable, open_store

HOLDER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute(f"PRAGMA journal_mode={sys.argv[2]}")
connection.execute("BEGIN EXCLUSIVE")
connection.execute("INSERT INTO meta (key, value) VALUES ('holder', 'was here')")
print("held", flush=True)
sys.stdin.readline()
connection.execute("COMMIT")
print(connection.execute("SELECT value FROM meta WHERE key = 'holder'").fetchone()[0])
"""


class Holder:
    """Another process holding BEGIN EXCLUSIVE on the store until released."""

    def __init__(self, path: Path, journal_mode: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(path), journal_mode],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "held"

    def release(self) -> str:
        out, _ = self.process.communicate("\n", timeout=60)
        assert self.process.returncode == 0
        return out.strip()


@pytest.fixture
def held(request: pytest.FixtureRequest, tmp_path: Path, policy) -> Iterator[tuple[Path, Holder]]:  # type: ignore[no-untyped-def]
    path = tmp_path / "agentdesk.db"
    open_store(path, policy).close()
    holder = Holder(path, request.param)
    try:
        yield path, holder
    finally:
        if holder.process.poll() is None:
            holder.process.kill()
            holder.process.wait()


@pytest.mark.parametrize("held", ["delete", "wal"], indirect=True)
def test_a_store_held_by_another_writer_is_busy_and_left_alone(
    held: tuple[Path, Holder],
    policy,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    path, holder = held
    # The lock is held throughout: a short wait changes how long, not what happens.
    monkeypatch.setattr(opening, "BUSY_TIMEOUT_MS", 200)
    names = sorted(p.name for p in path.parent.iterdir())
    with pytest.raises(StoreBusy) as caught:
        store = open_store(path, policy)
        try:  # WAL lets the open read; the first write is then the one refused
            with store.write() as connection:
                connection.execute(text("INSERT INTO meta (key, value) VALUES ('me', '1')"))
        finally:
            store.close()
    assert str(caught.value) == BUSY
    assert sorted(p.name for p in path.parent.iterdir()) == names  # nothing renamed
    assert holder.release() == "was here"  # the other writer finished its work


@pytest.mark.parametrize("held", ["delete"], indirect=True)
def test_busy_at_open_is_not_damage(held: tuple[Path, Holder], policy, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The issue's case: a rollback-journal store under BEGIN EXCLUSIVE was renamed."""
    path, holder = held
    monkeypatch.setattr(opening, "BUSY_TIMEOUT_MS", 200)
    with pytest.raises(StoreBusy):
        open_store(path, policy)
    assert path.exists() and not list(path.parent.glob("*.unusable-*"))
    holder.release()
    open_store(path, policy).close()  # free again: it opens as before


def test_a_read_only_store_is_reported_and_never_renamed(
    tmp_path: Path,
    policy,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    """A read-only filesystem, simulated: SQLite opens the file with mode=ro (tests run as
    root, which chmod does not stop; tests/test_cli_store_paths.py uses a real read-only bind
    mount), and a rename fails with EROFS as it did in the issue."""
    path = tmp_path / "agentdesk.db"
    open_store(path, policy).close()
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA journal_mode=DELETE")  # opening must switch it to WAL: a write
    raw.close()
    before = path.read_bytes()

    def no_rename(self: Path, target: Path) -> Path:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(engine_factory, "_uri", lambda p: f"file:{p}?mode=ro")
    monkeypatch.setattr(Path, "rename", no_rename)
    with pytest.raises(StoreNotWritable, match="nothing was changed") as caught:
        open_store(path, policy)
    assert "Unexpected" not in str(caught.value) and "unusable" not in str(caught.value)
    assert path.read_bytes() == before


def test_a_write_to_a_read_only_store_is_reported(
    tmp_path: Path,
    policy,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    path = tmp_path / "agentdesk.db"
    open_store(path, policy).close()
    monkeypatch.setattr(engine_factory, "_uri", lambda p: f"file:{p}?mode=ro")
    store = open_store(path, policy)  # migrated already: opening only reads
    try:
        with (
            pytest.raises(StoreNotWritable, match="nothing was changed"),
            store.write() as connection,
        ):
            connection.execute(text("INSERT INTO meta (key, value) VALUES ('k', 'v')"))
    finally:
        store.close()


def test_a_folder_is_refused_with_a_clear_message(tmp_path: Path, policy) -> None:
    with pytest.raises(StoreError) as caught:
        open_store(tmp_path, policy)
    assert str(caught.value) == (
        f"{tmp_path} is a folder; give the path of a database file, "
        f"for example {tmp_path / 'agentdesk.db'}"
    )


def test_a_folder_that_cannot_be_made_is_reported(tmp_path: Path, policy) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreNotWritable, match="cannot be made"):
        open_store(blocker / "sub" / "agentdesk.db", policy)
    assert blocker.read_text() == "x"
