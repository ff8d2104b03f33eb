"""The narrow writer of monitoring mode and of the CLI's sign-in (issue 16 on issue 15).

A supervisor's desk is read-only (mode=ro + query_only), yet signing in is a write: the
second factor's replay and lockout state (totp_state) and the security trail
(security_audit). This Store is opened on the profile's OWN file and SQLite's authorizer
refuses, on every connection, any statement that would change anything else: an INSERT,
UPDATE or DELETE of another table, and any schema change. So the read-only proof of
issue 15 holds for every ticket write even with this writer open beside it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import event

from agentdesk.core.sla import SlaPolicy
from agentdesk.store.engine import Store, open_store

WRITABLE_TABLES = frozenset({"totp_state", "security_audit"})
"""The only tables this writer may change."""

_ROW_WRITES = {sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE}
_SCHEMA_CHANGES = {
    sqlite3.SQLITE_CREATE_INDEX,
    sqlite3.SQLITE_CREATE_TABLE,
    sqlite3.SQLITE_CREATE_TEMP_INDEX,
    sqlite3.SQLITE_CREATE_TEMP_TABLE,
    sqlite3.SQLITE_CREATE_TEMP_TRIGGER,
    sqlite3.SQLITE_CREATE_TEMP_VIEW,
    sqlite3.SQLITE_CREATE_TRIGGER,
    sqlite3.SQLITE_CREATE_VIEW,
    sqlite3.SQLITE_DROP_INDEX,
    sqlite3.SQLITE_DROP_TABLE,
    sqlite3.SQLITE_DROP_TEMP_INDEX,
    sqlite3.SQLITE_DROP_TEMP_TABLE,
    sqlite3.SQLITE_DROP_TEMP_TRIGGER,
    sqlite3.SQLITE_DROP_TEMP_VIEW,
    sqlite3.SQLITE_DROP_TRIGGER,
    sqlite3.SQLITE_DROP_VIEW,
    sqlite3.SQLITE_ALTER_TABLE,
    sqlite3.SQLITE_ATTACH,
    sqlite3.SQLITE_DETACH,
}


def _authorize(
    action: int, table: str | None, _arg2: str | None, _db: str | None, _trigger: str | None
) -> int:
    if action in _ROW_WRITES:
        return sqlite3.SQLITE_OK if table in WRITABLE_TABLES else sqlite3.SQLITE_DENY
    if action in _SCHEMA_CHANGES:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA and _arg2 is not None:
        return sqlite3.SQLITE_DENY  # a pragma set (journal mode, query_only off, ...)
    return sqlite3.SQLITE_OK


def open_security_store(path: Path, policy: SlaPolicy, *, key: bytes | None = None) -> Store:
    """The profile's own store (created and migrated first if it must be, as the profile's
    pull cache is), then every connection limited to the two security tables."""
    store = open_store(path, policy, quick_check=False, key=key)
    store.engine.dispose()  # the migration's pooled connections had no authorizer

    @event.listens_for(store.engine, "connect")
    def _limit(dbapi_connection: Any, _record: Any) -> None:
        # After the engine's own pragmas (its listener was registered first).
        dbapi_connection.set_authorizer(_authorize)

    return store
