"""The queue's order by SLA risk within the SOP's priority bands (the rule; store/queue_sql
holds the same key in SQL)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from agentdesk.core.business_hours import require_aware
from agentdesk.core.ticket import Priority

# The queue's order: SLA risk within priority bands, P0 to P4. The bands are the SOP's own:
# the incident (P0, answered in 15 min), the priority tickets (P1-P2, acknowledged within
# 1 h) and the others (P3-P4, answered within 24 business hours). Within a band the clock
# due first leads, so a breached ticket (due in the past) comes first, most overdue first;
# a ticket of a higher band always comes before one of a lower band, so a P3 breached days
# ago never hides a fresh P0 or P1. Paused clocks (Pending: no due time) come last, by band.
# The order never depends on the moment it is read (a page read later joins up with the
# first), which is why it is by due time and not by the share of the window used: that
# share grows at a different rate for each priority, and the rows would cross as time passes.
# store/queue_sql.ORDER_KEY is this key in SQL, in the index ix_tickets_queue_order.

QUEUE_BANDS: Mapping[Priority, int] = {
    Priority.P0: 0,
    Priority.P1: 1,
    Priority.P2: 1,
    Priority.P3: 2,
    Priority.P4: 2,
}


QueueOrderKey = tuple[bool, int, datetime, str, datetime, int]


def queue_order_key(priority: Priority, due_at: datetime | None, ticket_id: int) -> QueueOrderKey:
    """A ticket's place in the queue: paused last, then its band, then its due minute (the
    higher priority first within the same minute), then its exact due time, then its id."""
    never = datetime.min.replace(tzinfo=UTC)
    if due_at is None:
        return (True, QUEUE_BANDS[priority], never, priority.value, never, ticket_id)
    require_aware(due_at, "due_at")
    due = due_at.astimezone(UTC)
    return (
        False,
        QUEUE_BANDS[priority],
        due.replace(second=0, microsecond=0),
        priority.value,
        due,
        ticket_id,
    )
