"""Schema versions. Each migration is plain SQL applied once, forward only.

Migrations are SQL, not metadata.create_all(), so that version 1 stays version 1 when the
models grow: a database made by the first release migrates to every later one. store.models
is the schema they build; tests/store/test_schema.py fails on any difference between the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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

# The ticket workspace: drafts, structured notes and tags, attachments, the three-step
# confirmation, escalation handoffs, and what the quality check and Pending need on tickets.
V_WORKSPACE = """
ALTER TABLE tickets ADD COLUMN pending_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN quality_flag TEXT;
-- The payment method's kind only ("Visa card"): its last 4 are a verifier, kept as a
-- keyed hash in customer_verifiers, never in the clear.
ALTER TABLE customers ADD COLUMN payment_method TEXT NOT NULL DEFAULT '';

CREATE TABLE drafts (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    slot TEXT NOT NULL CHECK (slot IN ('composer', 'note')),
    mode TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (ticket_id, slot)
);

CREATE TABLE ticket_notes (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    message_id INTEGER REFERENCES messages(id),
    issue_summary TEXT NOT NULL,
    steps_taken TEXT NOT NULL,
    root_cause TEXT NOT NULL,
    next_steps TEXT NOT NULL,
    sla_deadline TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX ix_ticket_notes_ticket ON ticket_notes (ticket_id, created_at);

CREATE TABLE ticket_tags (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    name TEXT NOT NULL CHECK (name IN ('product_area', 'issue_type', 'priority', 'channel')),
    value TEXT NOT NULL,
    PRIMARY KEY (ticket_id, name)
);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    filename TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    size INTEGER NOT NULL CHECK (size <= 10485760),
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    added_by TEXT NOT NULL,
    added_at TEXT NOT NULL
);
CREATE INDEX ix_attachments_ticket ON attachments (ticket_id, added_at);

