"""An encrypted store's page caches (issue 17, memory): the engine's pooled connections keep
ENCRYPTED_CACHE_KIB, a connection that reads once and closes keeps SQLite's default (its
cache would be filled by the health check's pass over every page and its memory kept)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from agentdesk.store.connect import ENCRYPTED_CACHE_KIB, SQLITE_CACHE_KIB, connect_file
from agentdesk.store.engine import open_store

KEY = bytes(range(32))


def test_the_pool_keeps_the_bigger_cache_and_a_one_pass_connection_the_default(
    tmp_path: Path, policy
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "agentdesk.db"
    store = open_store(path, policy, key=KEY)
    try:
        with store.read() as connection:
            pooled = connection.execute(text("PRAGMA cache_size")).scalar_one()
    finally:
        store.close()
    one_pass = connect_file(path, KEY)
    try:
        default = one_pass.execute("PRAGMA cache_size").fetchone()[0]
    finally:
        one_pass.close()
    assert (pooled, default) == (-ENCRYPTED_CACHE_KIB, -SQLITE_CACHE_KIB)
    assert ENCRYPTED_CACHE_KIB > SQLITE_CACHE_KIB


def test_a_plain_store_keeps_sqlites_default(tmp_path: Path, policy) -> None:  # type: ignore[no-untyped-def]
    store = open_store(tmp_path / "agentdesk.db", policy)
    try:
        with store.read() as connection:
            assert connection.execute(text("PRAGMA cache_size")).scalar_one() == -SQLITE_CACHE_KIB
    finally:
        store.close()
