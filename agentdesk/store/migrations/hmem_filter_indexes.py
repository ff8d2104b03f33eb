"""The migration "hmem_filter_indexes" (plain SQL, forward only; never edited once released)."""

from __future__ import annotations

# Issue 17 (filter p95): a filter change counts its matches and, for a few, sorts them. Each
# old index held one filter column and the status, so a filter on two (the agent's tier and
# the closed tickets, a region and the unassigned) read up to 25,000 ticket rows of 50,000:
# 20-40 ms of CPU a count. These two hold every column a filter can name, and the sort key,
# so a count or a few matches' page reads no ticket row (store/queue_sql.filter_index picks
# one): by status (every filter but "any status" names some), then the tier (My tier), or by
# assignee (Mine, Unassigned: ix_tickets_assignee widened, its two columns still first).
V_HMEM_FILTER = """
CREATE INDEX ix_tickets_filter ON tickets (
    status, tier, assignee_id, priority, channel, region, sla_due_at
);
DROP INDEX ix_tickets_assignee;
CREATE INDEX ix_tickets_assignee ON tickets (
    assignee_id, status, tier, priority, channel, region, sla_due_at
);
"""
