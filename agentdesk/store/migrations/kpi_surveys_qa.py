"""The migration "kpi_surveys_qa" (plain SQL, forward only; never edited once released)."""

from __future__ import annotations

# Issue 15 (h15b): survey answers (CSAT 1-5, NPS 0-10) recorded on a ticket, one per kind
# (a later answer replaces the earlier), and QA reviews of the monthly sample.
V_KPI_SURVEYS_QA = """
CREATE TABLE survey_answers (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    kind TEXT NOT NULL CHECK (kind IN ('csat', 'nps')),
    score INTEGER NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('phone', 'reply')),
    message_id INTEGER REFERENCES messages(id),
    recorded_by TEXT NOT NULL,
    at TEXT NOT NULL,
    UNIQUE (ticket_id, kind)
);
CREATE INDEX ix_survey_answers_at ON survey_answers (at);

CREATE TABLE qa_reviews (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    agent_handle TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    month TEXT NOT NULL,
    marks TEXT NOT NULL,
    score REAL NOT NULL,
    critical_failed INTEGER NOT NULL DEFAULT 0,
    comment TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL,
    UNIQUE (ticket_id, reviewer)
);
CREATE INDEX ix_qa_reviews_at ON qa_reviews (at);

"""
