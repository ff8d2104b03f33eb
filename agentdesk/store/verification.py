"""Verifiers and verification attempts in the store.

Only keyed hashes are stored (core.verification). The typed values pass through check_factor()
and are gone: they are never bound into SQL, so they reach neither the file nor its WAL.
Recording an attempt (which may escalate the ticket) is store/attempts.py.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Connection, text

from agentdesk.core.errors import DeskError
from agentdesk.core.ticket import Tier
from agentdesk.core.verification import (
    SALT_BYTES,
    Attempt,
    Factor,
    Outcome,
    VerificationStatus,
    clear_lock_refusal,
    key_check,
    key_mismatch_message,
    verification_status,
    verifier_digest,
)

# Pure, so they live in core; named here too for the callers that always found them here.
from agentdesk.core.verification import AccountVerifiers as AccountVerifiers
from agentdesk.core.verification import StoredVerifier as StoredVerifier
from agentdesk.core.verification import VerificationRefused as VerificationRefused
from agentdesk.core.verification import check_factor as check_factor
from agentdesk.store.audit import AuditRecord, write_audit
from agentdesk.store.engine import Store
from agentdesk.store.stamps import from_db, to_db


def verifier_rows(
    key: bytes, customer_id: int, values: Mapping[Factor, str]
) -> list[dict[str, object]]:
    """Rows for customer_verifiers: a fresh salt per factor, the keyed digest of each value."""
    rows: list[dict[str, object]] = []
    for factor, value in values.items():
        salt = secrets.token_bytes(SALT_BYTES)
        rows.append(
            {
                "customer_id": customer_id,
                "factor": factor.value,
                "salt": salt,
                "digest": verifier_digest(key, salt, factor, value),
            }
        )
    return rows


KEY_CHECK = "verifier_key_check"
"""The meta row naming the key the store's hashes were made with (core.key_check)."""


class VerifierKeyMismatch(DeskError):
    """The profile's verifier key did not make this store's hashes."""

    def __init__(self, held_in: str) -> None:
        super().__init__(key_mismatch_message(held_in))


def recorded_key_check(connection: Connection) -> str | None:
    found = connection.execute(
        text("SELECT value FROM meta WHERE key = :k"), {"k": KEY_CHECK}
    ).scalar_one_or_none()
    return None if found is None else str(found)


def claim_key(connection: Connection, key: bytes, held_in: str = "") -> None:
    """Inside a write transaction: record which key makes the store's hashes the first
    time one is used (new stores when verifiers are first written, older stores at their
    first verification); raise VerifierKeyMismatch when another key made them."""
    check = key_check(key)
    recorded = recorded_key_check(connection)
    if recorded is None:
        connection.execute(
            text("INSERT INTO meta (key, value) VALUES (:k, :v)"), {"k": KEY_CHECK, "v": check}
        )
    elif recorded != check:
        raise VerifierKeyMismatch(held_in)


def check_key(store: Store, key: bytes, held_in: str) -> bool:
    """Before a verification: raise VerifierKeyMismatch unless key made the store's hashes.
    False when the store has not recorded its key yet (record_key then)."""
    with store.read() as connection:
        recorded = recorded_key_check(connection)
    if recorded is not None and recorded != key_check(key):
        raise VerifierKeyMismatch(held_in)
    return recorded is not None


def record_key(store: Store, key: bytes, held_in: str) -> None:
    with store.write() as connection:
        claim_key(connection, key, held_in)


def set_verifiers(
    connection: Connection, key: bytes, customer_id: int, values: Mapping[Factor, str]
) -> None:
    """Replace the customer's verifiers (inside the caller's write transaction)."""
    claim_key(connection, key)
    rows = verifier_rows(key, customer_id, values)
    connection.execute(
        text(
            "INSERT OR REPLACE INTO customer_verifiers (customer_id, factor, salt, digest) "
            "VALUES (:customer_id, :factor, :salt, :digest)"
        ),
        rows,
    )


