"""The keyring: an in-memory backend here; fail, null and empty-chain backends give the
message (what to do), never a traceback; a hanging backend gives up after the timeout."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from agentdesk.security import keyring_access
from agentdesk.security.keyring_access import KeyringUnavailable, get_secret, set_secret
from agentdesk.sync.credentials import CredentialError, get_token, save_token
from tests.security.memory_keyring import MemoryKeyring, keyring_of


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    with keyring_of(MemoryKeyring()) as backend:
        assert isinstance(backend, MemoryKeyring)
        yield backend


def test_a_secret_round_trips_through_the_memory_backend(memory: MemoryKeyring) -> None:
    set_secret("totp/work", "SECRET", "save it")
    assert get_secret("totp/work", "read it") == "SECRET"
    assert memory.items == {("agentdesk", "totp/work"): "SECRET"}


class PlaintextKeyring(MemoryKeyring):
    """Named like keyrings.alt's plaintext file keyring."""


@pytest.mark.parametrize(
    ("backend", "why"),
    [
        (fail.Keyring(), "fail backend"),
        (null.Keyring(), "null backend"),
        ("empty chain", "no usable backend"),
        (PlaintextKeyring(), "plaintext"),
    ],
)
def test_an_unusable_keyring_refuses_to_save_and_says_what_to_do(
    backend: KeyringBackend | str, why: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend == "empty chain":
        # A chainer that resolves to nothing (keyring's own fallback when no backend loads).
        monkeypatch.setattr(chainer.ChainerBackend, "backends", property(lambda self: []))
        backend = chainer.ChainerBackend()
    assert isinstance(backend, KeyringBackend)
    with keyring_of(backend), pytest.raises(KeyringUnavailable) as refused:
        set_secret("totp/work", "SECRET", "save the sign-in secret")
    message = str(refused.value)
    assert "cannot save the sign-in secret" in message and why in message
    assert "AGENTDESK_RT_TOKEN" in message and "keyrings.cryptfile" in message
    assert "secret service" in message


def test_the_rt_token_on_a_fail_keyring_is_a_credential_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AGENTDESK_RT_TOKEN", raising=False)
    with keyring_of(fail.Keyring()):
        with pytest.raises(CredentialError, match="AGENTDESK_RT_TOKEN"):
            save_token("work", "https://rt.example", "tok")
        with pytest.raises(CredentialError, match="AGENTDESK_RT_TOKEN"):
            get_token("work", "https://rt.example")
    monkeypatch.setenv("AGENTDESK_RT_TOKEN", "from-env")
    with keyring_of(fail.Keyring()):
        assert get_token("work", "https://rt.example") == "from-env"


class HangingKeyring(MemoryKeyring):
    """A Secret Service waiting for an unlock that never comes."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait()
        return None


def test_a_keyring_that_does_not_answer_gives_up_after_the_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backend = HangingKeyring()
    monkeypatch.setattr(keyring_access, "TIMEOUT_SECONDS", 0.2)
    try:
        with keyring_of(backend), pytest.raises(KeyringUnavailable, match="did not answer"):
            get_secret("totp/work", "read the sign-in secret")
    finally:
        backend.release.set()


class BrokenKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError("D-Bus said no")


def test_a_backend_that_raises_gives_the_message(memory: MemoryKeyring) -> None:
    with keyring_of(BrokenKeyring()), pytest.raises(KeyringUnavailable, match="refused"):
        get_secret("totp/work", "read the sign-in secret")
