"""The migration "h15r2_kpi_indexes" (plain SQL, forward only; never edited once released)."""

from __future__ import annotations

# Issue 15 (the dashboard refresh): the KPI reads select tickets by their opening stamp
# (store/kpi_reads.py: the slices' fingerprints, their rows, the fingerprint's
# total(version)); this index holds what the fingerprints read, so they read no table row.
# The team board's current interactions are each agent's in-progress ticket touched last
# (store/supervision.CURRENT_SQL): a partial index of exactly those tickets, in group order.
V_H15R2 = """
CREATE INDEX ix_tickets_opened ON tickets (created_at, updated_at, version, id);
CREATE INDEX ix_tickets_in_progress ON tickets (assignee_id, updated_at, channel)
    WHERE status = 'in_progress';
"""
