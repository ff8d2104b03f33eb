"""The migration "verification" (plain SQL, forward only; never edited once released)."""

from __future__ import annotations

# Identity verification: keyed hashes of each customer's verifiers (never the values) and
# every attempt, passed or failed, with the factors used and the step that failed.
V_VERIFICATION = """
CREATE TABLE customer_verifiers (
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    factor TEXT NOT NULL CHECK (factor IN ('payment_last4', 'date_of_birth', 'pin')),
    salt BLOB NOT NULL,
    digest TEXT NOT NULL,
    PRIMARY KEY (customer_id, factor)
);

CREATE TABLE verification_attempts (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    customer_id INTEGER REFERENCES customers(id),
    agent_id INTEGER REFERENCES agents(id),
    actor TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('passed', 'failed', 'cleared')),
    factors TEXT NOT NULL DEFAULT '',
    failed_step TEXT,
    at TEXT NOT NULL
);
CREATE INDEX ix_verification_attempts_ticket ON verification_attempts (ticket_id, at);
"""
