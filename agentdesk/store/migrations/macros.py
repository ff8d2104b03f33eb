"""The migration "macros" (plain SQL, forward only; never edited once released)."""

from __future__ import annotations

# Canned responses and macros: usage counts, the log of applied macros (for undo), and the
# free-form ticket labels macros set ("csat-sent"). The labels are not the note template's four
# tags (those live in ticket_tags).
V_MACROS = """
CREATE TABLE macro_usage (
    macro_id TEXT PRIMARY KEY,
    uses INTEGER NOT NULL DEFAULT 0,
    last_used_at TEXT NOT NULL
);

CREATE TABLE macro_applications (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    macro_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    version_before INTEGER NOT NULL,
    version_after INTEGER NOT NULL,
    -- JSON: the outbox ids, message and note ids and the before-values undo needs.
    undo TEXT NOT NULL,
    undone_at TEXT
);
CREATE INDEX ix_macro_applications_ticket ON macro_applications (ticket_id, id);

CREATE TABLE ticket_labels (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    label TEXT NOT NULL,
    PRIMARY KEY (ticket_id, label)
);
"""
