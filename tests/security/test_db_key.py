"""Which stores are encrypted and where their key lives (issue 16): the keyring, never a file."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from agentdesk.config import Settings
from agentdesk.security import db_key
from agentdesk.security.db_key import DatabaseKeyError, account, database_key
from agentdesk.session import open_session
from agentdesk.store.engine import StoreKeyWrong
from tests.conftest import FIXED_NOW
from tests.security.memory_keyring import MemoryKeyring, keyring_of


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    db_key._known.clear()
    yield
    db_key._known.clear()


def _settings(folder: Path, encrypt: str = "auto") -> Settings:
    return Settings(
        profile="enc-test",
        config_path=None,
        db_path=folder / "agentdesk.db",
        cache_dir=folder / "cache",
        encrypt=encrypt,
    )


def test_a_real_profile_with_a_keyring_is_encrypted_and_the_key_is_only_there(
    tmp_path: Path,
) -> None:
    settings = _settings(tmp_path)
    with keyring_of(MemoryKeyring()) as backend:
        session = open_session(settings, FIXED_NOW, start_of_day=False)
        session.store.close()
        stored = backend.get_password("agentdesk", account("enc-test"))
        assert stored is not None and len(base64.b64decode(stored)) == 32
        db_key._known.clear()  # a new process: the key comes from the keyring again
        again = open_session(settings, FIXED_NOW, start_of_day=False)
        with again.store.read() as connection:
            assert connection.execute(text("PRAGMA cipher_version")).scalar_one()
        again.store.close()
    assert not settings.db_path.read_bytes().startswith(b"SQLite format 3")
    key = base64.b64decode(stored)
    for path in tmp_path.rglob("*"):  # no key file anywhere beside the data
        if path.is_file():
            data = path.read_bytes()
            assert key not in data and stored.encode() not in data and key.hex() not in str(data)


def test_a_key_the_keyring_lost_is_a_clear_error_and_moves_nothing(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    with keyring_of(MemoryKeyring()) as backend:
        open_session(settings, FIXED_NOW, start_of_day=False).store.close()
        names = sorted(p.name for p in tmp_path.iterdir())
        db_key._known.clear()
        backend.set_password("agentdesk", account("enc-test"), base64.b64encode(b"x" * 32).decode())
        with pytest.raises(StoreKeyWrong, match="the database key in the keyring does not open"):
            open_session(settings, FIXED_NOW, start_of_day=False)
        db_key._known.clear()
        backend.delete_password("agentdesk", account("enc-test"))
        with pytest.raises(DatabaseKeyError, match="holds no database key"):
            database_key(settings)
    assert sorted(p.name for p in tmp_path.iterdir()) == names


def test_no_keyring_keeps_an_auto_profile_plain_and_refuses_a_required_one(
    tmp_path: Path,
) -> None:
    # tests/conftest.py: keyring's fail backend, as on CI or over SSH.
    assert database_key(_settings(tmp_path / "a")) is None
    with pytest.raises(DatabaseKeyError, match=r"encrypt = true.*no system keyring"):
        database_key(_settings(tmp_path / "b", encrypt="on"))


def test_demo_and_test_settings_stay_plain_even_with_a_keyring(tmp_path: Path) -> None:
    with keyring_of(MemoryKeyring()) as backend:
        assert database_key(replace(_settings(tmp_path / "d"), demo=True)) is None
        assert database_key(_settings(tmp_path / "o", encrypt="off")) is None
        assert backend.items == {}


def test_a_plain_store_stays_plain_and_a_required_profile_refuses_it(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    open_session(settings, FIXED_NOW, start_of_day=False).store.close()  # no keyring: plain
    db_key._known.clear()
    with keyring_of(MemoryKeyring()):
        assert database_key(settings) is None
        db_key._known.clear()
        with pytest.raises(DatabaseKeyError, match="plain, unencrypted"):
            database_key(replace(settings, encrypt="on"))


def test_an_encrypted_store_with_no_keyring_now_says_so(tmp_path: Path) -> None:
    from agentdesk.security.keyring_access import KeyringUnavailable

    settings = _settings(tmp_path)
    with keyring_of(MemoryKeyring()):
        open_session(settings, FIXED_NOW, start_of_day=False).store.close()
    db_key._known.clear()
    before = settings.db_path.read_bytes()
    with pytest.raises(KeyringUnavailable, match="cannot read the database key for"):
        database_key(settings)  # keyring's fail backend again, as over SSH
    assert settings.db_path.read_bytes() == before
