"""The one connection factory for agentdesk's SQLite file (issue 16): plain or SQLCipher.

Standard library and sqlcipher3 only, no SQLAlchemy: the peek at the queue before the store
is open (store/peek.py) and `agentdesk purge` use it as well as the engine.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

SQLITE_CACHE_KIB = 2_000
"""SQLite's default page cache per connection (what a plain store keeps: the OS file cache
serves it the rest); also an encrypted store's for a connection that reads once and closes:
the health check's pass over every page, the peek, purge, the key check."""

ENCRYPTED_CACHE_KIB = 16_384
"""The page cache of each pooled connection of an encrypted store's engine, filled as pages
are read: each page read from the file is decrypted and its HMAC checked, and the queue's
working set (~12 MiB at 50,000 tickets: the filter indexes and the first pages) fits."""


def sqlcipher() -> Any:
    from sqlcipher3 import dbapi2  # imported only for an encrypted store

    return dbapi2


def db_errors(key: bytes | None) -> tuple[type[Exception], ...]:
    """The DB-API errors an opener of this store may see (sqlcipher3 has its own classes,
    with the same sqlite_errorcode as sqlite3's, so the situations below read them alike)."""
    if key is None:
        return (sqlite3.Error,)
    return (sqlite3.Error, sqlcipher().Error)


def connect_file(
    target: Path | str,
    key: bytes | None,
    *,
    uri: bool = False,
    timeout: float = 5.0,
    cache_kib: int = SQLITE_CACHE_KIB,
) -> Any:
    """The one way agentdesk opens its SQLite file: stdlib sqlite3 for a plain store,
    sqlcipher3 for an encrypted one (the raw 256-bit key first, so no page is read without
    it; a raw key skips SQLCipher's passphrase derivation, which would cost every pooled
    connection a PBKDF2 run). The caller sets the usual pragmas after this.
    cache_kib: an encrypted store's page cache (the engine's pool asks for
    ENCRYPTED_CACHE_KIB); a plain store keeps SQLite's default."""
    if key is None:
        return sqlite3.connect(target, uri=uri, check_same_thread=False, timeout=timeout)
    connection = sqlcipher().connect(str(target), uri=uri, check_same_thread=False, timeout=timeout)
    # SQLCipher logs a failed page decryption to stderr: it would land on the TUI's screen.
    connection.execute("PRAGMA cipher_log_level = NONE")
    connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    # Read at once, so a wrong key fails here (the peek and purge count on it). A cache is
    # filled by what its connection reads and its memory is kept by the process once freed:
    # a one-pass read (the health check reads every page) keeps SQLite's default.
    connection.execute(f"PRAGMA cache_size = -{cache_kib}")
    return connection
