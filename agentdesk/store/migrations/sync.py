"""The migration "sync" (plain SQL, forward only; never edited once released)."""

from __future__ import annotations

# Sync with a remote helpdesk (agentdesk/sync). Self-contained: new tables only, so it can be
# renumbered on merge. tickets.remote_id (V1) holds the remote id; the rest lives here.
V_SYNC = """
CREATE TABLE sync_tickets (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
    backend TEXT NOT NULL,
    -- RT: the id of the ticket's newest transaction (what REST2 sends as ETag); NULL = unknown.
    etag TEXT,
    -- The server's LastUpdated of the version last applied here.
    remote_updated_at TEXT,
    -- The remote field values last seen, in agentdesk's words (JSON object).
    remote_values TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE sync_cursors (
    backend TEXT NOT NULL,
    scope TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (backend, scope)
);

-- Per outbox op: which steps reached the server, and which were started without an answer.
CREATE TABLE sync_ops (
    outbox_id INTEGER PRIMARY KEY REFERENCES outbox(id),
    progress TEXT NOT NULL DEFAULT '{}',
    parked_reason TEXT,
    parked_at TEXT,
    updated_at TEXT NOT NULL
);

-- Remote records (RT transactions, tickets) an op has claimed as its own: never claimed twice.
CREATE TABLE sync_claims (
    backend TEXT NOT NULL,
    remote_ref TEXT NOT NULL,
    outbox_id INTEGER NOT NULL REFERENCES outbox(id),
    PRIMARY KEY (backend, remote_ref)
);

CREATE TABLE sync_conflicts (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    outbox_id INTEGER REFERENCES outbox(id),
    field TEXT NOT NULL,
    base_value TEXT,
    local_value TEXT,
    remote_value TEXT,
    remote_actor TEXT NOT NULL DEFAULT '',
    remote_at TEXT,
    state TEXT NOT NULL DEFAULT 'open'
        CHECK (state IN ('open', 'kept_mine', 'took_theirs', 'edited')),
    resolved_value TEXT,
    resolved_by TEXT,
    created_at TEXT NOT NULL,
    resolved_at TEXT
);
CREATE INDEX ix_sync_conflicts_open ON sync_conflicts (state, ticket_id);

-- Records the server sent that failed validation: kept with the reason, never applied.
CREATE TABLE sync_rejects (
    id INTEGER PRIMARY KEY,
    backend TEXT NOT NULL,
    remote_id TEXT,
    reason TEXT NOT NULL,
    record TEXT NOT NULL,
    at TEXT NOT NULL
);

CREATE TABLE sync_status (
    backend TEXT PRIMARY KEY,
    paused_reason TEXT,
    offline_until TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    last_success_at TEXT
);
"""
