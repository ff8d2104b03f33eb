"""Identity verification: "Do not proceed without verification."

The SOP: the account ID, then the last 4 of the payment method, then the date of birth or a
PIN (the customer's choice). The store keeps only keyed hashes of the verifiers: HMAC-SHA256
with a per-profile key (held in keyring, never in the database) over a per-customer salt. A
plain hash of 4 digits or a birth date falls to brute force in a moment; without the key it
does not. What the agent typed is compared here and then dropped: nothing in this module
keeps it, logs it or puts it in an error message.

No IO and no clock: the caller passes the key, the stored digests and the time.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from hashlib import sha256

from agentdesk.core.errors import BadInput, Refused
from agentdesk.core.ticket import Tier

SALT_BYTES = 16


class Factor(StrEnum):
    """What the customer tells the agent. Never a CVV, never a full card number."""

    ACCOUNT_ID = "account_id"
    PAYMENT_LAST4 = "payment_last4"
    DATE_OF_BIRTH = "date_of_birth"
    PIN = "pin"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Factor.ACCOUNT_ID: "account ID",
    Factor.PAYMENT_LAST4: "last 4 of the payment method",
    Factor.DATE_OF_BIRTH: "date of birth",
    Factor.PIN: "PIN",
}

# The factors held as keyed hashes; the account ID is an identifier, checked in the clear.
SECRET_FACTORS: tuple[Factor, ...] = (Factor.PAYMENT_LAST4, Factor.DATE_OF_BIRTH, Factor.PIN)


class VerifierFormatError(BadInput, ValueError):
    """What was typed cannot be the factor asked for. Not a failed attempt: a typing slip.

    The message says what is expected; it never repeats what was typed.
    """


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}


def _date_of_birth(typed: str) -> str:
    text = typed.strip().lower().replace(",", " ")
    iso = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text)
    named = re.fullmatch(r"(\d{1,2})\s*([a-z]+)\.?\s*(\d{4})", text) or re.fullmatch(
        r"([a-z]+)\.?\s*(\d{1,2})\s+(\d{4})", text
    )
    try:
        if iso:
            year, month, day = (int(part) for part in iso.groups())
        elif named and named.group(1).isdigit():
            day, month, year = int(named.group(1)), _MONTHS[named.group(2)], int(named.group(3))
        elif named:
            month, day, year = _MONTHS[named.group(1)], int(named.group(2)), int(named.group(3))
        else:
            raise KeyError
        return date(year, month, day).isoformat()
    except (KeyError, ValueError):
        # Numeric day/month orders differ by country: only unambiguous forms are accepted.
        raise VerifierFormatError(
            "Type the date of birth as YYYY-MM-DD or with the month in words (12 March 1985)."
        ) from None


def normalise(factor: Factor, typed: str) -> str:
    """The canonical form that is hashed, so "1985-3-12" and "12 Mar 1985" agree."""
    if factor is Factor.ACCOUNT_ID:
        value = typed.strip().upper()
        if not value:
            raise VerifierFormatError("Type the account ID the customer gives.")
        return value
    if factor is Factor.PAYMENT_LAST4:
        digits = re.sub(r"[\s-]", "", typed)
        if not digits.isdigit():
            raise VerifierFormatError("The last 4 of the payment method are 4 digits.")
        if len(digits) > 4:
            raise VerifierFormatError(
                "Only the last 4 digits: never ask for or type a full card number."
            )
        if len(digits) < 4:
            raise VerifierFormatError("The last 4 of the payment method are 4 digits.")
        return digits
    if factor is Factor.PIN:
        digits = typed.strip()
        if not (digits.isdigit() and 4 <= len(digits) <= 6):
            raise VerifierFormatError("A PIN is 4 to 6 digits.")
        return digits
    return _date_of_birth(typed)


def verifier_digest(key: bytes, salt: bytes, factor: Factor, value: str) -> str:
    """The keyed hash the store keeps for one factor of one customer."""
    if len(key) < 32:
        raise ValueError("the verifier key must be at least 32 bytes")
    message = b"\x00".join((salt, factor.value.encode(), normalise(factor, value).encode()))
    return hmac.new(key, message, sha256).hexdigest()


_KEY_CHECK_MESSAGE = b"agentdesk-key-check"


def key_check(key: bytes) -> str:
    """Which key made a store's hashes, without the key: HMAC(key, "agentdesk-key-check"),
    its first 16 hex digits. Enough to tell two keys apart; nothing to brute-force a key by."""
    return hmac.new(key, _KEY_CHECK_MESSAGE, sha256).hexdigest()[:16]


def key_mismatch_message(held_in: str) -> str:
    """What the wizard says when the profile's key did not make this store's hashes."""
    where = "the system keyring" if held_in == "keyring" else held_in
    return (
        "The verifier key does not match this database: its customers' verifiers were "
        "made with another key, so no answer can be checked here. This is not the "
        "customer's failure: nothing was recorded, the ticket is not locked or escalated. "
        f"This profile's key is in {where}; put back the key that belongs with this "
        "database (a verifier.key from where it was made), or set the verifiers again."
    )


def factor_matches(key: bytes, salt: bytes, factor: Factor, typed: str, stored: str) -> bool:
    """Compare in constant time; raises VerifierFormatError for a typing slip."""
    return hmac.compare_digest(verifier_digest(key, salt, factor, typed), stored)


@dataclass(frozen=True)
class StoredVerifier:
    salt: bytes
    digest: str

    def __repr__(self) -> str:
        return "StoredVerifier(<hidden>)"


@dataclass(frozen=True)
class AccountVerifiers:
    """A customer found by account ID, with the keyed hashes of their verifiers."""

    customer_id: int
    account_id: str
    verifiers: Mapping[Factor, StoredVerifier]


def check_factor(key: bytes, account: AccountVerifiers, factor: Factor, typed: str) -> bool:
    """Does what the customer said match? False when the customer has no such verifier.

    Raises VerifierFormatError for a typing slip (not an attempt).
    """
    stored = account.verifiers.get(factor)
    if stored is None:
        # Still normalise: a slip is reported the same way whether or not a verifier exists.
        verifier_digest(key, b"", factor, typed)
        return False
    return factor_matches(key, stored.salt, factor, typed, stored.digest)


@dataclass(frozen=True)
class VerificationPolicy:
    max_attempts: int = 3
    valid_for: timedelta = timedelta(minutes=30)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("verification max_attempts must be at least 1")
        if self.valid_for <= timedelta(0):
            raise ValueError("verification valid_for must be positive")


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    CLEARED = "cleared"  # an L2 agent lifted the lock after failed attempts


@dataclass(frozen=True)
class Attempt:
    """One run of the wizard (or an L2 clearance), as the store keeps it: no typed values."""

    at: datetime
    outcome: Outcome
    factors: tuple[Factor, ...] = ()
    failed_step: Factor | None = None

    def describe(self) -> str:
        """The audit trail's words for it."""
        if self.outcome is Outcome.PASSED:
            return "passed with " + ", ".join(f.label for f in self.factors)
        if self.outcome is Outcome.FAILED:
            step = self.failed_step.label if self.failed_step else "an unknown step"
            return f"failed at the {step}"
        return "lock cleared by Level 2"


