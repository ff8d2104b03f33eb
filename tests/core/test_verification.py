"""Identity verification: keyed hashes, constant-time compare, attempts, lock and expiry."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from unittest import mock

import pytest

from agentdesk.core import verification as v
from agentdesk.core.verification import (
    Attempt,
    Factor,
    Outcome,
    VerificationPolicy,
    VerifierFormatError,
    factor_matches,
    normalise,
    verification_status,
    verifier_digest,
)
from tests.conftest import FIXED_NOW

KEY = bytes(range(32))
SALT_A = b"customer-a-salt!"
SALT_B = b"customer-b-salt!"
POLICY = VerificationPolicy()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1985-03-12", "1985-03-12"),
        ("1985-3-12", "1985-03-12"),
        ("1985/03/12", "1985-03-12"),
        ("12 March 1985", "1985-03-12"),
        ("12 mar 1985", "1985-03-12"),
        ("March 12, 1985", "1985-03-12"),
        ("  12 Sept 1985 ", "1985-09-12"),
    ],
)
def test_dates_of_birth_in_unambiguous_forms_agree(typed: str, expected: str) -> None:
    assert normalise(Factor.DATE_OF_BIRTH, typed) == expected


@pytest.mark.parametrize("typed", ["03/12/1985", "12/03/1985", "1985-02-30", "last spring", ""])
def test_ambiguous_or_impossible_dates_are_refused_without_echoing_them(typed: str) -> None:
    with pytest.raises(VerifierFormatError) as caught:
        normalise(Factor.DATE_OF_BIRTH, typed)
    assert "YYYY-MM-DD" in str(caught.value)
    if typed:
        assert typed not in str(caught.value)


def test_the_last_4_are_four_digits_and_never_a_card_number() -> None:
    assert normalise(Factor.PAYMENT_LAST4, " 42 42 ") == "4242"
    with pytest.raises(VerifierFormatError, match="never ask for or type a full card number"):
        normalise(Factor.PAYMENT_LAST4, "4111 1111 1111 1111")
    for slip in ("424", "42a2", ""):
        with pytest.raises(VerifierFormatError, match="4 digits"):
            normalise(Factor.PAYMENT_LAST4, slip)


def test_a_pin_is_four_to_six_digits() -> None:
    assert normalise(Factor.PIN, "004711") == "004711"
    for slip in ("123", "1234567", "12a4"):
        with pytest.raises(VerifierFormatError, match="4 to 6 digits"):
            normalise(Factor.PIN, slip)


def test_the_digest_is_an_hmac_over_salt_factor_and_value() -> None:
    digest = verifier_digest(KEY, SALT_A, Factor.PIN, "4711")
    expected = hmac.new(KEY, b"\x00".join([SALT_A, b"pin", b"4711"]), hashlib.sha256).hexdigest()
    assert digest == expected
    # Not a plain hash: without the key, hashing every 4-digit value finds nothing.
    plain = {hashlib.sha256(f"{n:04d}".encode()).hexdigest() for n in range(10_000)}
    assert digest not in plain


def test_salt_key_and_factor_each_change_the_digest() -> None:
    base = verifier_digest(KEY, SALT_A, Factor.PIN, "4711")
    assert verifier_digest(KEY, SALT_B, Factor.PIN, "4711") != base
    assert verifier_digest(bytes(32), SALT_A, Factor.PIN, "4711") != base
    assert verifier_digest(KEY, SALT_A, Factor.PAYMENT_LAST4, "4711") != base


def test_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        verifier_digest(b"short", SALT_A, Factor.PIN, "4711")


def test_matching_uses_a_constant_time_compare() -> None:
    stored = verifier_digest(KEY, SALT_A, Factor.DATE_OF_BIRTH, "1985-03-12")
    with mock.patch.object(v.hmac, "compare_digest", wraps=hmac.compare_digest) as compare:
        assert factor_matches(KEY, SALT_A, Factor.DATE_OF_BIRTH, "12 March 1985", stored)
        assert not factor_matches(KEY, SALT_A, Factor.DATE_OF_BIRTH, "1985-03-13", stored)
    assert compare.call_count == 2


def _failed(minutes: int, step: Factor = Factor.PAYMENT_LAST4) -> Attempt:
    return Attempt(FIXED_NOW + timedelta(minutes=minutes), Outcome.FAILED, failed_step=step)


def _passed(minutes: int) -> Attempt:
    factors = (Factor.ACCOUNT_ID, Factor.PAYMENT_LAST4, Factor.PIN)
    return Attempt(FIXED_NOW + timedelta(minutes=minutes), Outcome.PASSED, factors)


def test_a_pass_holds_for_thirty_minutes() -> None:
    attempts = [_passed(0)]
    at = FIXED_NOW + timedelta(minutes=29)
    status = verification_status(attempts, now=at, policy=POLICY)
    assert status.verified and status.verified_until == FIXED_NOW + timedelta(minutes=30)
    later = verification_status(attempts, now=FIXED_NOW + timedelta(minutes=30), policy=POLICY)
    assert not later.verified and not later.locked


def test_three_failures_in_a_row_lock_the_interaction() -> None:
    attempts = [_failed(0), _failed(1, Factor.ACCOUNT_ID), _failed(2, Factor.DATE_OF_BIRTH)]
    status = verification_status(attempts[:2], now=FIXED_NOW, policy=POLICY)
    assert status.failures == 2 and not status.locked
    status = verification_status(attempts, now=FIXED_NOW, policy=POLICY)
    assert status.locked and status.failures == 3
    assert status.last_failed_step is Factor.DATE_OF_BIRTH
    assert not status.verified


def test_a_pass_resets_the_failures_and_a_clearance_lifts_the_lock() -> None:
    assert verification_status([_failed(0), _failed(1), _passed(2)], now=FIXED_NOW, policy=POLICY)
    locked = [_failed(0), _failed(1), _failed(2)]
    cleared = [*locked, Attempt(FIXED_NOW + timedelta(minutes=3), Outcome.CLEARED)]
    status = verification_status(cleared, now=FIXED_NOW, policy=POLICY)
    assert not status.locked and status.failures == 0 and not status.verified


def test_the_attempt_limit_is_configurable() -> None:
    strict = VerificationPolicy(max_attempts=1)
    assert verification_status([_failed(0)], now=FIXED_NOW, policy=strict).locked
    with pytest.raises(ValueError, match="max_attempts"):
        VerificationPolicy(max_attempts=0)


def test_a_reopen_starts_a_new_interaction() -> None:
    attempts = [_passed(0)]
    reopened = FIXED_NOW + timedelta(minutes=5)
    status = verification_status(
        attempts, now=reopened, policy=POLICY, interaction_started_at=reopened
    )
    assert not status.verified


def test_attempts_describe_themselves_without_values() -> None:
    assert _passed(0).describe() == "passed with account ID, last 4 of the payment method, PIN"
    assert _failed(0).describe() == "failed at the last 4 of the payment method"
