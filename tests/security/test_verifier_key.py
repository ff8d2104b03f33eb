"""The verifier key (issue 16): a real profile's lives only in the keyring, and without a
usable one it is refused with what to do; a demo profile's is an owner-only file; a key file
an earlier agentdesk left is moved into the keyring."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest

from agentdesk.security.verifier_key import SERVICE, VerifierKeyError, verifier_key
from tests.security.memory_keyring import MemoryKeyring, keyring_of


def test_the_key_is_made_once_and_kept_in_the_keyring(tmp_path: Path) -> None:
    with keyring_of(MemoryKeyring()) as backend:
        first = verifier_key("work", tmp_path / "verifier.key")
        again = verifier_key("work", tmp_path / "verifier.key")
        assert first.held_in == "keyring" and first.key == again.key and len(first.key) == 32
        assert base64.b64decode(backend.items[(SERVICE, "verifier-key/work")]) == first.key  # type: ignore[attr-defined]
        assert verifier_key("other", tmp_path / "other.key").key != first.key
    assert not (tmp_path / "verifier.key").exists()
    assert first.key.hex() not in repr(first)


def test_a_real_profile_without_a_keyring_is_refused_with_what_to_do(tmp_path: Path) -> None:
    # tests/conftest.py: keyring's fail backend, as over SSH.
    with pytest.raises(VerifierKeyError) as refused:
        verifier_key("work", tmp_path / "verifier.key")
    message = str(refused.value)
    assert "lives only in the system keyring" in message and "no system keyring" in message
    assert "keyrings.cryptfile" in message and "Nothing was recorded" in message
    assert list(tmp_path.iterdir()) == []  # no file made in its place


def test_a_demo_profile_keeps_its_key_in_an_owner_only_file(tmp_path: Path) -> None:
    path = tmp_path / "demo" / "verifier.key"
    with keyring_of(MemoryKeyring()) as backend:
        first = verifier_key("demo", path, demo=True)
        assert backend.items == {}  # type: ignore[attr-defined]  # never the agent's keyring
    assert first.held_in == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert verifier_key("demo", path, demo=True).key == first.key  # no keyring: the same


def test_an_earlier_key_file_moves_into_the_keyring(tmp_path: Path) -> None:
    path = tmp_path / "verifier.key"
    old = b"o" * 32
    path.write_text(base64.b64encode(old).decode() + "\n")
    with pytest.raises(VerifierKeyError, match=r"moved into the keyring .* at the first start"):
        verifier_key("work", path)  # no keyring yet: refused, and the file is kept
    assert path.exists()
    with keyring_of(MemoryKeyring()) as backend:
        moved = verifier_key("work", path)
        assert (moved.key, moved.held_in) == (old, "keyring") and not path.exists()
        assert base64.b64decode(backend.items[(SERVICE, "verifier-key/work")]) == old  # type: ignore[attr-defined]
        assert verifier_key("work", path).key == old


def test_a_key_file_that_disagrees_with_the_keyring_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "verifier.key"
    path.write_text(base64.b64encode(b"o" * 32).decode())
    with keyring_of(MemoryKeyring()) as backend:
        backend.set_password(SERVICE, "verifier-key/work", base64.b64encode(b"k" * 32).decode())
        with pytest.raises(VerifierKeyError, match="hold different verifier keys"):
            verifier_key("work", path)
        assert path.exists()
        assert (
            backend.get_password(SERVICE, "verifier-key/work")
            == base64.b64encode(b"k" * 32).decode()
        )


def test_a_damaged_key_file_is_reported_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "verifier.key"
    path.write_text("not base64 at all!")
    with pytest.raises(VerifierKeyError, match=str(path)):
        verifier_key("demo", path, demo=True)
    with keyring_of(MemoryKeyring()), pytest.raises(VerifierKeyError, match=str(path)):
        verifier_key("work", path)
    assert path.read_text() == "not base64 at all!"
