"""TOTP with a fixed clock: enrol, a valid code, drift, replay, lockout and its end, recovery."""

from __future__ import annotations

import base64
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from agentdesk.core.errors import BadInput
from agentdesk.security import totp
from tests.conftest import FIXED_NOW

NOW = FIXED_NOW + timedelta(seconds=5)  # 5 s into a step


@pytest.fixture(scope="module")
def enrolment() -> totp.Enrolment:
    return totp.enrol("maria@work")


def _code(enrolment: totp.Enrolment, steps: int = 0) -> str:
    return totp.code_at(enrolment.secret, totp.step_of(NOW) + steps)


def _enrolled(enrolment: totp.Enrolment) -> totp.TotpState:
    return totp.TotpState(recovery_hashes=totp.first_state(enrolment, 0).recovery_hashes)


def test_enrolment_gives_a_160_bit_secret_and_a_sha1_six_digit_uri(
    enrolment: totp.Enrolment,
) -> None:
    assert len(base64.b32decode(enrolment.secret)) * 8 >= 160
    uri = urlparse(enrolment.uri)
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    query = parse_qs(uri.query)
    assert query["secret"] == [enrolment.secret]
    assert query.get("algorithm", ["SHA1"]) == ["SHA1"]
    assert query.get("digits", ["6"]) == ["6"] and query.get("period", ["30"]) == ["30"]
    assert len(set(enrolment.recovery_codes)) == totp.RECOVERY_CODES
    assert enrolment.secret not in repr(enrolment)


def test_a_valid_code_signs_in_and_its_step_is_kept(enrolment: totp.Enrolment) -> None:
    check = totp.check_code(enrolment.secret, totp.TotpState(), _code(enrolment), NOW)
    assert check.ok
    assert check.state.last_step == totp.step_of(NOW)


@pytest.mark.parametrize("steps", [-1, 1])
def test_one_step_of_drift_each_way_is_accepted(enrolment: totp.Enrolment, steps: int) -> None:
    assert totp.check_code(enrolment.secret, totp.TotpState(), _code(enrolment, steps), NOW).ok


@pytest.mark.parametrize("steps", [-2, 2])
def test_two_steps_of_drift_are_refused(enrolment: totp.Enrolment, steps: int) -> None:
    check = totp.check_code(enrolment.secret, totp.TotpState(), _code(enrolment, steps), NOW)
    assert check.outcome is totp.Outcome.WRONG
    assert check.state.failures == 1


def test_the_same_code_twice_is_a_replay(enrolment: totp.Enrolment) -> None:
    first = totp.check_code(enrolment.secret, totp.TotpState(), _code(enrolment), NOW)
    again = totp.check_code(enrolment.secret, first.state, _code(enrolment), NOW)
    assert again.outcome is totp.Outcome.REPLAY
    # An older code still inside the drift window is a replay too.
    older = totp.check_code(enrolment.secret, first.state, _code(enrolment, -1), NOW)
    assert older.outcome is totp.Outcome.REPLAY
    # The next step's code is fine.
    later = NOW + timedelta(seconds=30)
    assert totp.check_code(enrolment.secret, first.state, _code(enrolment, 1), later).ok


def test_ten_wrong_codes_lock_out_for_thirty_minutes_then_it_ends(
    enrolment: totp.Enrolment,
) -> None:
    state = totp.TotpState()
    right = _code(enrolment)
    wrong = "000000" if right != "000000" else "111111"
    for attempt in range(1, totp.MAX_WRONG_CODES):
        check = totp.check_code(enrolment.secret, state, wrong, NOW)
        assert check.outcome is totp.Outcome.WRONG, attempt
        state = check.state
    check = totp.check_code(enrolment.secret, state, wrong, NOW)
    assert check.outcome is totp.Outcome.LOCKED_OUT
    state = check.state
    assert state.locked_until == NOW + timedelta(minutes=30)
    # Locked: even the right code is refused, and does not count.
    almost = NOW + timedelta(minutes=29, seconds=59)
    step = totp.step_of(almost)
    locked = totp.check_code(enrolment.secret, state, totp.code_at(enrolment.secret, step), almost)
    assert locked.outcome is totp.Outcome.LOCKED_OUT and locked.state == state
    # At the end of the lockout the right code signs in again.
    after = NOW + timedelta(minutes=30)
    code = totp.code_at(enrolment.secret, totp.step_of(after))
    assert totp.check_code(enrolment.secret, state, code, after).ok


def test_a_success_resets_the_wrong_code_count(enrolment: totp.Enrolment) -> None:
    state = totp.TotpState(failures=9)
    check = totp.check_code(enrolment.secret, state, _code(enrolment), NOW)
    assert check.ok and check.state.failures == 0


def test_something_that_is_not_a_code_is_bad_input_and_not_counted(
    enrolment: totp.Enrolment,
) -> None:
    with pytest.raises(BadInput, match="6 digits"):
        totp.check_code(enrolment.secret, totp.TotpState(), "12a45", NOW)


def test_a_recovery_code_works_once(enrolment: totp.Enrolment) -> None:
    state = _enrolled(enrolment)
    code = enrolment.recovery_codes[3].lower().replace("-", " ")
    assert totp.looks_like_recovery_code(code)
    used = totp.use_recovery_code(state, code, NOW)
    assert used.ok
    assert len(used.state.recovery_hashes) == totp.RECOVERY_CODES - 1
    again = totp.use_recovery_code(used.state, code, NOW)
    assert again.outcome is totp.Outcome.WRONG and again.state.failures == 1


def test_recovery_codes_are_stored_hashed(enrolment: totp.Enrolment) -> None:
    state = _enrolled(enrolment)
    stored = " ".join(state.recovery_hashes)
    for code in enrolment.recovery_codes:
        assert code not in stored and code.replace("-", "") not in stored
    assert all(h.startswith("scrypt$") for h in state.recovery_hashes)


def test_the_enrolment_is_confirmed_by_a_first_code_that_is_then_used_up(
    enrolment: totp.Enrolment,
) -> None:
    assert not totp.confirm_enrolment(
        enrolment, "000000" if _code(enrolment) != "000000" else "1" * 6, NOW
    ).ok
    confirmed = totp.confirm_enrolment(enrolment, _code(enrolment), NOW)
    assert confirmed.ok
    again = totp.check_code(enrolment.secret, confirmed.state, _code(enrolment), NOW)
    assert again.outcome is totp.Outcome.REPLAY
