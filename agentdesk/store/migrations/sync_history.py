"""The migration "sync_history" (plain SQL, forward only; never edited once released)."""

from __future__ import annotations

# The conversation pulled from the helpdesk (agentdesk/sync/rt/history.py). Self-contained (new
# tables only), like V_SYNC, so it can be renumbered on merge.
V_SYNC_HISTORY = """
-- Every remote transaction seen (RT: Create, Correspond, Comment) and the message it is here.
-- message_id NULL: seen and deliberately not a message (our own escalation note, a ticket
-- created without text, a record set aside in sync_rejects). Never imported twice.
CREATE TABLE sync_messages (
    backend TEXT NOT NULL,
    remote_ref TEXT NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    message_id INTEGER REFERENCES messages(id),
    PRIMARY KEY (backend, remote_ref)
);
CREATE INDEX ix_sync_messages_message ON sync_messages (message_id);

-- Per ticket: the newest transaction pulled, and the ticket's remote LastUpdated when its
-- history was last read (a ticket whose LastUpdated has not moved has nothing new).
CREATE TABLE sync_history (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
    backend TEXT NOT NULL,
    last_txn INTEGER NOT NULL DEFAULT 0,
    remote_updated_at TEXT
);
"""
