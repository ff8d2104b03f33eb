"""Issue 17 (h17n): the queue's order index gains the priority band (core/sla.QUEUE_BANDS)
as its second column, so the queue is SLA risk within priority bands and still a walk of
one index (queue_sql.ORDER_KEY lists the same expressions, in the same order)."""

V_H17N = """
DROP INDEX ix_tickets_queue_order;
CREATE INDEX ix_tickets_queue_order ON tickets (
    (sla_due_at IS NULL),
    ((priority > 'P0') + (priority > 'P2')),
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
