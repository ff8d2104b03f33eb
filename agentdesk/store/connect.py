"""The one connection factory for agentdesk's SQLite file (issue 16): plain or SQLCipher.

Standard library and sqlcipher3 only, no SQLAlchemy: the peek at the queue before the store
is open (store/peek.py) and `agentdesk purge` use it as well as the engine.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

ENCRYPTED_CACHE_KIB = 65_536
"""An encrypted store's page cache per connection, filled as pages are read (SQLite's
default, 2 MiB, is what a plain store keeps; the OS file cache serves it the rest)."""


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
    target: Path | str, key: bytes | None, *, uri: bool = False, timeout: float = 5.0
) -> Any:
    """The one way agentdesk opens its SQLite file: stdlib sqlite3 for a plain store,
    sqlcipher3 for an encrypted one (the raw 256-bit key first, so no page is read without
    it; a raw key skips SQLCipher's passphrase derivation, which would cost every pooled
    connection a PBKDF2 run). The caller sets the usual pragmas after this."""
    if key is None:
        return sqlite3.connect(target, uri=uri, check_same_thread=False, timeout=timeout)
    connection = sqlcipher().connect(str(target), uri=uri, check_same_thread=False, timeout=timeout)
    # SQLCipher logs a failed page decryption to stderr: it would land on the TUI's screen.
    connection.execute("PRAGMA cipher_log_level = NONE")
    connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    # Each page read from the file is decrypted and its HMAC checked: a page cache that
    # holds the queue's working set keeps a keystroke from paying that again.
    connection.execute(f"PRAGMA cache_size = -{ENCRYPTED_CACHE_KIB}")
    return connection
