"""The verifier key: keyring first, an owner-only file where there is no keyring."""

from __future__ import annotations

import base64
import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from agentdesk.security.verifier_key import SERVICE, VerifierKeyError, verifier_key
from tests.security.memory_keyring import MemoryKeyring, keyring_of


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    with keyring_of(MemoryKeyring()) as backend:
        yield backend


@pytest.fixture
def no_keyring() -> Iterator[None]:
    with keyring_of(fail.Keyring()):
        yield


def test_the_key_is_made_once_and_kept_in_the_keyring(
    memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    first = verifier_key("work", tmp_path / "verifier.key")
    again = verifier_key("work", tmp_path / "verifier.key")
    assert first.held_in == "keyring" and first.key == again.key and len(first.key) == 32
    assert base64.b64decode(memory_keyring.items[(SERVICE, "verifier-key/work")]) == first.key
    assert verifier_key("other", tmp_path / "other.key").key != first.key
    assert not (tmp_path / "verifier.key").exists()
    assert first.key.hex() not in repr(first)


def test_without_a_keyring_the_key_is_an_owner_only_file(no_keyring: None, tmp_path: Path) -> None:
    path = tmp_path / "profile" / "verifier.key"
    first = verifier_key("work", path)
    assert first.held_in == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert verifier_key("work", path).key == first.key


def test_a_key_file_wins_over_a_keyring_that_appears_later(
    no_keyring: None, tmp_path: Path
) -> None:
    path = tmp_path / "verifier.key"
    from_file = verifier_key("work", path)
    keyring.set_keyring(MemoryKeyring())
    assert verifier_key("work", path).key == from_file.key


def test_a_damaged_key_file_is_reported_not_replaced(no_keyring: None, tmp_path: Path) -> None:
    path = tmp_path / "verifier.key"
    path.write_text("not base64 at all!")
    with pytest.raises(VerifierKeyError, match=str(path)):
        verifier_key("work", path)
    assert path.read_text() == "not base64 at all!"