@dataclass(frozen=True)
class VerificationStatus:
    verified_until: datetime | None
    failures: int  # failed attempts since the last pass or clearance
    locked: bool
    last_failed_step: Factor | None

    @property
    def verified(self) -> bool:
        return self.verified_until is not None


def verification_status(
    attempts: Sequence[Attempt],
    *,
    now: datetime,
    policy: VerificationPolicy,
    interaction_started_at: datetime | None = None,
) -> VerificationStatus:
    """Where the ticket's verification stands at `now`.

    Only attempts in the current interaction count: a reopen starts a new one (the caller
    passes when). A pass holds for policy.valid_for; max_attempts failures in a row lock the
    interaction until a clearance.
    """
    current = sorted(
        (a for a in attempts if interaction_started_at is None or a.at >= interaction_started_at),
        key=lambda a: a.at,
    )
    failures = 0
    last_failed: Factor | None = None
    verified_until: datetime | None = None
    for attempt in current:
        if attempt.outcome is Outcome.FAILED:
            failures += 1
            last_failed = attempt.failed_step
            verified_until = None
        else:
            failures = 0
            last_failed = None
            verified_until = (
                attempt.at + policy.valid_for if attempt.outcome is Outcome.PASSED else None
            )
    locked = failures >= policy.max_attempts
    if verified_until is not None and verified_until <= now:
        verified_until = None
    return VerificationStatus(
        verified_until=verified_until,
        failures=failures,
        locked=locked,
        last_failed_step=last_failed,
    )


def failure_note(attempt: Attempt, failures: int) -> str:
    """The internal note written when failures lock the interaction and escalate it."""
    step = attempt.failed_step.label if attempt.failed_step else "an unknown step"
    return (
        f"Identity verification failed {failures} times; the last attempt failed at the {step}.\n"
        "Escalated to Level 2 as the SOP requires. Until a Level 2 agent clears it, this "
        "interaction is locked: no reply, no account change, no resolve."
    )


class VerificationRefused(Refused, ValueError):
    """A verification step the SOP does not allow here; the message says why."""


# The escalation matrix: failed verification is Level 2 work, so only L2 or L3 lifts the lock.
_CLEARS_LOCKS = (Tier.L2, Tier.L3)


def may_clear_lock(tier: Tier | None) -> bool:
    """May an agent of this tier (None: no agent record) clear a verification lock?"""
    return tier in _CLEARS_LOCKS


def clear_lock_refusal(
    ticket_id: int, tier: Tier | None, status: VerificationStatus | None = None
) -> str:
    """Why this agent cannot clear the ticket's lock; "" when they can. Without a status (the
    ticket not read yet) only the agent's tier is judged."""
    if not may_clear_lock(tier):
        return f"#{ticket_id}: only a Level 2 or Level 3 agent can clear a verification lock"
    if status is not None and not status.locked:
        return f"#{ticket_id}: verification is not locked"
    return ""


def attempt_refusal(ticket_id: int, status: VerificationStatus) -> str:
    """Why no attempt may be recorded now (a locked interaction); "" when one may."""
    if status.locked:
        return (
            f"#{ticket_id}: verification is locked after failed attempts; a Level 2 agent "
            "must clear it first"
        )
    return ""
