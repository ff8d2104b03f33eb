"""The migration "h14a" (plain SQL, forward only; never edited once released)."""

from __future__ import annotations

V_H14A = """
-- Issue 14 (intake): how long each intake took (form open -> ticket created), for the KPIs;
-- a phone interaction's handle time counts from opened_at.
CREATE TABLE intakes (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
    opened_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    seconds INTEGER NOT NULL,
    channel TEXT NOT NULL,
    actor TEXT NOT NULL
);

"""
