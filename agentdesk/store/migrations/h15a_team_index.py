"""The migration "h15a_team_index" (plain SQL, forward only; never edited once released)."""

from __future__ import annotations

# Issue 15 (monitoring mode): the team dashboard counts the open tickets per agent and
# priority with their SLA clocks; this partial index holds exactly those columns of exactly
# those tickets, in group order, so the count reads no table row and sorts nothing.
V_H15A = """
CREATE INDEX ix_tickets_open_team ON tickets
    (assignee_id, priority, sla_due_at, sla_at_risk_at, sla_breached_at)
    WHERE status NOT IN ('resolved', 'closed');
"""
