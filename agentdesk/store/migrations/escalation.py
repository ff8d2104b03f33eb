"""The migration "escalation" (plain SQL, forward only; never edited once released)."""

from __future__ import annotations

# Issue 14 (escalation matrix, SLA-at-risk path, alerts): why a ticket stays past its tier's
# time limit, the at-risk path's steps, the links between tickets, and what was announced.
V_ESCALATION = """
-- "Escalate or record why not": one row clears the tier limit's flag for that tier.
CREATE TABLE tier_limit_reasons (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    tier TEXT NOT NULL CHECK (tier IN ('L1', 'L2', 'L3')),
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX ix_tier_limit_reasons_ticket ON tier_limit_reasons (ticket_id, tier);

-- The SLA-at-risk emergency path: one row per clock that turned at risk, each step's time.
CREATE TABLE sla_risk_paths (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    clock TEXT NOT NULL,
    risk_began_at TEXT NOT NULL,
    started_at TEXT NOT NULL,
    started_by TEXT NOT NULL,
    notified_name TEXT NOT NULL DEFAULT '',
    notified_role TEXT NOT NULL DEFAULT '',
    notified_via TEXT NOT NULL DEFAULT '',
    notified_at TEXT,
    incident_ticket_id INTEGER REFERENCES tickets(id),
    incident_at TEXT,
    customer_informed_at TEXT,
    etr TEXT NOT NULL DEFAULT '',
    breach_noted_at TEXT,
    UNIQUE (ticket_id, clock, risk_began_at)
);


-- Alerts already shown: one per ticket (or handover) per state change, never twice.
CREATE TABLE alert_announcements (
    kind TEXT NOT NULL,
    ref TEXT NOT NULL,
    state TEXT NOT NULL,
    announced_at TEXT NOT NULL,
    PRIMARY KEY (kind, ref, state)
);
"""
