"""Identity verification: "Do not proceed without verification."

The wizard's jobs: find the customer by account ID, get the profile's verifier key, record
an attempt (the failure that reaches the limit locks the interaction and escalates the ticket
to Level 2, in the same transaction), and let a Level 2 agent clear the lock. Comparing what
the customer says is pure: core.verification.check_factor, with the key found here.

What the customer says is an argument to check_factor only: nothing here keeps it, logs it or
puts it in an error message.
"""

from __future__ import annotations

from agentdesk.core.verification import (
    AccountVerifiers,
    Attempt,
    VerificationRefused,
    VerificationStatus,
    clear_lock_refusal,
)
from agentdesk.desk.base import Desk


def verifier_key(desk: Desk) -> bytes:
    """The profile's verifier key (the keyring's; a demo profile's owner-only file), once
    it is known to be the key this store's hashes were made with.

    Raises VerifierKeyMismatch (a DeskError that blames the key, not the customer) when
    another key made them: the wizard then records no attempt, so nothing locks or escalates.
    A store that never recorded its key (made before it did) records this one now.
    """
    from agentdesk.session import verifier_key_for
    from agentdesk.store.verification import check_key, record_key

    found = verifier_key_for(desk.settings)
    with desk.reading():
        recorded = check_key(desk.store, found.key, found.held_in)
    if not recorded and not desk.read_only:
        with desk.writing("record which verifier key this database uses"):
            record_key(desk.store, found.key, found.held_in)
    return found.key


def find_account(desk: Desk, account_id: str) -> AccountVerifiers | None:
    """The customer with this account ID (any case, spaces trimmed) and their stored
    verifiers; None when no customer has it (a slip, not a failed attempt)."""
    from agentdesk.store.verification import account_verifiers

    with desk.reading(), desk.store.read() as connection:
        return account_verifiers(connection, account_id)


def attempt_limit(desk: Desk) -> int:
    """Failed attempts in a row that lock the interaction (the profile's [verification])."""
    return desk.store.verification.max_attempts


def verification_state(desk: Desk, ticket_id: int) -> VerificationStatus:
    """Where the ticket's verification stands now, for the current interaction."""
    from agentdesk.store.verification import verification_state as stored_state

    with desk.reading():
        return stored_state(desk.store, ticket_id, desk.now())


def record_attempt(
    desk: Desk, ticket_id: int, attempt: Attempt, *, customer_id: int | None
) -> VerificationStatus:
    """Keep one run of the wizard, by the desk's agent; the status after it.

    Raises VerificationRefused (a Refused) when the interaction is locked.
    """
    from agentdesk.core.verification import Outcome
    from agentdesk.desk.audit_trail import Event, record_event
    from agentdesk.store.attempts import record_attempt as store_attempt

    actor = desk.actor
    with desk.writing("record a verification attempt"):
        status = store_attempt(
            desk.store,
            ticket_id,
            attempt,
            customer_id=customer_id,
            agent_id=actor.agent_id,
            actor=actor.handle,
            author=actor.name,
        )
    # Issue 16: the security trail too (the ticket's own audit has it already).
    record_event(
        desk,
        Event.VERIFICATION,
        success=attempt.outcome is not Outcome.FAILED,
        resource=f"ticket {ticket_id}",
        detail=attempt.describe(),
        required=False,
    )
    return status


def clear_lock(desk: Desk, ticket_id: int) -> None:
    """The desk's agent lifts the ticket's verification lock; the customer verifies again.

    Raises VerificationRefused (a Refused) below Level 2, or when nothing is locked.
    """
    from agentdesk.store.verification import clear_lock as store_clear

    actor = desk.actor
    refusal = clear_lock_refusal(ticket_id, actor.tier)
    if refusal:
        raise VerificationRefused(refusal)
    with desk.writing("clear the verification lock"):
        store_clear(
            desk.store, ticket_id, agent_tier=actor.tier, actor=actor.handle, now=desk.now()
        )
