"""The migration "shift_record" (plain SQL, forward only; never edited once released)."""

from __future__ import annotations

# Issue 13: the shift record reaches the helpdesk (its own outbox, since outbox rows belong to
# a ticket), teammates' shift records read back, and audit rows of a shift. SQLite cannot drop
# NOT NULL from audit.ticket_id: the table is rebuilt with every row kept, ids included.
V_SHIFT_RECORD = """
CREATE TABLE shift_outbox (
    id INTEGER PRIMARY KEY,
    shift_id INTEGER NOT NULL REFERENCES shifts(id),
    kind TEXT NOT NULL CHECK (kind IN ('open', 'comment', 'close')),
    body TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'parked')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    progress TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    done_at TEXT
);
CREATE INDEX ix_shift_outbox_pending ON shift_outbox (state, id);

-- Shift tickets of the helpdesk's shift queue, as pulled (a teammate's, or this agent's own).
CREATE TABLE team_shifts (
    remote_id TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    status TEXT NOT NULL,
    remote_updated_at TEXT NOT NULL,
    last_txn INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE team_shift_texts (
    remote_id TEXT NOT NULL REFERENCES team_shifts(remote_id),
    txn INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (remote_id, txn)
);

CREATE TABLE audit_rebuilt (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER REFERENCES tickets(id),
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    field TEXT NOT NULL DEFAULT '',
    old_value TEXT,
    new_value TEXT,
    at TEXT NOT NULL,
    shift_id INTEGER REFERENCES shifts(id),
    CHECK (ticket_id IS NOT NULL OR shift_id IS NOT NULL)
);
INSERT INTO audit_rebuilt (id, ticket_id, actor, action, field, old_value, new_value, at)
    SELECT id, ticket_id, actor, action, field, old_value, new_value, at FROM audit;
DROP TABLE audit;
ALTER TABLE audit_rebuilt RENAME TO audit;
CREATE INDEX ix_audit_ticket ON audit (ticket_id, at);
CREATE INDEX ix_audit_shift ON audit (shift_id, at);
"""
