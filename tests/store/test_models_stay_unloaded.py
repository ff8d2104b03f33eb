"""Issue 17 (memory): the app's store paths leave store.models (SQLModel, pydantic) unloaded.

The schema is built by SQL migrations; the models are its description for the schema test,
the demo and bulk imports. Loaded, they hold ~14 MiB of a settled app's resident memory.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from agentdesk.shipped import load_sla_policy
from agentdesk.store.bulk import TABLES, bulk_insert
from agentdesk.store.engine import open_store

MODELS = ("agentdesk.store.models", "sqlmodel", "pydantic")

# What the open app imports to show and change tickets: opening, queries, the write path,
# the local backend's outbox sweep, the breach recorder, auto-close and the queue's desk.
APP_PATH = """
import sys
import agentdesk.app, agentdesk.cli, agentdesk.session
import agentdesk.store.engine, agentdesk.store.queries, agentdesk.store.writes
import agentdesk.store.auto_close, agentdesk.sync.local, agentdesk.desk.queue
print(",".join(m for m in sys.argv[1:] if m in sys.modules))
"""


def _loaded(code: str, modules: tuple[str, ...]) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", code, *modules], capture_output=True, text=True, check=True
    )
    return [name for name in result.stdout.strip().split(",") if name]


def test_the_app_store_paths_do_not_load_the_models() -> None:
    assert _loaded(APP_PATH, MODELS) == []


def test_the_check_sees_the_models_once_a_bulk_insert_needs_them() -> None:
    code = "import sys\nfrom agentdesk.store.bulk import TABLES\nTABLES['tickets']\n"
    code += 'print(",".join(m for m in sys.argv[1:] if m in sys.modules))\n'
    assert _loaded(code, MODELS) == list(MODELS)


def test_bulk_insert_writes_through_the_tables_it_loads_on_first_use(tmp_path: Path) -> None:
    assert sorted(TABLES) == [
        "agents",
        "audit",
        "customers",
        "messages",
        "outbox",
        "sla_breaches",
        "tickets",
    ]
    assert len(TABLES) == 7 and TABLES["tickets"].name == "tickets"
    store = open_store(tmp_path / "bulk.db", load_sla_policy())
    try:
        rows = [
            {"account_id": f"A-{n}", "name": f"Customer {n}", "email": f"c{n}@example.com"}
            | {"region": "EMEA", "created_at": "2026-11-23T14:00:00.000000+00:00"}
            for n in range(3)
        ]
        with store.write() as connection:
            assert bulk_insert(connection, "customers", rows) == 3
            assert bulk_insert(connection, "customers", []) == 0
        with store.read() as connection:
            names = [r[0] for r in connection.exec_driver_sql("SELECT name FROM customers")]
        assert names == ["Customer 0", "Customer 1", "Customer 2"]
    finally:
        store.close()
