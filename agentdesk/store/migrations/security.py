"""The migration "security" (plain SQL, forward only; never edited once released)."""

from __future__ import annotations

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
