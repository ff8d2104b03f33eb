"""What one identity verification attempt does to its ticket, decided before the store writes.

The SOP: "a failure escalates to Level 2 and is logged". The failure that reaches the policy's
limit locks the interaction and escalates the ticket (an L1 ticket goes to L2) with an internal
note naming the step. This module plans it; the store writes the attempt and the escalation
change, through its one write path, in one transaction.

Apart from core/verification.py because the escalation is a TicketChange (core/changes.py,
which itself reads verification's status to refuse replies on a locked interaction).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from agentdesk.core.changes import NewMessage, TicketChange
from agentdesk.core.ticket import MessageKind, Tier
from agentdesk.core.verification import (
    Attempt,
    Outcome,
    VerificationPolicy,
    VerificationRefused,
    VerificationStatus,
    attempt_refusal,
    failure_note,
    verification_status,
)

ESCALATION_ACTION = "verification_failed"
ESCALATION_REASON = "identity verification failed"


@dataclass(frozen=True)
class AttemptPlan:
    status: VerificationStatus
    """Where verification stands once the attempt is kept."""
    escalation: TicketChange | None
    """The change written with the attempt (the lock's escalation), or None."""


def escalation_after_failure(
    tier: Tier,
    attempt: Attempt,
    status: VerificationStatus,
    *,
    author: str,
    agent_id: int | None,
) -> TicketChange | None:
    """The escalation a failed attempt that locks the interaction demands, or None.

    tier: the ticket's tier before the attempt. An L1 ticket goes to L2; one already at L2 or
    L3 keeps its tier and gets the note only. The change is required by the SOP: no note
    template or verification rule may refuse it.
    """
    if attempt.outcome is not Outcome.FAILED or not status.locked:
        return None
    note = NewMessage(
        MessageKind.INTERNAL_NOTE, failure_note(attempt, status.failures), author, agent_id
    )
    escalate = tier is Tier.L1
    return TicketChange(
        ESCALATION_ACTION,
        tier=Tier.L2 if escalate else None,
        reason=ESCALATION_REASON if escalate else "",
        message=note,
        required_by_sop=True,
    )


def plan_attempt(
    ticket_id: int,
    tier: Tier,
    attempts: Sequence[Attempt],
    attempt: Attempt,
    *,
    policy: VerificationPolicy,
    interaction_started_at: datetime | None,
    author: str,
    agent_id: int | None,
) -> AttemptPlan:
    """Plan keeping `attempt` on a ticket that has `attempts` (oldest first).

    Raises VerificationRefused when the interaction is already locked: no attempt until a
    Level 2 agent clears it.
    """

    def status_of(kept: Sequence[Attempt]) -> VerificationStatus:
        return verification_status(
            kept, now=attempt.at, policy=policy, interaction_started_at=interaction_started_at
        )

    refusal = attempt_refusal(ticket_id, status_of(attempts))
    if refusal:
        raise VerificationRefused(refusal)
    status = status_of((*attempts, attempt))
    escalation = escalation_after_failure(tier, attempt, status, author=author, agent_id=agent_id)
    return AttemptPlan(status, escalation)