def account_verifiers(connection: Connection, account_id: str) -> AccountVerifiers | None:
    """The customer with this account ID and their stored verifiers; None if unknown."""
    row = connection.execute(
        text("SELECT id, account_id FROM customers WHERE upper(account_id) = upper(:a)"),
        {"a": account_id.strip()},
    ).one_or_none()
    if row is None:
        return None
    verifiers = {
        Factor(r.factor): StoredVerifier(bytes(r.salt), r.digest)
        for r in connection.execute(
            text("SELECT factor, salt, digest FROM customer_verifiers WHERE customer_id = :c"),
            {"c": row.id},
        )
    }
    return AccountVerifiers(row.id, row.account_id, verifiers)


def ticket_attempts(connection: Connection, ticket_id: int) -> list[Attempt]:
    return [
        Attempt(
            at=from_db(r.at),
            outcome=Outcome(r.outcome),
            factors=tuple(Factor(f) for f in r.factors.split(",") if f),
            failed_step=Factor(r.failed_step) if r.failed_step else None,
        )
        for r in connection.execute(
            text(
                "SELECT outcome, factors, failed_step, at FROM verification_attempts "
                "WHERE ticket_id = :t ORDER BY at, id"
            ),
            {"t": ticket_id},
        )
    ]


def insert_attempt(
    connection: Connection,
    ticket_id: int,
    attempt: Attempt,
    *,
    customer_id: int | None,
    agent_id: int | None,
    actor: str,
) -> None:
    """The attempt and its audit row (inside the caller's write transaction)."""
    stamp = to_db(attempt.at)
    connection.execute(
        text(
            "INSERT INTO verification_attempts "
            "(ticket_id, customer_id, agent_id, actor, outcome, factors, failed_step, at) "
            "VALUES (:t, :c, :a, :actor, :outcome, :factors, :failed, :at)"
        ),
        {
            "t": ticket_id,
            "c": customer_id,
            "a": agent_id,
            "actor": actor,
            "outcome": attempt.outcome.value,
            "factors": ",".join(f.value for f in attempt.factors),
            "failed": attempt.failed_step.value if attempt.failed_step else None,
            "at": stamp,
        },
    )
    verified = attempt.describe()
    row = AuditRecord(
        ticket_id, actor, "verify_identity", "verification", None, verified, attempt.at
    )
    write_audit(connection, [row])


def latest_reopen(connection: Connection, ticket_id: int) -> datetime | None:
    """When the ticket was last reopened: a new interaction, so verification starts over."""
    value = connection.execute(
        text(
            "SELECT max(at) FROM audit WHERE ticket_id = :t AND field = 'status' "
            "AND old_value IN ('resolved', 'closed')"
        ),
        {"t": ticket_id},
    ).scalar_one()
    return None if value is None else from_db(value)


def verification_state(store: Store, ticket_id: int, now: datetime) -> VerificationStatus:
    with store.read() as connection:
        return status_in(connection, store, ticket_id, now)


def status_in(
    connection: Connection, store: Store, ticket_id: int, now: datetime
) -> VerificationStatus:
    """Where the ticket's verification stands at `now`, inside the caller's transaction."""
    return verification_status(
        ticket_attempts(connection, ticket_id),
        now=now,
        policy=store.verification,
        interaction_started_at=latest_reopen(connection, ticket_id),
    )


def clear_lock(
    store: Store, ticket_id: int, *, agent_tier: Tier | None, actor: str, now: datetime
) -> VerificationStatus:
    """A Level 2 (or 3) agent lifts the lock; the customer must then verify again.

    Raises VerificationRefused for an agent below Level 2, or when nothing is locked.
    """
    # The tier first: an agent who may not clear it is told so even when the store is busy.
    refusal = clear_lock_refusal(ticket_id, agent_tier)
    if refusal:
        raise VerificationRefused(refusal)
    with store.write() as connection:
        refusal = clear_lock_refusal(
            ticket_id, agent_tier, status_in(connection, store, ticket_id, now)
        )
        if refusal:
            raise VerificationRefused(refusal)
        insert_attempt(
            connection,
            ticket_id,
            Attempt(now, Outcome.CLEARED),
            customer_id=None,
            agent_id=None,
            actor=actor,
        )
        return status_in(connection, store, ticket_id, now)
