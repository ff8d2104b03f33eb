"""Recording an identity verification attempt: the core plans it (core/verification_plan.py),
this module writes the plan.

Apart from store/verification.py because a failed attempt can escalate the ticket through the
one write path (store/writes.py), which reads verification's rows for every ticket snapshot.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from agentdesk.core.ticket import Tier
from agentdesk.core.verification import Attempt, VerificationStatus
from agentdesk.core.verification_plan import plan_attempt
from agentdesk.store.engine import Store
from agentdesk.store.verification import insert_attempt, latest_reopen, ticket_attempts
from agentdesk.store.writes import TicketNotFound, write_change


def _tier(connection: Connection, ticket_id: int) -> Tier:
    value = connection.execute(
        text("SELECT tier FROM tickets WHERE id = :t"), {"t": ticket_id}
    ).scalar_one_or_none()
    if value is None:
        raise TicketNotFound(ticket_id)
    return Tier(value)


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
    in the same transaction: a crash cannot leave a locked ticket that was never escalated.

    Raises VerificationRefused when the interaction is locked.
    """
    with store.write() as connection:
        plan = plan_attempt(
            ticket_id,
            _tier(connection, ticket_id),
            ticket_attempts(connection, ticket_id),
            attempt,
            policy=store.verification,
            interaction_started_at=latest_reopen(connection, ticket_id),
            author=author,
            agent_id=agent_id,
        )
        insert_attempt(
            connection, ticket_id, attempt, customer_id=customer_id, agent_id=agent_id, actor=actor
        )
        if plan.escalation is not None:
            write_change(connection, store, ticket_id, plan.escalation, actor=actor, now=attempt.at)
    return plan.status
