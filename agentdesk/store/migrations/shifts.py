"""The migration "shifts" (plain SQL, forward only; never edited once released)."""

from __future__ import annotations

# The shift (agentdesk/desk/shift.py): checklists, presence, acknowledgements, the end of
# shift's dispositions. Self-contained (new tables only), so it can be renumbered on merge.
V_SHIFTS = """
CREATE TABLE shifts (
    id INTEGER PRIMARY KEY,
    agent_handle TEXT NOT NULL,
    planned_start TEXT,
    planned_end TEXT,
    -- JSON: [[start, end], ...] of the planned breaks, stored stamps.
    planned_breaks TEXT NOT NULL DEFAULT '[]',
    started_at TEXT NOT NULL,
    ended_at TEXT,
    wrap_up TEXT NOT NULL DEFAULT '',
    remote_id TEXT
);
CREATE INDEX ix_shifts_agent ON shifts (agent_handle, started_at);

CREATE TABLE shift_items (
    shift_id INTEGER NOT NULL REFERENCES shifts(id),
    item_id TEXT NOT NULL,
    phase TEXT NOT NULL CHECK (phase IN ('start', 'end')),
    label TEXT NOT NULL,
    check_name TEXT NOT NULL DEFAULT '',
    required INTEGER NOT NULL DEFAULT 1,
    done_at TEXT,
    passed INTEGER,
    reason TEXT NOT NULL DEFAULT '',
    millis INTEGER,
    PRIMARY KEY (shift_id, item_id)
);

CREATE TABLE shift_presence (
    id INTEGER PRIMARY KEY,
    shift_id INTEGER NOT NULL REFERENCES shifts(id),
    state TEXT NOT NULL CHECK (state IN ('available', 'on_break', 'training', 'wrap_up')),
    started_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE INDEX ix_shift_presence_shift ON shift_presence (shift_id, started_at);

-- Announcements and handovers, each acknowledged once per agent.
CREATE TABLE shift_acks (
    agent_handle TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('announcement', 'handover')),
    ref TEXT NOT NULL,
    shift_id INTEGER NOT NULL REFERENCES shifts(id),
    acked_at TEXT NOT NULL,
    PRIMARY KEY (agent_handle, kind, ref)
);

-- What the end of shift decided for each ticket the agent held.
CREATE TABLE shift_tickets (
    shift_id INTEGER NOT NULL REFERENCES shifts(id),
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    disposition TEXT NOT NULL CHECK (disposition IN ('follow_up', 'handover', 'left_assigned')),
    due_at TEXT,
    to_agent TEXT NOT NULL DEFAULT '',
    to_queue TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL,
    PRIMARY KEY (shift_id, ticket_id)
);
"""
