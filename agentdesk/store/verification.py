"""Verifiers and verification attempts in the store.

Only keyed hashes are stored (core.verification). The typed values pass through check_factor()
and are gone: they are never bound into SQL, so they reach neither the file nor its WAL.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from agentdesk.core.changes import NewMessage, TicketChange
from agentdesk.core.errors import Refused
from agentdesk.core.ticket import MessageKind, Tier
from agentdesk.core.verification import (
    SALT_BYTES,
    Attempt,
    Factor,
    Outcome,
    VerificationStatus,
    factor_matches,
    failure_note,
    verification_status,
    verifier_digest,
)
from agentdesk.store.audit import AuditRecord, write_audit
from agentdesk.store.engine import Store
from agentdesk.store.stamps import from_db, to_db


@dataclass(frozen=True)
class StoredVerifier:
    salt: bytes
    digest: str

    def __repr__(self) -> str:
        return "StoredVerifier(<hidden>)"


@dataclass(frozen=True)
class AccountVerifiers:
    customer_id: int
    account_id: str
    verifiers: Mapping[Factor, StoredVerifier]


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


def set_verifiers(
    connection: Connection, key: bytes, customer_id: int, values: Mapping[Factor, str]
) -> None:
    """Replace the customer's verifiers (inside the caller's write transaction)."""
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


class VerificationRefused(Refused, ValueError):
    """A verification step the SOP does not allow here; the message says why."""


def verification_state(store: Store, ticket_id: int, now: datetime) -> VerificationStatus:
    with store.read() as connection:
        return _state(connection, store, ticket_id, now)


def _state(
    connection: Connection, store: Store, ticket_id: int, now: datetime
) -> VerificationStatus:
    return verification_status(
        ticket_attempts(connection, ticket_id),
        now=now,
        policy=store.verification,
        interaction_started_at=latest_reopen(connection, ticket_id),
    )


def record_attempt(
    store: Store,
    ticket_id: int,
    attempt: Attempt,
    *,
    customer_id: int | None,
    agent_id: int | None,
    actor: str,
    author: str,
) -> VerificationStatus:
    """Keep one attempt (and its audit row). The failure that reaches the limit escalates the
    ticket to Level 2 with an internal note naming the step, through the one write path and
    in the same transaction: a crash cannot leave a locked ticket that was never escalated."""
    with store.write() as connection:
        if _state(connection, store, ticket_id, attempt.at).locked:
            raise VerificationRefused(
                f"#{ticket_id}: verification is locked after failed attempts; a Level 2 agent "
                "must clear it first"
            )
        insert_attempt(
            connection, ticket_id, attempt, customer_id=customer_id, agent_id=agent_id, actor=actor
        )
        status = _state(connection, store, ticket_id, attempt.at)
        if attempt.outcome is Outcome.FAILED and status.locked:
            note = NewMessage(
                MessageKind.INTERNAL_NOTE, failure_note(attempt, status.failures), author, agent_id
            )
            _escalate_failed_verification(connection, store, ticket_id, note, actor, attempt.at)
    return status


def _escalate_failed_verification(
    connection: Connection,
    store: Store,
    ticket_id: int,
    note: NewMessage,
    actor: str,
    now: datetime,
) -> None:
    # Imported here: writes reads this module's rows for every ticket snapshot.
    from agentdesk.store.writes import write_change

    tier = Tier(
        connection.execute(
            text("SELECT tier FROM tickets WHERE id = :t"), {"t": ticket_id}
        ).scalar_one()
    )
    write_change(
        connection,
        store,
        ticket_id,
        TicketChange(
            "verification_failed",
            tier=Tier.L2 if tier is Tier.L1 else None,
            reason="identity verification failed" if tier is Tier.L1 else "",
            message=note,
            required_by_sop=True,
        ),
        actor=actor,
        now=now,
    )


def clear_lock(
    store: Store, ticket_id: int, *, agent_tier: Tier | None, actor: str, now: datetime
) -> VerificationStatus:
    """A Level 2 (or 3) agent lifts the lock; the customer must then verify again."""
    if agent_tier not in (Tier.L2, Tier.L3):
        raise VerificationRefused(
            f"#{ticket_id}: only a Level 2 or Level 3 agent can clear a verification lock"
        )
    if not verification_state(store, ticket_id, now).locked:
        raise VerificationRefused(f"#{ticket_id}: verification is not locked")
    with store.write() as connection:
        insert_attempt(
            connection,
            ticket_id,
            Attempt(now, Outcome.CLEARED),
            customer_id=None,
            agent_id=None,
            actor=actor,
        )
    return verification_state(store, ticket_id, now)
