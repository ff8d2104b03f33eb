"""The migration "h17_queue_order" (plain SQL, forward only; never edited once released)."""

from __future__ import annotations

# Issue 17: the queue's order as an index: the expressions of queue_sql.ORDER_KEY, then the
# filter columns and sla_due_at, so it covers a page's inner select. A page is a walk of the
# index, not a sort of every ticket: keyset paging reaches the end of 50,000 tickets as fast
# as the start, and the first page of a filter stops after a page of matches.
V_H17 = """
CREATE INDEX ix_tickets_queue_order ON tickets (
    (sla_due_at IS NULL),
    coalesce(substr(sla_due_at, 1, 16), ''),
    priority,
    coalesce(sla_due_at, ''),
    id,
    status,
    assignee_id,
    channel,
    region,
    tier,
    sla_due_at
);
"""
