"""`--db` at a busy, read-only, foreign or folder path: a clear message, and nothing touched.

Real processes, as a user runs them (issue 12, items 2, 3 and 16).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from agentdesk.core.errors import BUSY
from tests.store.test_engine_situations import Holder


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    dirs = {name: str(home / name.lower()) for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME")}
    return subprocess.run(
        [sys.executable, "-m", "agentdesk", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **dirs, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},
        stdin=subprocess.DEVNULL,
    )


def listing(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


def _store(path: Path) -> None:
    made = run(path.parent, "demo-data", "--db", str(path), "--tickets", "5", "--seed", "1")
    assert made.returncode == 0, made.stderr


def test_sync_while_another_process_holds_begin_exclusive(tmp_path: Path) -> None:
    """The issue: the holder's store was renamed to X.unusable-... after 11 s."""
    data = tmp_path / "data"
    data.mkdir()
    path = data / "x.db"
    _store(path)
    holder = Holder(path, "delete")  # a rollback journal: even reading must wait
    try:
        names = sorted(p.name for p in data.iterdir())
        result = run(tmp_path, "--db", str(path), "sync", "--once")
        assert result.stderr == f"agentdesk: {BUSY}\n"
        assert result.returncode == 5
        assert sorted(p.name for p in data.iterdir()) == names
    finally:
        assert holder.release() == "was here"
    assert not list(data.glob("*.unusable-*"))


def test_a_text_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    for args in (("--db", str(notes), "sync", "--once"), ("demo-data", "--db", str(notes))):
        result = run(tmp_path, *args)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert result.stderr == (
            f"agentdesk: {notes} is not an agentdesk database "
            "(it is not an SQLite database); nothing was changed\n"
        )
    assert notes.read_text() == "my notes\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["notes.txt"]


def test_another_programs_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    other = tmp_path / "music.db"
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE songs (title TEXT)")
    connection.commit()
    connection.close()
    before = listing(tmp_path)
    result = run(tmp_path, "--db", str(other), "sync", "--once")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "is not an agentdesk database (it is another program's SQLite database)" in (
        result.stderr
    )
    assert listing(tmp_path) == before


def test_a_folder_as_db_gets_a_clear_message(tmp_path: Path) -> None:
    folder = tmp_path / "somewhere"
    folder.mkdir()
    expected = (
        f"agentdesk: {folder} is a folder; give the path of a database file, "
        f"for example {folder / 'agentdesk.db'}\n"
    )
    for args in (("--db", str(folder), "sync", "--once"), ("demo-data", "--db", str(folder))):
        result = run(tmp_path, *args)
        assert (result.returncode, result.stderr) == (1, expected)
    assert list(folder.iterdir()) == []


def _read_only(folder: Path, *command: str) -> list[str]:
    """command on a read-only filesystem: chmod for a normal user; as root (which chmod does
    not stop) a read-only bind mount in a private user and mount namespace."""
    if os.geteuid() != 0:
        return list(command)
    if shutil.which("unshare") is None:
        pytest.fail("running as root without unshare: cannot make a read-only filesystem")
    script = 'mount --bind -o ro "$1" "$1" && shift && exec "$@"'
    return ["unshare", "-rm", "sh", "-c", script, "sh", str(folder), *command]


def test_a_read_only_folder_is_reported_and_left_alone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    path = data / "x.db"
    _store(path)
    before = listing(data)
    os.chmod(data, 0o555)
    try:
        dirs = {name: str(tmp_path / name.lower()) for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME")}
        command = _read_only(
            data, sys.executable, "-m", "agentdesk", "--db", str(path), "sync", "--once"
        )
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, **dirs},
            stdin=subprocess.DEVNULL,
        )
    finally:
        os.chmod(data, 0o755)
    assert result.returncode == 1, result.stderr
    assert result.stderr == (
        f"agentdesk: {path} cannot be used: its folder {data} is read-only; nothing was changed\n"
    )
    assert listing(data) == before
