"""Verifiers and attempts on a real SQLite file: hashes only, nothing typed on disk."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from agentdesk.core.verification import Attempt, Factor, Outcome, VerifierFormatError
from agentdesk.store.engine import Store
from agentdesk.store.verification import (
    account_verifiers,
    check_factor,
    insert_attempt,
    set_verifiers,
    ticket_attempts,
    verification_state,
)
from tests.conftest import FIXED_NOW
from tests.store.factory import add_people, add_ticket

KEY = b"k" * 32
ANSWERS = {
    Factor.PAYMENT_LAST4: "7391",
    Factor.DATE_OF_BIRTH: "1979-11-04",
    Factor.PIN: "582016",
}


@pytest.fixture
def people(store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    # Fixed salts: digests are the same every run, so a byte search of the file is repeatable.
    salts = (bytes([n]) * 16 for n in range(1, 100))
    monkeypatch.setattr("agentdesk.store.verification.secrets.token_bytes", lambda n: next(salts))
    add_people(store, FIXED_NOW)
    add_ticket(store, 1, created_at=FIXED_NOW - timedelta(hours=1))
    with store.write() as connection:
        set_verifiers(connection, KEY, 1, ANSWERS)
    return store


def _all_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_verifiers_check_what_the_customer_says(people: Store) -> None:
    with people.read() as connection:
        account = account_verifiers(connection, " acc-00000001 ")
        assert account is not None and account.customer_id == 1
        assert account_verifiers(connection, "ACC-99999999") is None
    assert check_factor(KEY, account, Factor.PAYMENT_LAST4, "7391")
    assert not check_factor(KEY, account, Factor.PAYMENT_LAST4, "7392")
    assert check_factor(KEY, account, Factor.DATE_OF_BIRTH, "4 November 1979")
    assert not check_factor(b"x" * 32, account, Factor.PIN, "582016")  # another profile's key
    with pytest.raises(VerifierFormatError):
        check_factor(KEY, account, Factor.PAYMENT_LAST4, "73")


def test_a_customer_without_verifiers_never_passes(people: Store) -> None:
    with people.read() as connection:
        account = account_verifiers(connection, "ACC-00000002")
    assert account is not None and not account.verifiers
    assert not check_factor(KEY, account, Factor.PIN, "582016")


def test_salts_differ_per_customer_and_factor(people: Store) -> None:
    with people.write() as connection:
        set_verifiers(connection, KEY, 2, ANSWERS)  # the same answers as customer 1
    with people.read() as connection:
        rows = connection.exec_driver_sql(
            "SELECT customer_id, factor, salt, digest FROM customer_verifiers"
        ).all()
    assert len(rows) == 6
    assert len({bytes(r.salt) for r in rows}) == 6
    assert len({r.digest for r in rows}) == 6


def test_attempts_are_kept_with_an_audit_row_each(people: Store) -> None:
    failed = Attempt(FIXED_NOW, Outcome.FAILED, failed_step=Factor.PAYMENT_LAST4)
    factors = (Factor.ACCOUNT_ID, Factor.PAYMENT_LAST4, Factor.PIN)
    passed = Attempt(FIXED_NOW + timedelta(minutes=2), Outcome.PASSED, factors)
    for attempt in (failed, passed):
        with people.write() as connection:
            insert_attempt(connection, 1, attempt, customer_id=1, agent_id=1, actor="amara.okafor")
    with people.read() as connection:
        assert ticket_attempts(connection, 1) == [failed, passed]
        audit = connection.exec_driver_sql(
            "SELECT actor, action, new_value FROM audit WHERE ticket_id = 1 ORDER BY id"
        ).all()
    assert [tuple(r) for r in audit] == [
        ("amara.okafor", "verify_identity", "failed at the last 4 of the payment method"),
        (
            "amara.okafor",
            "verify_identity",
            "passed with account ID, last 4 of the payment method, PIN",
        ),
    ]


def test_no_typed_value_reaches_the_file_or_its_wal(people: Store) -> None:
    typed = ["7391", "582016", "1979-11-04", "4 November 1979", "7392"]
    with people.read() as connection:
        account = account_verifiers(connection, "ACC-00000001")
    assert account is not None
    for value in typed[:2]:
        check_factor(KEY, account, Factor.PIN if len(value) == 6 else Factor.PAYMENT_LAST4, value)
    check_factor(KEY, account, Factor.DATE_OF_BIRTH, typed[3])
    with people.write() as connection:
        insert_attempt(
            connection,
            1,
            Attempt(FIXED_NOW, Outcome.PASSED, (Factor.ACCOUNT_ID, Factor.DATE_OF_BIRTH)),
            customer_id=1,
            agent_id=1,
            actor="amara.okafor",
        )
    on_disk = _all_bytes(people.path)
    assert b"verify_identity" in on_disk  # the WAL or file really holds the new rows
    with people.read() as connection:
        digests = [
            r[0] for r in connection.exec_driver_sql("SELECT digest FROM customer_verifiers")
        ]
    for value in typed:
        # Digits can occur by chance inside a hex digest; anywhere else they would be a leak.
        assert not any(value in digest for digest in digests), "pick other test values"
        assert value.encode() not in on_disk, value


def _fail(store: Store, minutes: int, step: Factor) -> object:
    from agentdesk.store.attempts import record_attempt

    attempt = Attempt(FIXED_NOW + timedelta(minutes=minutes), Outcome.FAILED, failed_step=step)
    return record_attempt(
        store, 1, attempt, customer_id=1, agent_id=1, actor="amara.okafor", author="Amara Okafor"
    )


def test_three_failures_escalate_to_level_2_and_lock_the_interaction(people: Store) -> None:
    from agentdesk.core.changes import ChangeRefused, NewMessage, TicketChange
    from agentdesk.core.ticket import MessageKind
    from agentdesk.store.verification import VerificationRefused
    from agentdesk.store.writes import apply_change

    assert not _fail(people, 0, Factor.PAYMENT_LAST4).locked  # type: ignore[attr-defined]
    assert not _fail(people, 1, Factor.PAYMENT_LAST4).locked  # type: ignore[attr-defined]
    status = _fail(people, 2, Factor.DATE_OF_BIRTH)
    assert status.locked and status.failures == 3  # type: ignore[attr-defined]
    with people.read() as connection:
        tier = connection.exec_driver_sql("SELECT tier FROM tickets WHERE id = 1").scalar_one()
        notes = connection.exec_driver_sql(
            "SELECT body FROM messages WHERE ticket_id = 1 AND kind = 'internal_note'"
        ).all()
        audit = connection.exec_driver_sql(
            "SELECT action, field, new_value FROM audit WHERE ticket_id = 1 ORDER BY id"
        ).all()
    assert tier == "L2"
    assert len(notes) == 1 and "failed 3 times" in notes[0][0] and "date of birth" in notes[0][0]
    assert [r.action for r in audit].count("verify_identity") == 3
    assert ("verification_failed", "tier", "L2") in [tuple(r) for r in audit]
    later = FIXED_NOW + timedelta(minutes=3)
    reply = NewMessage(MessageKind.REPLY, "Your account is fine.", "Amara")
    with pytest.raises(ChangeRefused, match="locked until a Level 2 agent clears it"):
        apply_change(people, 1, TicketChange("reply", message=reply), actor="amara", now=later)
    with pytest.raises(VerificationRefused, match="locked"):
        _fail(people, 4, Factor.PIN)
    # An internal note is still allowed: the team must be able to talk about it.
    note = NewMessage(MessageKind.INTERNAL_NOTE, "Caller hung up.", "Amara")
    apply_change(people, 1, TicketChange("note", message=note), actor="amara", now=later)


def test_the_failure_and_its_escalation_are_one_transaction(people: Store) -> None:
    """If the escalation cannot be written, the third failure is not kept either: a ticket is
    never locked without having gone to Level 2."""
    import sqlalchemy

    _fail(people, 0, Factor.PAYMENT_LAST4)
    _fail(people, 1, Factor.PAYMENT_LAST4)
    with people.write() as connection:
        connection.exec_driver_sql(
            "CREATE TRIGGER no_escalation BEFORE UPDATE OF tier ON tickets "
            "BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"
        )
    with pytest.raises(sqlalchemy.exc.IntegrityError, match="the disk is full"):
        _fail(people, 2, Factor.DATE_OF_BIRTH)
    with people.read() as connection:
        failures = connection.exec_driver_sql(
            "SELECT count(*) FROM verification_attempts WHERE ticket_id = 1"
        ).scalar_one()
        tier = connection.exec_driver_sql("SELECT tier FROM tickets WHERE id = 1").scalar_one()
    assert (failures, tier) == (2, "L1")
    assert not verification_state(people, 1, FIXED_NOW + timedelta(minutes=3)).locked


def test_only_level_2_clears_the_lock(people: Store) -> None:
    from agentdesk.core.ticket import Tier
    from agentdesk.store.verification import VerificationRefused, clear_lock

    for minute in range(3):
        _fail(people, minute, Factor.PIN)
    at = FIXED_NOW + timedelta(minutes=5)
    with pytest.raises(VerificationRefused, match="Level 2"):
        clear_lock(people, 1, agent_tier=Tier.L1, actor="amara.okafor", now=at)
    status = clear_lock(people, 1, agent_tier=Tier.L2, actor="li.wei", now=at)
    assert not status.locked and not status.verified and status.failures == 0
    with pytest.raises(VerificationRefused, match="not locked"):
        clear_lock(people, 1, agent_tier=Tier.L2, actor="li.wei", now=at)
    with people.read() as connection:
        assert ticket_attempts(connection, 1)[-1].outcome is Outcome.CLEARED


def test_resolve_needs_a_pass_in_this_interaction(people: Store) -> None:
    from agentdesk.core.changes import ChangeRefused, TicketChange
    from agentdesk.core.quality import Confirmation
    from agentdesk.core.ticket import Status
    from agentdesk.store.notes import record_confirmation
    from agentdesk.store.writes import apply_change
    from tests.store.factory import complete_note, replied, verified

    at = FIXED_NOW + timedelta(minutes=1)
    apply_change(people, 1, TicketChange("start", status=Status.IN_PROGRESS), actor="a", now=at)
    record_confirmation(
        people, 1, Confirmation("Login", "Reset link", "16:00", True, at), agent="amara"
    )
    apply_change(people, 1, TicketChange("note", note=complete_note()), actor="a", now=at)
    replied(people, 1, at)  # the customer was told (the quality check)
    resolve = TicketChange("resolve", status=Status.RESOLVED)
    with pytest.raises(ChangeRefused, match="verify the customer's identity first"):
        apply_change(people, 1, resolve, actor="a", now=at)
    verified(people, 1, at)
    apply_change(people, 1, resolve, actor="a", now=at + timedelta(minutes=1))
    # A reopen starts a new interaction: the old pass no longer counts.
    reopened = at + timedelta(minutes=2)
    apply_change(
        people, 1, TicketChange("reopen", status=Status.IN_PROGRESS), actor="a", now=reopened
    )
    # ... and so does the old confirmation: the customer agrees again, and verifies again.
    later = reopened + timedelta(minutes=1)
    with pytest.raises(ChangeRefused, match="belongs to the earlier interaction"):
        apply_change(people, 1, resolve, actor="a", now=later)
    record_confirmation(
        people, 1, Confirmation("Login", "New device", "17:00", True, later), agent="amara"
    )
    with pytest.raises(ChangeRefused, match="verify the customer's identity first"):
        apply_change(people, 1, resolve, actor="a", now=later)
    verified(people, 1, later)
    assert apply_change(people, 1, resolve, actor="a", now=later).after.status is Status.RESOLVED
