"""The three-step confirmation: restate the issue, propose a solution with an ETR, get the
customer's explicit agreement. Recording it is the agent's; reading it is the ticket's."""

from __future__ import annotations

from collections.abc import Sequence

from agentdesk.core.confirmation import DeclinedProposal, render_entry
from agentdesk.core.quality import Confirmation
from agentdesk.desk.base import Desk


def record_confirmation(
    desk: Desk,
    ticket_id: int,
    confirmation: Confirmation,
    declined: Sequence[DeclinedProposal | str] = (),
) -> None:
    """Keep the confirmation, by the desk's agent, with its entry in the conversation (an
    internal note that sync sends as a comment) and its audit row, in one transaction.

    declined: the proposals the customer turned down first, in order, each with its text.
    """
    from agentdesk.store.notes import record_confirmation as store_confirmation

    actor = desk.actor
    with desk.writing("record the three-step confirmation"):
        store_confirmation(
            desk.store,
            ticket_id,
            confirmation,
            agent=actor.handle,
            entry=render_entry(confirmation, declined),
            author=actor.name,
            agent_id=actor.agent_id,
        )
