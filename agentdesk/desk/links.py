"""Links between tickets and merging a duplicate (issue 14): the ticket screen's `k` and `M`.

Both are written locally at once (offline too) and reach the helpdesk through the outbox.
"""

from __future__ import annotations

from agentdesk.core.errors import BadInput
from agentdesk.core.links import LinkKind
from agentdesk.desk.base import Desk


def ticket_number(typed: str) -> int:
    """The other ticket as the agent typed it: "#123" or "123"."""
    value = typed.strip().removeprefix("#").strip()
    if not value.isdigit() or int(value) == 0:
        raise BadInput(f"the other ticket: {typed.strip()!r} is not a ticket number like #123")
    return int(value)


def link_tickets(desk: Desk, ticket_id: int, other_id: int, kind: LinkKind) -> int:
    """Link the ticket to another one (refers to, depends on, member of the parent incident);
    returns the outbox op's id."""
    from agentdesk.store.links import add_link

    with desk.writing("link the ticket"):
        return add_link(
            desk.store, ticket_id, other_id, kind, actor=desk.actor.handle, now=desk.now()
        )


def merge_into(desk: Desk, duplicate_id: int, into_id: int) -> int:
    """Close the duplicate as merged into the other ticket (which then shows its
    conversation); returns the outbox op's id."""
    from agentdesk.store.links import merge_ticket

    with desk.writing("merge the ticket"):
        return merge_ticket(
            desk.store, duplicate_id, into_id, actor=desk.actor.handle, now=desk.now()
        )
