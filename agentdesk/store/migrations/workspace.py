"""The migration "workspace" (plain SQL, forward only; never edited once released)."""

from __future__ import annotations

# The ticket workspace: drafts, structured notes and tags, attachments, the three-step
# confirmation, escalation handoffs, and what the quality check and Pending need on tickets.
V_WORKSPACE = """
ALTER TABLE tickets ADD COLUMN pending_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN quality_flag TEXT;
-- The payment method's kind only ("Visa card"): its last 4 are a verifier, kept as a
-- keyed hash in customer_verifiers, never in the clear.
ALTER TABLE customers ADD COLUMN payment_method TEXT NOT NULL DEFAULT '';

CREATE TABLE drafts (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    slot TEXT NOT NULL CHECK (slot IN ('composer', 'note')),
    mode TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (ticket_id, slot)
);

CREATE TABLE ticket_notes (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    message_id INTEGER REFERENCES messages(id),
    issue_summary TEXT NOT NULL,
    steps_taken TEXT NOT NULL,
    root_cause TEXT NOT NULL,
    next_steps TEXT NOT NULL,
    sla_deadline TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX ix_ticket_notes_ticket ON ticket_notes (ticket_id, created_at);

CREATE TABLE ticket_tags (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    name TEXT NOT NULL CHECK (name IN ('product_area', 'issue_type', 'priority', 'channel')),
    value TEXT NOT NULL,
    PRIMARY KEY (ticket_id, name)
);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    filename TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    size INTEGER NOT NULL CHECK (size <= 10485760),
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    added_by TEXT NOT NULL,
    added_at TEXT NOT NULL
);
CREATE INDEX ix_attachments_ticket ON attachments (ticket_id, added_at);

CREATE TABLE confirmations (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    restated_issue TEXT NOT NULL,
    proposed_solution TEXT NOT NULL,
    etr TEXT NOT NULL,
    customer_agreed INTEGER NOT NULL,
    agent TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX ix_confirmations_ticket ON confirmations (ticket_id, recorded_at);

CREATE TABLE handoffs (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    from_tier TEXT NOT NULL,
    to_tier TEXT NOT NULL,
    reason TEXT NOT NULL,
    seconds_to_handoff INTEGER NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX ix_handoffs_ticket ON handoffs (ticket_id);
"""