CREATE TABLE confirmations (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    restated_issue TEXT NOT NULL,
    proposed_solution TEXT NOT NULL,
    etr TEXT NOT NULL,
    customer_agreed INTEGER NOT NULL,
    agent TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX ix_confirmations_ticket ON confirmations (ticket_id, recorded_at);

CREATE TABLE handoffs (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    from_tier TEXT NOT NULL,
    to_tier TEXT NOT NULL,
    reason TEXT NOT NULL,
    seconds_to_handoff INTEGER NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX ix_handoffs_ticket ON handoffs (ticket_id);
"""

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


# Issue 14 (escalation matrix, SLA-at-risk path, alerts): why a ticket stays past its tier's
# time limit, the at-risk path's steps, the links between tickets, and what was announced.
V_ESCALATION = """
-- "Escalate or record why not": one row clears the tier limit's flag for that tier.
CREATE TABLE tier_limit_reasons (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    tier TEXT NOT NULL CHECK (tier IN ('L1', 'L2', 'L3')),
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX ix_tier_limit_reasons_ticket ON tier_limit_reasons (ticket_id, tier);

-- The SLA-at-risk emergency path: one row per clock that turned at risk, each step's time.
CREATE TABLE sla_risk_paths (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    clock TEXT NOT NULL,
    risk_began_at TEXT NOT NULL,
    started_at TEXT NOT NULL,
    started_by TEXT NOT NULL,
    notified_name TEXT NOT NULL DEFAULT '',
    notified_role TEXT NOT NULL DEFAULT '',
    notified_via TEXT NOT NULL DEFAULT '',
    notified_at TEXT,
    incident_ticket_id INTEGER REFERENCES tickets(id),
    incident_at TEXT,
    customer_informed_at TEXT,
    etr TEXT NOT NULL DEFAULT '',
    breach_noted_at TEXT,
    UNIQUE (ticket_id, clock, risk_began_at)
);


-- Alerts already shown: one per ticket (or handover) per state change, never twice.
CREATE TABLE alert_announcements (
    kind TEXT NOT NULL,
    ref TEXT NOT NULL,
    state TEXT NOT NULL,
    announced_at TEXT NOT NULL,
    PRIMARY KEY (kind, ref, state)
);
"""


# Issue 15 (monitoring mode): the team dashboard counts the open tickets per agent and
# priority with their SLA clocks; this partial index holds exactly those columns of exactly
# those tickets, in group order, so the count reads no table row and sorts nothing.
V_H15A = """
CREATE INDEX ix_tickets_open_team ON tickets
    (assignee_id, priority, sla_due_at, sla_at_risk_at, sla_breached_at)
    WHERE status NOT IN ('resolved', 'closed');
"""


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


# Issue 16: the second factor's state (the secret itself is in the keyring) and the security
# audit trail (PCI DSS 10.2): sign-in, lock, record views, exports, credential changes.
# Both audit tables are append-only: a trigger refuses any UPDATE or DELETE of their rows.
V_SECURITY = """
CREATE TABLE totp_state (
    account TEXT PRIMARY KEY,
    last_step INTEGER,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    recovery_hashes TEXT NOT NULL DEFAULT '[]',
    enrolled_at TEXT NOT NULL
);

CREATE TABLE security_audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    event TEXT NOT NULL,
    success INTEGER NOT NULL,
    origin TEXT NOT NULL,
    resource TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ix_security_audit_at ON security_audit (at);

CREATE TRIGGER security_audit_no_update BEFORE UPDATE ON security_audit
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
CREATE TRIGGER security_audit_no_delete BEFORE DELETE ON security_audit
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
"""


# Issue 17: the queue's order as an index: the expressions of queue_sql.ORDER_KEY, then the
# filter columns and sla_due_at, so it covers a page's inner select. A page is a walk of the
# index, not a sort of every ticket: keyset paging reaches the end of 50,000 tickets as fast
# as the start, and the first page of a filter stops after a page of matches.
V_H17 = """
CREATE INDEX ix_tickets_queue_order ON tickets (
    (sla_due_at IS NULL),
    coalesce(substr(sla_due_at, 1, 16), ''),
    priority,
    coalesce(sla_due_at, ''),
    id,
    status,
    assignee_id,
    channel,
    region,
    tier,
    sla_due_at
);
"""


@dataclass(frozen=True)
class Migration:
    """One migration: a stable name (recorded in meta when applied) and its plain SQL.
    The name, not the position, says whether a store has it: a store made by a build that
    ordered the migrations differently is brought forward by what it lacks."""

    name: str
    sql: str


# The order a new store is built in. A name is never changed or reused once released.
MIGRATIONS: Sequence[Migration] = (
    Migration("v1", V1),
    Migration("workspace", V_WORKSPACE),
    Migration("verification", V_VERIFICATION),
    Migration("sync", V_SYNC),
    Migration("macros", V_MACROS),
    Migration("sync_history", V_SYNC_HISTORY),
    Migration("shifts", V_SHIFTS),
    Migration("shift_record", V_SHIFT_RECORD),
    Migration("h14c_search_links", V_H14C),
    Migration("h14a", V_H14A),
    Migration("escalation", V_ESCALATION),
    Migration("h15a_team_index", V_H15A),
    Migration("kpi_surveys_qa", V_KPI_SURVEYS_QA),
    Migration("security", V_SECURITY),
    Migration("h17_queue_order", V_H17),
)
SCHEMA_VERSION = len(MIGRATIONS)
"""PRAGMA user_version of a current store: the count of migrations applied. Kept so that a
positional runner (an older agentdesk) still sees a store it does not know as too new."""
# Written into meta so a foreign SQLite file (another program's database) is told apart.
APPLICATION_ID = 0x41474453  # "AGDS"

APPLIED_PREFIX = "migration:"
"""meta keys naming the applied migrations: "migration:<name>", valued by the order applied."""

# Until migrations had names, user_version N meant the first N of these: main's order at
# c4941ae, frozen here (a later migration is never positional).
POSITIONAL_NAMES: tuple[str, ...] = (
    "v1",
    "workspace",
    "verification",
    "sync",
    "macros",
    "sync_history",
    "shifts",
    "shift_record",
    "h14c_search_links",
    "h14a",
    "escalation",
    "h15a_team_index",
    "kpi_surveys_qa",
    "security",
    "h17_queue_order",
)


@dataclass(frozen=True)
class Plan:
    """What migrating a store means: what to record, what to run, and what it has that this
    agentdesk does not know (then nothing is done)."""

    version: int  # PRAGMA user_version as read
    applied: tuple[str, ...]
    record: tuple[str, ...]  # applied by the positional runner, not yet named in meta
    run: tuple[Migration, ...]
    unknown: tuple[str, ...]

    @property
    def current(self) -> bool:
        return not (self.record or self.run or self.unknown) and self.version == len(self.applied)


def plan(
    version: int, recorded: Sequence[str], migrations: Sequence[Migration] = MIGRATIONS
) -> Plan:
    """version: PRAGMA user_version; recorded: the names meta holds, in the order applied."""
    known = [m.name for m in migrations]
    record: tuple[str, ...] = ()
    if recorded:
        applied = tuple(recorded)
        unknown = [name for name in applied if name not in known]
        # A positional runner moved user_version past the names: migrations without a name.
        unknown += [f"unnamed migration {n}" for n in range(len(applied) + 1, version + 1)]
    else:
        applied = record = POSITIONAL_NAMES[: min(version, len(POSITIONAL_NAMES))]
        unknown = [f"schema version {version}"] if version > len(POSITIONAL_NAMES) else []
        unknown += [name for name in applied if name not in known]
    run = tuple(m for m in migrations if m.name not in applied)
    return Plan(version, applied, record, run if not unknown else (), tuple(unknown))


RECORDED_SQL = (
    "SELECT substr(key, length(:prefix) + 1) FROM meta WHERE substr(key, 1, length(:prefix)) "
    "= :prefix ORDER BY CAST(value AS INTEGER), key"
)
HAS_META_SQL = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'"


def read_plan(connection: Any, migrations: Sequence[Migration] = MIGRATIONS) -> Plan:
    """The plan for an open DB-API connection (sqlite3, SQLCipher, or SQLAlchemy's
    driver connection): reads only."""
    version = int(connection.execute("PRAGMA user_version").fetchone()[0])
    recorded: list[str] = []
    if connection.execute(HAS_META_SQL).fetchone()[0]:
        rows = connection.execute(RECORDED_SQL, {"prefix": APPLIED_PREFIX}).fetchall()
        recorded = [row[0] for row in rows]
    return plan(version, recorded, migrations)
