"""The fuzzy search's corpus: every ticket, newest first, and its scan's cache given back."""

from __future__ import annotations

import _sqlite3
import ctypes
from pathlib import Path

from agentdesk.demo import generate_demo
from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import open_store
from agentdesk.store.search_corpus import corpus_newest_first
from tests.conftest import FIXED_NOW

# The SQLite library Python's sqlite3 runs on (linked in or beside it): its heap in use.
_SQLITE = ctypes.CDLL(_sqlite3.__file__)
_SQLITE.sqlite3_memory_used.restype = ctypes.c_int64


def test_the_corpus_is_every_ticket_newest_first_and_its_scan_leaves_no_cache(
    tmp_path: Path,
) -> None:
    store = open_store(tmp_path / "agentdesk.db", load_sla_policy())
    try:
        generate_demo(store, tickets=3_000, seed=5, now=FIXED_NOW)
        with store.read() as connection:
            expected = [
                (ticket_id, f"#{ticket_id} {subject} {name}")
                for ticket_id, subject, name in connection.exec_driver_sql(
                    "SELECT t.id, t.subject, c.name FROM tickets t "
                    "JOIN customers c ON c.id = t.customer_id ORDER BY t.id DESC"
                )
            ]
            connection.exec_driver_sql("PRAGMA shrink_memory")
            before = _SQLITE.sqlite3_memory_used()
            rows = corpus_newest_first(connection)
            first = [next(rows) for _ in range(2_000)]
            during = _SQLITE.sqlite3_memory_used()  # the scan's pages, cached
            corpus = first + list(rows)
            after = _SQLITE.sqlite3_memory_used()
        assert corpus == expected and len(corpus) == 3_000
        assert during - before > 100_000  # the check sees a scan's cache
        assert after - before < (during - before) / 4
    finally:
        store.close()
