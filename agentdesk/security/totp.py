"""The agent's second factor: TOTP (RFC 6238) with replay and brute-force protection.

Pure apart from randomness at enrolment: time is passed in, and the state (last accepted
step, wrong codes, lockout, recovery hashes) goes in and comes out as a value the store keeps.
pyotp's own verify() accepts the same code twice within its window; check_code() refuses any
code at or below the last accepted step, so a code seen over a shoulder is worth nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

import pyotp

from agentdesk.core.errors import BadInput

DIGITS = 6
STEP_SECONDS = 30
DRIFT_STEPS = 1
"""One step each way: a phone clock 30 s off still works, a code older than that does not."""
SECRET_BYTES = 20
"""160 bits: RFC 4226's recommended length for HMAC-SHA1."""
MAX_WRONG_CODES = 10
LOCKOUT = timedelta(minutes=30)
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L to misread
_RECOVERY_LENGTH = 10
# scrypt as in the Python docs' example figures: ~50 ms a hash, 16 MiB of memory.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


class Outcome(StrEnum):
    OK = "ok"
    WRONG = "wrong"
    REPLAY = "replay"
    LOCKED_OUT = "locked_out"


@dataclass(frozen=True)
class TotpState:
    """What the store keeps between attempts (never the secret: that is in the keyring)."""

    last_step: int | None = None
    failures: int = 0
    locked_until: datetime | None = None
    recovery_hashes: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class Check:
    outcome: Outcome
    state: TotpState
    message: str

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK


@dataclass(frozen=True)
class Enrolment:
    """A new secret and what the agent needs once: the URI (QR) and the recovery codes."""

    secret: str = field(repr=False)
    uri: str = field(repr=False)
    recovery_codes: tuple[str, ...] = field(repr=False)

    def __repr__(self) -> str:
        return "Enrolment(...)"  # never the secret, the URI or the codes


def new_secret() -> str:
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def enrol(account: str, issuer: str = "agentdesk") -> Enrolment:
    secret = new_secret()
    uri = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account, issuer_name=issuer
    )
    codes = tuple(_recovery_code() for _ in range(RECOVERY_CODES))
    return Enrolment(secret=secret, uri=uri, recovery_codes=codes)


def step_of(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    """The code of one step (for tests and for the enrolment's first code)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def normalise_code(typed: str) -> str:
    code = "".join(typed.split())
    if len(code) != DIGITS or not code.isdigit():
        raise BadInput(f"the code is the {DIGITS} digits your authenticator app shows now")
    return code


def is_locked(state: TotpState, now: datetime) -> bool:
    return state.locked_until is not None and now < state.locked_until


def _locked_message(state: TotpState) -> str:
    assert state.locked_until is not None
    until = state.locked_until.strftime("%H:%M UTC")
    return (
        f"Too many wrong codes: sign-in is locked until {until}. "
        "Wait, or ask your supervisor if this was not you."
    )


def _failed(state: TotpState, now: datetime, outcome: Outcome, message: str) -> Check:
    failures = state.failures + 1
    if failures >= MAX_WRONG_CODES:
        locked = replace(state, failures=0, locked_until=now + LOCKOUT)
        return Check(Outcome.LOCKED_OUT, locked, _locked_message(locked))
    left = MAX_WRONG_CODES - failures
    return Check(outcome, replace(state, failures=failures), f"{message} ({left} tries left)")


def check_code(secret: str, state: TotpState, typed: str, now: datetime) -> Check:
    """Accept a code of this step or one step either side, once; count wrong codes.

    A code at or below the last accepted step is a replay and refused. Raises BadInput for
    something that is not a code at all (a typo, not an attempt: it does not count)."""
    if is_locked(state, now):
        return Check(Outcome.LOCKED_OUT, state, _locked_message(state))
    code = normalise_code(typed)
    if state.locked_until is not None:
        state = replace(state, locked_until=None)  # the lockout has ended
    current = step_of(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(code_at(secret, step), code):
            if state.last_step is not None and step <= state.last_step:
                return _failed(
                    state, now, Outcome.REPLAY, "That code was already used; wait for the next one"
                )
            return Check(Outcome.OK, replace(state, last_step=step, failures=0), "Signed in.")
    return _failed(state, now, Outcome.WRONG, "Wrong code")


def _recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def _normal_recovery(typed: str) -> str:
    return "".join(c for c in typed.upper() if c.isalnum())


def looks_like_recovery_code(typed: str) -> bool:
    return len(_normal_recovery(typed)) == _RECOVERY_LENGTH and not typed.strip().isdigit()


def hash_recovery_code(code: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(_normal_recovery(code).encode(), salt=salt, **_SCRYPT)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def _matches(code: str, stored: str) -> bool:
    try:
        scheme, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            _normal_recovery(code).encode(),
            salt=base64.b64decode(salt),
            **_SCRYPT,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(expected, got)


def first_state(enrolment: Enrolment, confirmed_step: int) -> TotpState:
    """The state after the first code confirmed the enrolment: that code is used up."""
    return TotpState(
        last_step=confirmed_step,
        recovery_hashes=tuple(hash_recovery_code(c) for c in enrolment.recovery_codes),
    )


def confirm_enrolment(enrolment: Enrolment, typed: str, now: datetime) -> Check:
    """The first code from the phone proves it holds the secret; nothing is counted yet."""
    check = check_code(enrolment.secret, TotpState(), typed, now)
    if not check.ok:
        return Check(
            Outcome.WRONG,
            TotpState(),
            "That code does not match: check the phone's clock and scan the code again",
        )
    assert check.state.last_step is not None
    return Check(Outcome.OK, first_state(enrolment, check.state.last_step), "Enrolled.")


def use_recovery_code(state: TotpState, typed: str, now: datetime) -> Check:
    """A recovery code signs in once, then it is gone; a wrong one counts like a wrong code."""
    if is_locked(state, now):
        return Check(Outcome.LOCKED_OUT, state, _locked_message(state))
    for stored in state.recovery_hashes:
        if _matches(typed, stored):
            left = tuple(h for h in state.recovery_hashes if h != stored)
            return Check(
                Outcome.OK,
                replace(state, recovery_hashes=left, failures=0, locked_until=None),
                f"Signed in with a recovery code; {len(left)} left. Enrol your new phone now.",
            )
    return _failed(state, now, Outcome.WRONG, "Not a recovery code of this profile")
