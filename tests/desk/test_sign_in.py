"""Sign-in on a real temp store with an in-memory keyring: enrol, sign in, replay, recovery,
a lost secret, and the audit rows each leaves; the audit table refuses UPDATE and DELETE."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from keyring.backends import fail
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from agentdesk.core.errors import Refused
from agentdesk.desk import Desk
from agentdesk.desk.audit_trail import audit_lines
from agentdesk.desk.sign_in import (
    Gate,
    SecretMissing,
    begin_enrolment,
    check_code,
    finish_enrolment,
    gate,
)
from agentdesk.security import totp
from agentdesk.security.keyring_access import KeyringUnavailable
from agentdesk.store.engine import Store
from tests.desk.conftest import make_desk
from tests.security.memory_keyring import MemoryKeyring, keyring_of


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    with keyring_of(MemoryKeyring()) as backend:
        assert isinstance(backend, MemoryKeyring)
        yield backend


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _code(enrolment: totp.Enrolment, at: datetime) -> str:
    return totp.code_at(enrolment.secret, totp.step_of(at))


def _enrolled(desk: Desk) -> totp.Enrolment:
    enrolment = begin_enrolment(desk)
    assert finish_enrolment(desk, enrolment, _code(enrolment, desk.now())).ok
    return enrolment


def test_first_start_enrols_then_every_start_asks_for_a_code(
    desk: Desk, memory: MemoryKeyring
) -> None:
    assert gate(desk) is Gate.ENROL
    enrolment = begin_enrolment(desk)
    assert not finish_enrolment(desk, enrolment, "000001").ok
    assert gate(desk) is Gate.ENROL  # a wrong first code enrols nothing
    assert finish_enrolment(desk, enrolment, _code(enrolment, desk.now())).ok
    assert gate(desk) is Gate.CODE
    assert memory.items[("agentdesk", "totp/test")] == enrolment.secret
    with desk.store.read() as connection:
        stored = " ".join(
            str(v) for row in connection.execute(text("SELECT * FROM totp_state")) for v in row
        )
    assert enrolment.secret not in stored
    assert all(code.replace("-", "") not in stored for code in enrolment.recovery_codes)


def test_sign_in_replay_and_the_next_step(
    store: Store, now: datetime, memory: MemoryKeyring
) -> None:
    clock = Clock(now)
    desk = make_desk(store, now)
    desk.clock = clock
    enrolment = _enrolled(desk)
    # The enrolment's code is used up: the same one at the next start is a replay.
    assert check_code(desk, _code(enrolment, now)).outcome is totp.Outcome.REPLAY
    clock.now = now + timedelta(seconds=30)
    assert check_code(desk, _code(enrolment, clock.now)).ok
    events = [(line.event, line.success, line.detail) for line in audit_lines(desk, now)]
    assert events == [
        ("credential_change", True, "enrolled"),
        ("sign_in", True, "first code of the enrolment"),
        ("sign_in", False, "code: replay"),
        ("sign_in", True, "code"),
    ]
    assert all(
        line.actor == "amara.okafor" and "host=" in line.origin for line in audit_lines(desk, now)
    )


def test_the_lockout_is_kept_in_the_store_across_starts(
    store: Store, now: datetime, memory: MemoryKeyring
) -> None:
    desk = make_desk(store, now)
    enrolment = _enrolled(desk)
    wrong = "123456" if _code(enrolment, now) != "123456" else "654321"
    for _ in range(totp.MAX_WRONG_CODES):
        last = check_code(desk, wrong)
    assert last.outcome is totp.Outcome.LOCKED_OUT
    later = make_desk(store, now + timedelta(minutes=29))  # a new start, same profile
    assert check_code(later, _code(enrolment, later.now())).outcome is totp.Outcome.LOCKED_OUT
    after = make_desk(store, now + timedelta(minutes=30))
    assert check_code(after, _code(enrolment, after.now())).ok


def test_a_recovery_code_signs_in_once_when_the_keyring_lost_the_secret(
    desk: Desk, memory: MemoryKeyring
) -> None:
    enrolment = _enrolled(desk)
    memory.items.clear()
    with pytest.raises(SecretMissing, match="recovery codes"):
        check_code(desk, "123456")
    assert check_code(desk, enrolment.recovery_codes[0]).ok
    assert not check_code(desk, enrolment.recovery_codes[0]).ok


def test_after_a_recovery_code_the_old_phone_is_refused_until_a_new_one_is_enrolled(
    store: Store, now: datetime, memory: MemoryKeyring
) -> None:
    """The re-enrolment quit (nothing enrolled after the recovery code): every later start
    asks for a recovery code, the lost phone's codes are refused (not counted, in the
    trail), the store's deletion does not forget it; a new phone ends it."""
    clock = Clock(now)
    desk = make_desk(store, now)
    desk.clock = clock
    old = _enrolled(desk)
    clock.now += timedelta(seconds=30)
    assert check_code(desk, old.recovery_codes[0]).ok
    later = make_desk(store, now)  # the next start: the enrolment was never finished
    later.clock = clock
    clock.now += timedelta(seconds=30)
    assert gate(later) is Gate.NEW_PHONE
    with pytest.raises(Refused, match="old phone's codes no longer sign in"):
        check_code(later, _code(old, clock.now))
    with store.write() as connection:
        connection.execute(text("DELETE FROM totp_state"))  # the store's state gone too
    assert gate(later) is Gate.NEW_PHONE
    with pytest.raises(Refused, match="another recovery code"):
        check_code(later, _code(old, clock.now))
    assert check_code(later, old.recovery_codes[1]).ok
    assert check_code(later, old.recovery_codes[1]).outcome is totp.Outcome.WRONG  # spent
    new = begin_enrolment(later)
    assert finish_enrolment(later, new, _code(new, clock.now)).ok
    assert gate(later) is Gate.CODE
    clock.now += timedelta(seconds=30)
    assert check_code(later, _code(old, clock.now)).outcome is totp.Outcome.WRONG
    assert check_code(later, _code(new, clock.now)).ok
    refused = [
        line.detail for line in audit_lines(later, now) if line.detail == "code: new phone owed"
    ]
    assert len(refused) == 2


def test_no_usable_keyring_refuses_enrolment_before_any_secret_is_shown(desk: Desk) -> None:
    with keyring_of(fail.Keyring()), pytest.raises(KeyringUnavailable, match="cannot enrol"):
        begin_enrolment(desk)
    assert gate(desk) is Gate.ENROL


def test_audit_rows_refuse_update_and_delete(desk: Desk, memory: MemoryKeyring) -> None:
    _enrolled(desk)
    for statement in ("UPDATE security_audit SET success = 1", "DELETE FROM security_audit"):
        with pytest.raises(IntegrityError, match="append-only"), desk.store.write() as c:
            c.execute(text(statement))
    assert len(audit_lines(desk, desk.now())) == 2


def test_a_read_only_desk_signs_in_and_is_audited(
    store: Store, now: datetime, memory: MemoryKeyring
) -> None:
    writer = make_desk(store, now)
    enrolment = _enrolled(writer)
    supervisor = make_desk(store, now + timedelta(seconds=30), read_only=True)
    assert check_code(supervisor, _code(enrolment, supervisor.now())).ok
