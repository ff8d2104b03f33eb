"""Owner-only files (issue 16): the database, WAL, shm and the config are 0600, the profile's
folders 0700, checked with os.stat on a real profile."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from agentdesk.config import load_settings, profile_paths
from agentdesk.desk.session import close_desk, open_desk
from tests.conftest import FIXED_NOW


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_database_its_wal_and_shm_and_the_config_are_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    os.umask(0o022)  # as a login shell leaves it
    config, db, _cache = profile_paths("work")
    db.parent.mkdir(parents=True)
    db.parent.chmod(0o755)  # made by an older agentdesk
    settings = load_settings("work")
    desk = open_desk(settings, lambda: FIXED_NOW, start_of_day=False)
    try:
        with desk.store.write() as connection:  # a write: the WAL and shm exist now
            connection.execute(text("INSERT INTO meta (key, value) VALUES ('probe', '1')"))
        for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"), config):
            assert _mode(path) == 0o600, path
        assert _mode(db.parent) == 0o700
        assert _mode(config.parent) == 0o700
    finally:
        close_desk(desk)
    (tmp_path / "later.txt").write_text("x")  # any file written after start-up
    assert _mode(tmp_path / "later.txt") == 0o600


def test_a_database_made_loose_by_hand_is_tightened_at_open(tmp_path: Path, policy) -> None:  # type: ignore[no-untyped-def]
    from agentdesk.store.engine import open_store

    db = tmp_path / "given.db"
    folder_mode = _mode(tmp_path)
    open_store(db, policy).close()
    db.chmod(0o644)
    open_store(db, policy).close()
    assert _mode(db) == 0o600
    assert _mode(tmp_path) == folder_mode  # a folder the user gave is left as it is
