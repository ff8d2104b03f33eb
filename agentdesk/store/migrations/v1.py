"""The migration "v1" (plain SQL, forward only; never edited once released)."""

from __future__ import annotations

# Datetimes are stored as fixed-width ISO-8601 UTC text (see store.types.UTCDateTime),
# so text order is time order and indexes on them work for range queries.
V1 = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    region TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE agents (
    id INTEGER PRIMARY KEY,
    handle TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    tier TEXT NOT NULL CHECK (tier IN ('L1', 'L2', 'L3')),
    region TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    remote_id TEXT UNIQUE,
    subject TEXT NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    assignee_id INTEGER REFERENCES agents(id),
    priority TEXT NOT NULL CHECK (priority IN ('P0', 'P1', 'P2', 'P3', 'P4')),
    status TEXT NOT NULL CHECK (status IN
        ('new', 'assigned', 'in_progress', 'pending', 'resolved', 'closed')),
    channel TEXT NOT NULL,
    region TEXT NOT NULL,
    tier TEXT NOT NULL DEFAULT 'L1',
    product_area TEXT NOT NULL DEFAULT '',
    issue_type TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    first_response_at TEXT,
    last_update_at TEXT,
    resolved_at TEXT,
    closed_at TEXT,
    sla_pauses TEXT NOT NULL DEFAULT '[]',
    sla_clock TEXT,
    sla_due_at TEXT,
    sla_at_risk_at TEXT,
    sla_breached_at TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX ix_tickets_queue ON tickets (status, priority, sla_due_at);
CREATE INDEX ix_tickets_due ON tickets (sla_due_at);
CREATE INDEX ix_tickets_assignee ON tickets (assignee_id, status);
CREATE INDEX ix_tickets_customer ON tickets (customer_id);
CREATE INDEX ix_tickets_channel ON tickets (channel, status);
CREATE INDEX ix_tickets_region ON tickets (region, status);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    kind TEXT NOT NULL CHECK (kind IN ('customer', 'reply', 'internal_note')),
    author TEXT NOT NULL,
    agent_id INTEGER REFERENCES agents(id),
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX ix_messages_ticket ON messages (ticket_id, created_at);

CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    field TEXT NOT NULL DEFAULT '',
    old_value TEXT,
    new_value TEXT,
    at TEXT NOT NULL
);
CREATE INDEX ix_audit_ticket ON audit (ticket_id, at);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    op TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'parked')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    done_at TEXT
);
CREATE INDEX ix_outbox_pending ON outbox (state, id);

CREATE TABLE sla_breaches (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    clock TEXT NOT NULL,
    due_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (ticket_id, clock, due_at)
);
"""
