"""Identity verification at the desk: real temp SQLite, a fixed clock, milliseconds a case.

The wizard's SOP cases (pass, three failures lock and escalate to L2 in one transaction, only
Level 2 clears the lock, a reopen needs a new pass) without a screen; the Pilot tests in
tests/ui/test_verify.py keep what only the wizard shows.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import keyring
import pytest
import sqlalchemy

from agentdesk.core.changes import ChangeRefused, NewMessage, TicketChange
from agentdesk.core.errors import ReadOnly, Refused
from agentdesk.core.quality import Confirmation
from agentdesk.core.ticket import MessageKind, Status, Tier
from agentdesk.core.verification import Attempt, Factor, Outcome, check_factor, key_check
from agentdesk.desk import Desk, verification
from agentdesk.store.engine import Store
from agentdesk.store.rows import AgentRow
from agentdesk.store.verification import VerifierKeyMismatch, set_verifiers
from tests.conftest import FIXED_NOW
from tests.desk.verify_fixtures import AMARA, LI, Clock, desk_for, rows, stamp
from tests.security.memory_keyring import MemoryKeyring, keyring_of
from tests.store.factory import add_people, add_ticket, complete_note, replied

KEY = b"k" * 32
KEY_ACCOUNT = "verifier-key/desk-test"  # tests/desk/verify_fixtures.py's profile
ANSWERS = {
    Factor.PAYMENT_LAST4: "7391",
    Factor.DATE_OF_BIRTH: "1979-11-04",
    Factor.PIN: "582016",
}
PASSED_WITH = (Factor.ACCOUNT_ID, Factor.PAYMENT_LAST4, Factor.DATE_OF_BIRTH)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def people(store: Store, tmp_path: Path) -> Iterator[Store]:
    add_people(store, FIXED_NOW)
    add_ticket(store, 1, created_at=FIXED_NOW - timedelta(hours=1), status=Status.IN_PROGRESS)
    with store.write() as connection:
        set_verifiers(connection, KEY, 1, ANSWERS)
    # Issue 16: the profile's key in the keyring (an in-memory one: no real keychain).
    with keyring_of(MemoryKeyring()) as backend:
        backend.set_password("agentdesk", KEY_ACCOUNT, base64.b64encode(KEY).decode())
        yield store


def _fail(desk: Desk, step: Factor = Factor.PAYMENT_LAST4) -> Any:
    attempt = Attempt(desk.now(), Outcome.FAILED, failed_step=step)
    return verification.record_attempt(desk, 1, attempt, customer_id=1)


def _pass(desk: Desk) -> Any:
    attempt = Attempt(desk.now(), Outcome.PASSED, PASSED_WITH)
    return verification.record_attempt(desk, 1, attempt, customer_id=1)


def _lock(store: Store, clock: Clock) -> None:
    desk = desk_for(store, clock)
    for _ in range(3):
        _fail(desk)
        clock.advance(minutes=1)


def test_a_caller_who_knows_the_answers_passes(people: Store, clock: Clock) -> None:
    desk = desk_for(people, clock)
    key = verification.verifier_key(desk)
    assert key == KEY
    account = verification.find_account(desk, " acc-00000001 ")
    assert account is not None and account.customer_id == 1
    assert check_factor(key, account, Factor.PAYMENT_LAST4, "7391")
    assert check_factor(key, account, Factor.DATE_OF_BIRTH, "4 November 1979")
    assert not verification.verification_state(desk, 1).verified
    status = _pass(desk)
    assert status.verified and status.verified_until == FIXED_NOW + timedelta(minutes=30)
    assert verification.verification_state(desk, 1) == status
    assert rows(
        people, "SELECT agent_id, actor, outcome, factors, customer_id FROM verification_attempts"
    ) == [(1, "amara.okafor", "passed", "account_id,payment_last4,date_of_birth", 1)]
    assert rows(people, "SELECT actor, action, field, old_value, new_value FROM audit") == [
        (
            "amara.okafor",
            "verify_identity",
            "verification",
            None,
            "passed with account ID, last 4 of the payment method, date of birth",
        )
    ]
    clock.advance(minutes=31)  # a pass holds for the policy's 30 minutes
    assert not verification.verification_state(desk, 1).verified


def test_an_unknown_account_is_a_slip_not_an_attempt(people: Store, clock: Clock) -> None:
    desk = desk_for(people, clock)
    assert verification.find_account(desk, "ACC-99999999") is None
    assert rows(people, "SELECT count(*) FROM verification_attempts") == [(0,)]


def test_three_failures_lock_and_escalate_to_level_2(people: Store, clock: Clock) -> None:
    desk = desk_for(people, clock)
    assert verification.attempt_limit(desk) == 3
    first = _fail(desk)
    assert (first.failures, first.locked) == (1, False)
    clock.advance(minutes=1)
    assert not _fail(desk).locked
    clock.advance(minutes=1)
    third = _fail(desk, Factor.DATE_OF_BIRTH)
    assert (third.failures, third.locked, third.last_failed_step) == (3, True, Factor.DATE_OF_BIRTH)
    assert verification.verification_state(desk, 1).locked
    assert rows(people, "SELECT tier FROM tickets WHERE id = 1") == [("L2",)]
    notes = rows(people, "SELECT author, agent_id, body FROM messages WHERE kind = 'internal_note'")
    assert len(notes) == 1 and notes[0][:2] == ("Amara Okafor", 1)
    assert "failed 3 times" in notes[0][2] and "date of birth" in notes[0][2]
    # The audit trail as the wizard always wrote it: three attempts, then the escalation
    # (the SLA's own breach row aside).
    audit = rows(
        people,
        "SELECT actor, action, field, old_value, substr(new_value, 1, 42), at FROM audit "
        "WHERE actor != 'sla' ORDER BY id",
    )
    last4 = "failed at the last 4 of the payment method"
    assert audit == [
        ("amara.okafor", "verify_identity", "verification", None, last4, stamp(0)),
        ("amara.okafor", "verify_identity", "verification", None, last4, stamp(1)),
        (
            "amara.okafor",
            "verify_identity",
            "verification",
            None,
            "failed at the date of birth",
            stamp(2),
        ),
        ("amara.okafor", "verification_failed", "tier", "L1", "L2", stamp(2)),
        (
            "amara.okafor",
            "verification_failed",
            "internal_note",
            None,
            "Identity verification failed 3 times; the ",
            stamp(2),
        ),
        ("amara.okafor", "verification_failed", "time_to_handoff", None, "3720", stamp(2)),
        (
            "amara.okafor",
            "verification_failed",
            "reason",
            None,
            "identity verification failed",
            stamp(2),
        ),
    ]
    assert rows(people, "SELECT op FROM outbox") == [("verification_failed",)]
    # Locked: no fourth attempt, no reply; an internal note still goes.
    clock.advance(minutes=1)
    with pytest.raises(Refused, match="locked after failed attempts"):
        _fail(desk)
    assert rows(people, "SELECT count(*) FROM verification_attempts") == [(3,)]
    from agentdesk.store.writes import apply_change

    reply = NewMessage(MessageKind.REPLY, "Your account is fine.", "Amara")
    with pytest.raises(ChangeRefused, match="locked until a Level 2 agent clears it"):
        apply_change(people, 1, TicketChange("reply", message=reply), actor="a", now=clock())
    note = NewMessage(MessageKind.INTERNAL_NOTE, "Caller hung up.", "Amara")
    apply_change(people, 1, TicketChange("note", message=note), actor="a", now=clock())


def test_the_failure_and_its_escalation_are_one_transaction(people: Store, clock: Clock) -> None:
    """When the escalation cannot be written, the failure that locks is not kept either."""
    desk = desk_for(people, clock)
    _fail(desk)
    _fail(desk)
    with people.write() as connection:
        connection.exec_driver_sql(
            "CREATE TRIGGER no_escalation BEFORE UPDATE OF tier ON tickets "
            "BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"
        )
    with pytest.raises(sqlalchemy.exc.IntegrityError, match="the disk is full"):
        _fail(desk)
    assert rows(people, "SELECT count(*) FROM verification_attempts") == [(2,)]
    assert rows(people, "SELECT tier FROM tickets WHERE id = 1") == [("L1",)]
    assert rows(people, "SELECT count(*) FROM messages") == [(0,)]
    assert not verification.verification_state(desk, 1).locked


def test_a_ticket_already_at_level_2_keeps_its_tier_and_gets_the_note(
    people: Store, clock: Clock
) -> None:
    with people.write() as connection:
        connection.exec_driver_sql("UPDATE tickets SET tier = 'L2' WHERE id = 1")
    _lock(people, clock)
    assert rows(people, "SELECT tier FROM tickets WHERE id = 1") == [("L2",)]
    assert rows(people, "SELECT action, field FROM audit WHERE action = 'verification_failed'") == [
        ("verification_failed", "internal_note")
    ]


@pytest.mark.parametrize("agent", [AMARA, None], ids=["level 1", "no agent record"])
def test_level_1_cannot_clear_the_lock(people: Store, clock: Clock, agent: AgentRow | None) -> None:
    _lock(people, clock)
    desk = desk_for(people, clock, agent)
    with pytest.raises(Refused, match="only a Level 2 or Level 3 agent can clear"):
        verification.clear_lock(desk, 1)
    assert verification.verification_state(desk, 1).locked
    assert rows(people, "SELECT count(*) FROM verification_attempts WHERE outcome = 'cleared'") == [
        (0,)
    ]


def test_level_2_clears_the_lock_and_the_customer_verifies_again(
    people: Store, clock: Clock
) -> None:
    _lock(people, clock)
    desk = desk_for(people, clock, LI)
    verification.clear_lock(desk, 1)
    status = verification.verification_state(desk, 1)
    assert (status.locked, status.verified, status.failures) == (False, False, 0)
    assert rows(
        people,
        "SELECT actor, action, field, old_value, new_value FROM audit ORDER BY id DESC LIMIT 1",
    ) == [("li.wei", "verify_identity", "verification", None, "lock cleared by Level 2")]
    assert rows(
        people,
        "SELECT agent_id, actor, outcome FROM verification_attempts ORDER BY id DESC LIMIT 1",
    ) == [(None, "li.wei", "cleared")]
    with pytest.raises(Refused, match="verification is not locked"):
        verification.clear_lock(desk, 1)
    assert _pass(desk_for(people, clock)).verified


def test_a_level_3_agent_clears_it_too(people: Store, clock: Clock) -> None:
    _lock(people, clock)
    executive = AgentRow(3, "sam.ng", "Sam Ng", Tier.L3)
    verification.clear_lock(desk_for(people, clock, executive), 1)
    assert not verification.verification_state(desk_for(people, clock), 1).locked


def test_a_reopen_needs_a_pass_in_the_new_interaction(people: Store, clock: Clock) -> None:
    from agentdesk.store.notes import record_confirmation
    from agentdesk.store.writes import apply_change

    desk = desk_for(people, clock)
    _pass(desk)
    record_confirmation(
        people, 1, Confirmation("Login", "Reset link", "16:00", True, clock()), agent="amara"
    )
    note = TicketChange("note", note=complete_note())
    apply_change(people, 1, note, actor="amara.okafor", now=clock())
    replied(people, 1, clock())  # the customer was told after the note (the quality check)
    resolve = TicketChange("resolve", status=Status.RESOLVED, note=complete_note())
    apply_change(people, 1, resolve, actor="amara.okafor", now=clock.advance(minutes=1))
    assert verification.verification_state(desk, 1).verified  # the pass still holds
    reopen = TicketChange("reopen", status=Status.IN_PROGRESS)
    apply_change(people, 1, reopen, actor="amara.okafor", now=clock.advance(minutes=1))
    assert not verification.verification_state(desk, 1).verified
    clock.advance(minutes=1)
    assert _pass(desk).verified
    assert verification.verification_state(desk, 1).verified


def test_failures_before_a_reopen_do_not_count(people: Store, clock: Clock) -> None:
    from agentdesk.store.writes import apply_change

    desk = desk_for(people, clock)
    _fail(desk)
    clock.advance(minutes=1)
    _fail(desk)
    _pass(desk)
    with people.write() as connection:
        connection.exec_driver_sql("UPDATE tickets SET status = 'resolved' WHERE id = 1")
    reopen = TicketChange("reopen", status=Status.IN_PROGRESS)
    apply_change(people, 1, reopen, actor="amara.okafor", now=clock.advance(minutes=1))
    clock.advance(minutes=1)
    assert _fail(desk).failures == 1


def test_a_read_only_desk_records_nothing(people: Store, clock: Clock) -> None:
    _lock(people, clock)
    with pytest.raises(ReadOnly, match="cannot clear the verification lock"):
        verification.clear_lock(desk_for(people, clock, LI, read_only=True), 1)
    with people.write() as connection:
        connection.exec_driver_sql("DELETE FROM verification_attempts")
    with pytest.raises(ReadOnly, match="cannot record a verification attempt"):
        _pass(desk_for(people, clock, read_only=True))
    assert rows(people, "SELECT count(*) FROM verification_attempts") == [(0,)]


# Which key made the hashes (issue 12, item 4): a store copied beside another verifier.key.


def _other_key(store: Store) -> None:
    other = base64.b64encode(b"o" * 32).decode()
    keyring.get_keyring().set_password("agentdesk", KEY_ACCOUNT, other)


def test_the_store_records_which_key_made_its_hashes(people: Store, clock: Clock) -> None:
    (check,) = rows(people, "SELECT value FROM meta WHERE key = 'verifier_key_check'")[0]
    assert check == key_check(KEY) and len(check) == 16
    assert base64.b64encode(KEY).decode() not in check and KEY.hex() not in check


def test_another_key_is_refused_and_blames_the_key(people: Store, clock: Clock) -> None:
    _other_key(people)
    desk = desk_for(people, clock)
    with pytest.raises(VerifierKeyMismatch) as caught:
        verification.verifier_key(desk)
    message = str(caught.value)
    assert "verifier key does not match this database" in message
    assert "not the customer's failure" in message
    assert "This profile's key is in the system keyring" in message
    # Nothing recorded, no lock, no escalation: the ticket is as it was.
    assert rows(people, "SELECT count(*) FROM verification_attempts") == [(0,)]
    assert rows(people, "SELECT tier, status FROM tickets WHERE id = 1") == [("L1", "in_progress")]
    assert not verification.verification_state(desk, 1).locked


def test_an_older_store_records_the_first_key_used(people: Store, clock: Clock) -> None:
    with people.write() as connection:
        connection.execute(sqlalchemy.text("DELETE FROM meta WHERE key = 'verifier_key_check'"))
    assert verification.verifier_key(desk_for(people, clock)) == KEY
    assert rows(people, "SELECT value FROM meta WHERE key = 'verifier_key_check'") == [
        (key_check(KEY),)
    ]
    _other_key(people)  # from now on, another key is told apart
    with pytest.raises(VerifierKeyMismatch):
        verification.verifier_key(desk_for(people, clock))


def test_a_read_only_desk_compares_but_records_nothing(people: Store, clock: Clock) -> None:
    with people.write() as connection:
        connection.execute(sqlalchemy.text("DELETE FROM meta WHERE key = 'verifier_key_check'"))
    assert verification.verifier_key(desk_for(people, clock, read_only=True)) == KEY
    assert rows(people, "SELECT count(*) FROM meta WHERE key = 'verifier_key_check'") == [(0,)]


def test_verifiers_are_not_mixed_from_two_keys(people: Store) -> None:
    with pytest.raises(VerifierKeyMismatch), people.write() as connection:
        set_verifiers(connection, b"o" * 32, 1, ANSWERS)
