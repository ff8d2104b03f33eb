"""Opening the store: engine factory, pragmas, health check, migrations.

Nothing here runs at import time; open_store() does the work and is called from a worker.
The parts live apart (engine_factory, store_errors, health_check, migrate, opening); this
module names them all, as every caller imports them from here.
"""

from __future__ import annotations

from agentdesk.store.engine_factory import (
    BUSY_TIMEOUT_MS,
    INTERACTIVE_BUSY_TIMEOUT_MS,
    Store,
    make_engine,
)
from agentdesk.store.health_check import check_store
from agentdesk.store.migrate import migrate
from agentdesk.store.opening import open_store, open_store_read_only
from agentdesk.store.store_errors import (
    NotAgentdeskStore,
    StoreBusy,
    StoreError,
    StoreKeyWrong,
    StoreNotWritable,
    StoreTooNew,
    StoreUnusable,
)

__all__ = [
    "BUSY_TIMEOUT_MS",
    "INTERACTIVE_BUSY_TIMEOUT_MS",
    "NotAgentdeskStore",
    "Store",
    "StoreBusy",
    "StoreError",
    "StoreKeyWrong",
    "StoreNotWritable",
    "StoreTooNew",
    "StoreUnusable",
    "check_store",
    "make_engine",
    "migrate",
    "open_store",
    "open_store_read_only",
]
