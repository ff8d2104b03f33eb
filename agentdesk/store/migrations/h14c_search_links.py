"""The migration "h14c_search_links" (plain SQL, forward only; never edited once released)."""

from __future__ import annotations

# Issue 14 (h14c): full-text search over the conversation and links between tickets.
# Self-contained (new objects only), so it can be renumbered on merge.
V_H14C = """
-- What full-text search reads: every message (customer words, replies, internal notes: a
-- structured note is written as its rendered internal_note message) and every subject. The
-- doc_id holds the ticket: ticket id * 2^32 + message id * 2 for a message, + 1 for the
-- subject, so a match names its ticket without a lookup, and rowid order is newest ticket
-- first (store/text_search.py).
CREATE VIEW search_documents (doc_id, ticket_id, body) AS
    SELECT ticket_id * 4294967296 + id * 2, ticket_id, body FROM messages
    UNION ALL
    SELECT id * 4294967296 + 1, id, subject FROM tickets;

-- External content: the index holds only the tokens, the text stays in messages/tickets.
-- prefix 3: a word being typed ("cha" of "charged") is one doclist, not a merge of every
-- word it starts (30-60 ms at 260,000 messages without it; bench/bench_search.py).
CREATE VIRTUAL TABLE ticket_search USING fts5(
    body,
    content = 'search_documents',
    content_rowid = 'doc_id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '3'
);

-- Kept in step by triggers, so every writer (the write path, new tickets, pulls, macro undo,
-- the demo writer) keeps it without knowing it exists.
CREATE TRIGGER ticket_search_message_added AFTER INSERT ON messages BEGIN
    INSERT INTO ticket_search (rowid, body)
        VALUES (new.ticket_id * 4294967296 + new.id * 2, new.body);
END;
CREATE TRIGGER ticket_search_message_removed AFTER DELETE ON messages BEGIN
    INSERT INTO ticket_search (ticket_search, rowid, body)
        VALUES ('delete', old.ticket_id * 4294967296 + old.id * 2, old.body);
END;
CREATE TRIGGER ticket_search_message_changed AFTER UPDATE OF body, ticket_id ON messages BEGIN
    INSERT INTO ticket_search (ticket_search, rowid, body)
        VALUES ('delete', old.ticket_id * 4294967296 + old.id * 2, old.body);
    INSERT INTO ticket_search (rowid, body)
        VALUES (new.ticket_id * 4294967296 + new.id * 2, new.body);
END;
CREATE TRIGGER ticket_search_ticket_added AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_search (rowid, body) VALUES (new.id * 4294967296 + 1, new.subject);
END;
CREATE TRIGGER ticket_search_ticket_removed AFTER DELETE ON tickets BEGIN
    INSERT INTO ticket_search (ticket_search, rowid, body)
        VALUES ('delete', old.id * 4294967296 + 1, old.subject);
END;
CREATE TRIGGER ticket_search_subject_changed AFTER UPDATE OF subject ON tickets BEGIN
    INSERT INTO ticket_search (ticket_search, rowid, body)
        VALUES ('delete', old.id * 4294967296 + 1, old.subject);
    INSERT INTO ticket_search (rowid, body) VALUES (new.id * 4294967296 + 1, new.subject);
END;

-- The back-fill of a file made before this version.
INSERT INTO ticket_search (ticket_search) VALUES ('rebuild');

-- Links between tickets (RT: RefersTo, DependsOn, MemberOf). The same table as the
-- follow-up (refers_to) and the incident (parent_incident) of the other parts of issue 14.
CREATE TABLE ticket_links (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    other_ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    kind TEXT NOT NULL CHECK (kind IN ('refers_to', 'depends_on', 'parent_incident')),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (ticket_id, other_ticket_id, kind)
);
CREATE INDEX ix_ticket_links_other ON ticket_links (other_ticket_id);

-- A duplicate merged into another ticket (RT's merge): closed here, its conversation shown
-- on the ticket it was merged into.
CREATE TABLE ticket_merges (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
    into_ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    merged_at TEXT NOT NULL,
    merged_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ix_ticket_merges_into ON ticket_merges (into_ticket_id);
"""
