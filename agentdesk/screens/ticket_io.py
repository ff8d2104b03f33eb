"""What the queue screen still imports to open a ticket: the read now lives in
agentdesk/desk/ticket_work.py. This file goes once screens/queue.py reads through the desk."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentdesk.desk.ticket_work import OpenedTicket

if TYPE_CHECKING:
    from agentdesk.session import Session

__all__ = ["OpenedTicket", "read_ticket"]


def read_ticket(session: Session, ticket_id: int) -> OpenedTicket | None:
    """desk.ticket_work.read_ticket for a session (blocking: call it in a worker)."""
    from datetime import UTC, datetime

    from agentdesk.desk import Desk
    from agentdesk.desk.ticket_work import read_ticket as read

    # A read only: the clock is not consulted.
    return read(Desk(session, lambda: datetime.now(UTC)), ticket_id)
