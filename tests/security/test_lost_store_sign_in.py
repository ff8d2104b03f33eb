"""A profile enrolled (its secret in the keyring) whose store was deleted (issue 16's defect):
the gate asks the current code checked against the kept secret, never a new enrolment, so
deleting a file cannot replace the agent's second factor. Real SQLite file under tmp_path,
in-memory keyring, fixed clock."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import keyring.errors
import pytest

from agentdesk.config import Settings
from agentdesk.core.errors import Refused
from agentdesk.desk.base import Desk
from agentdesk.desk.session import close_desk, open_desk
from agentdesk.desk.sign_in import (
    REBUILT,
    Gate,
    begin_enrolment,
    check_code,
    finish_enrolment,
    gate,
    recovery_account,
    secret_account,
)
from agentdesk.security import totp
from agentdesk.security.keyring_access import KeyringUnavailable
from tests.conftest import FIXED_NOW
from tests.desk.queue_fixtures import local_settings
from tests.security.memory_keyring import MemoryKeyring, keyring_of


class Clock:
    def __init__(self) -> None:
        self.now = FIXED_NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    with keyring_of(MemoryKeyring()) as backend:
        yield backend


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return local_settings(tmp_path)


def _code(secret: str, clock: Clock) -> str:
    return totp.code_at(secret, totp.step_of(clock.now))


def _wrong(secret: str, clock: Clock) -> str:
    step = totp.step_of(clock.now)
    near = {totp.code_at(secret, step + d) for d in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in near)


def _open(settings: Settings, clock: Clock) -> Desk:
    return open_desk(settings, clock, start_of_day=False)


@pytest.fixture
def enrolled(settings: Settings, memory: MemoryKeyring) -> tuple[str, tuple[str, ...], Clock]:
    """Enrolled at FIXED_NOW, then the store deleted (database, WAL, shm); the clock one
    step on. Returns the secret, the recovery codes and the clock."""
    clock = Clock()
    desk = _open(settings, clock)
    try:
        enrolment = begin_enrolment(desk)
        assert finish_enrolment(desk, enrolment, _code(enrolment.secret, clock)).ok
    finally:
        close_desk(desk)
    db = Path(settings.db_path)
    for path in db.parent.glob(db.name + "*"):
        path.unlink()
    clock.now += timedelta(seconds=30)
    return enrolment.secret, enrolment.recovery_codes, clock


def _kept(memory: MemoryKeyring, settings: Settings) -> str | None:
    return next(
        (v for (_, user), v in memory.items.items() if user == secret_account(settings.profile)),
        None,
    )


def _trail(settings: Settings) -> list[tuple[str, int, str]]:
    connection = sqlite3.connect(f"file:{settings.db_path}?mode=ro", uri=True)
    try:
        return list(connection.execute("SELECT event, success, detail FROM security_audit"))
    finally:
        connection.close()


def test_a_deleted_store_asks_the_code_not_an_enrolment(
    settings: Settings, memory: MemoryKeyring, enrolled: tuple[str, tuple[str, ...], Clock]
) -> None:
    _, _, clock = enrolled
    desk = _open(settings, clock)
    try:
        assert gate(desk) is Gate.REBUILD
    finally:
        close_desk(desk)


def test_the_right_code_signs_in_rebuilds_the_state_and_keeps_the_secret(
    settings: Settings, memory: MemoryKeyring, enrolled: tuple[str, tuple[str, ...], Clock]
) -> None:
    secret, _, clock = enrolled
    desk = _open(settings, clock)
    try:
        check = check_code(desk, _code(secret, clock))
        assert check.ok
        assert check.state.last_step == totp.step_of(clock.now)
        assert gate(desk) is Gate.CODE
        # The same code again is a replay: the rebuilt state holds its step.
        assert check_code(desk, _code(secret, clock)).outcome is totp.Outcome.REPLAY
    finally:
        close_desk(desk)
    assert _kept(memory, settings) == secret
    trail = _trail(settings)
    assert ("credential_change", 1, REBUILT) in trail
    assert ("sign_in", 1, "code") in trail


def test_a_wrong_code_is_refused_and_counted(
    settings: Settings, memory: MemoryKeyring, enrolled: tuple[str, tuple[str, ...], Clock]
) -> None:
    secret, _, clock = enrolled
    desk = _open(settings, clock)
    try:
        first = check_code(desk, _wrong(secret, clock))
        assert first.outcome is totp.Outcome.WRONG and first.state.failures == 1
        second = check_code(desk, _wrong(secret, clock))
        assert second.state.failures == 2 and "8 tries left" in second.message
        for _ in range(totp.MAX_WRONG_CODES - 2):
            last = check_code(desk, _wrong(secret, clock))
        assert last.outcome is totp.Outcome.LOCKED_OUT
        assert check_code(desk, _code(secret, clock)).outcome is totp.Outcome.LOCKED_OUT
    finally:
        close_desk(desk)
    assert _kept(memory, settings) == secret


def test_a_recovery_code_survives_the_store_once(
    settings: Settings, memory: MemoryKeyring, enrolled: tuple[str, tuple[str, ...], Clock]
) -> None:
    """The hashes are kept in the keyring beside the secret; a used one stays used even
    when the store is lost again."""
    _, codes, clock = enrolled
    desk = _open(settings, clock)
    try:
        assert check_code(desk, codes[0]).ok
    finally:
        close_desk(desk)
    assert any(user == recovery_account(settings.profile) for _, user in memory.items)
    db = Path(settings.db_path)
    for path in db.parent.glob(db.name + "*"):
        path.unlink()
    desk = _open(settings, clock)
    try:
        assert check_code(desk, codes[0]).outcome is totp.Outcome.WRONG
        assert check_code(desk, codes[1]).ok
    finally:
        close_desk(desk)


def test_a_profile_never_enrolled_still_enrols(settings: Settings, memory: MemoryKeyring) -> None:
    desk = _open(settings, Clock())
    try:
        assert gate(desk) is Gate.ENROL
    finally:
        close_desk(desk)


def test_an_empty_store_alone_cannot_enrol_a_new_secret(
    settings: Settings, memory: MemoryKeyring, enrolled: tuple[str, tuple[str, ...], Clock]
) -> None:
    """Even called directly, past the screen: the kept secret is not overwritten."""
    secret, _, clock = enrolled
    desk = _open(settings, clock)
    try:
        enrolment = begin_enrolment(desk)
        with pytest.raises(Refused, match="already enrolled"):
            finish_enrolment(desk, enrolment, _code(enrolment.secret, clock))
        assert gate(desk) is Gate.REBUILD
    finally:
        close_desk(desk)
    assert _kept(memory, settings) == secret


def _delete_store(settings: Settings) -> None:
    db = Path(settings.db_path)
    for path in db.parent.glob(db.name + "*"):
        path.unlink()


@contextmanager
def _opened(settings: Settings, clock: Clock) -> Iterator[Desk]:
    desk = _open(settings, clock)
    try:
        yield desk
    finally:
        close_desk(desk)


def test_deleting_the_store_gives_no_fresh_tries(
    settings: Settings, memory: MemoryKeyring, enrolled: tuple[str, tuple[str, ...], Clock]
) -> None:
    """The wrong-code count and the lockout are kept in the keyring too: each deletion
    would otherwise give ten more guesses."""
    secret, _, clock = enrolled
    for tries in range(totp.MAX_WRONG_CODES - 1):
        with _opened(settings, clock) as desk:
            assert check_code(desk, _wrong(secret, clock)).state.failures == tries + 1
        _delete_store(settings)
    with _opened(settings, clock) as desk:
        assert check_code(desk, _wrong(secret, clock)).outcome is totp.Outcome.LOCKED_OUT
    _delete_store(settings)
    # Locked out still, even with the right code, on a store made a moment ago.
    with _opened(settings, clock) as desk:
        assert check_code(desk, _code(secret, clock)).outcome is totp.Outcome.LOCKED_OUT
        clock.now += totp.LOCKOUT
        assert check_code(desk, _code(secret, clock)).ok  # and it ends as a lockout does


def test_a_code_used_before_the_store_was_deleted_is_a_replay(
    settings: Settings, memory: MemoryKeyring, enrolled: tuple[str, tuple[str, ...], Clock]
) -> None:
    secret, _, clock = enrolled
    used = _code(secret, clock)
    with _opened(settings, clock) as desk:
        assert check_code(desk, used).ok
    _delete_store(settings)
    clock.now += timedelta(seconds=totp.STEP_SECONDS)  # within the drift: still a valid code
    with _opened(settings, clock) as desk:
        assert gate(desk) is Gate.REBUILD
        assert check_code(desk, used).outcome is totp.Outcome.REPLAY
        assert check_code(desk, _code(secret, clock)).ok


class GuardRefused(MemoryKeyring):
    """A keyring that reads but will not keep the guard (a locked or read-only one)."""

    def set_password(self, service: str, username: str, password: str) -> None:
        if username.startswith("totp-guard/"):
            raise keyring.errors.PasswordSetError("read-only")
        super().set_password(service, username, password)


def test_a_guard_the_keyring_cannot_keep_refuses_the_sign_in(
    settings: Settings, memory: MemoryKeyring, enrolled: tuple[str, tuple[str, ...], Clock]
) -> None:
    """Fail closed: a count kept only in the store could be reset by deleting it."""
    secret, _, clock = enrolled
    refusing = GuardRefused()
    refusing.items = dict(memory.items)
    with (
        keyring_of(refusing),
        _opened(settings, clock) as desk,
        pytest.raises(KeyringUnavailable, match="keep the sign-in guard"),
    ):
        check_code(desk, _code(secret, clock))
    assert ("sign_in", 0, "code: no guard") in _trail(settings)
