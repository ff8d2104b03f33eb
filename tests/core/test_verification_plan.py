"""The SOP rules of verification that used to live in the store: who clears a lock, and the
escalation a locking failure demands (planned here, written by the store as planned)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agentdesk.core.changes import NewMessage, TicketChange, TicketSnapshot, plan_change
from agentdesk.core.ticket import MessageKind, Priority, Region, Status, Tier
from agentdesk.core.verification import (
    Attempt,
    Factor,
    Outcome,
    VerificationPolicy,
    VerificationRefused,
    VerificationStatus,
    attempt_refusal,
    clear_lock_refusal,
    failure_note,
    may_clear_lock,
)
from agentdesk.core.verification_plan import AttemptPlan, escalation_after_failure, plan_attempt
from agentdesk.shipped import load_sla_policy
from tests.conftest import FIXED_NOW

POLICY = VerificationPolicy()
LOCKED = VerificationStatus(None, 3, True, Factor.PIN)
OPEN = VerificationStatus(None, 1, False, Factor.PIN)


def _failed(minutes: int, step: Factor = Factor.PAYMENT_LAST4) -> Attempt:
    return Attempt(FIXED_NOW + timedelta(minutes=minutes), Outcome.FAILED, failed_step=step)


@pytest.mark.parametrize(
    ("tier", "may"), [(Tier.L1, False), (Tier.L2, True), (Tier.L3, True), (None, False)]
)
def test_only_level_2_or_3_may_clear_a_lock(tier: Tier | None, may: bool) -> None:
    assert may_clear_lock(tier) is may


def test_the_refusal_to_clear_names_why() -> None:
    assert clear_lock_refusal(7, Tier.L1, LOCKED) == (
        "#7: only a Level 2 or Level 3 agent can clear a verification lock"
    )
    assert clear_lock_refusal(7, None) == clear_lock_refusal(7, Tier.L1, LOCKED)
    assert clear_lock_refusal(7, Tier.L2, OPEN) == "#7: verification is not locked"
    assert clear_lock_refusal(7, Tier.L2, LOCKED) == ""
    assert clear_lock_refusal(7, Tier.L3) == ""  # the tier alone, before the ticket is read


def test_a_locked_interaction_takes_no_attempt() -> None:
    assert "a Level 2 agent must clear it first" in attempt_refusal(7, LOCKED)
    assert attempt_refusal(7, OPEN) == ""


def test_the_failure_that_locks_an_l1_ticket_escalates_it_to_l2_with_a_note() -> None:
    attempt = _failed(2, Factor.DATE_OF_BIRTH)
    status = VerificationStatus(None, 3, True, Factor.DATE_OF_BIRTH)
    change = escalation_after_failure(Tier.L1, attempt, status, author="Amara", agent_id=1)
    assert change == TicketChange(
        "verification_failed",
        tier=Tier.L2,
        reason="identity verification failed",
        message=NewMessage(MessageKind.INTERNAL_NOTE, failure_note(attempt, 3), "Amara", 1),
        required_by_sop=True,
    )


@pytest.mark.parametrize("tier", [Tier.L2, Tier.L3])
def test_a_ticket_above_level_1_keeps_its_tier_and_gets_the_note(tier: Tier) -> None:
    change = escalation_after_failure(tier, _failed(2), LOCKED, author="Li", agent_id=2)
    assert change is not None and change.tier is None and change.reason == ""
    assert change.message is not None and change.message.kind is MessageKind.INTERNAL_NOTE


def test_no_escalation_before_the_limit_or_after_a_pass() -> None:
    assert escalation_after_failure(Tier.L1, _failed(0), OPEN, author="A", agent_id=1) is None
    passed = Attempt(FIXED_NOW, Outcome.PASSED, (Factor.ACCOUNT_ID, Factor.PIN))
    assert escalation_after_failure(Tier.L1, passed, LOCKED, author="A", agent_id=1) is None


def test_the_plan_counts_the_attempt_and_escalates_at_the_limit() -> None:
    def plan(attempts: list[Attempt], attempt: Attempt) -> AttemptPlan:
        return plan_attempt(
            7,
            Tier.L1,
            attempts,
            attempt,
            policy=POLICY,
            interaction_started_at=None,
            author="Amara",
            agent_id=1,
        )

    second = plan([_failed(0)], _failed(1))
    assert second.status.failures == 2 and second.escalation is None
    third = plan([_failed(0), _failed(1)], _failed(2))
    assert third.status.locked
    assert third.escalation is not None and third.escalation.tier is Tier.L2
    with pytest.raises(VerificationRefused, match="locked after failed attempts"):
        plan([_failed(0), _failed(1), _failed(2)], _failed(3))


def test_failures_before_a_reopen_do_not_count_towards_the_lock() -> None:
    plan = plan_attempt(
        7,
        Tier.L1,
        [_failed(0), _failed(1), _failed(2)],
        _failed(10),
        policy=POLICY,
        interaction_started_at=FIXED_NOW + timedelta(minutes=5),
        author="Amara",
        agent_id=1,
    )
    assert (plan.status.failures, plan.status.locked, plan.escalation) == (1, False, None)


def test_the_escalation_is_not_refused_for_a_missing_note_or_verification() -> None:
    """The SOP demands it: plan_change lets it through on a ticket with no note at all."""
    ticket = TicketSnapshot(
        id=7,
        subject="Cannot log in",
        priority=Priority.P2,
        status=Status.IN_PROGRESS,
        region=Region.EMEA,
        tier=Tier.L1,
        assignee_id=1,
        created_at=FIXED_NOW - timedelta(hours=1),
        verification_attempts=(_failed(0), _failed(1), _failed(2)),
    )
    change = escalation_after_failure(Tier.L1, _failed(2), LOCKED, author="Amara", agent_id=1)
    assert change is not None
    plan = plan_change(ticket, change, now=FIXED_NOW, policy=load_sla_policy())
    assert plan.updates["tier"] is Tier.L2
    assert ("verification_failed", "tier", "L1", "L2") in [
        (a.action, a.field, a.old_value, a.new_value) for a in plan.audit
    ]
