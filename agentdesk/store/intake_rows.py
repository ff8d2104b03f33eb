"""Plain rows of intake's reads (the customer pane's tickets), for the UI to import."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agentdesk.core.ticket import Channel, Priority, Status


@dataclass(frozen=True)
class CustomerTicketRow:
    """One of the customer's tickets, as the ticket view's customer pane lists it."""

    id: int
    subject: str
    status: Status
    priority: Priority
    channel: Channel
    updated_at: datetime


@dataclass(frozen=True)
class CustomerOf:
    customer_id: int
    name: str  # masked
    email: str  # masked
    tickets: tuple[CustomerTicketRow, ...]
