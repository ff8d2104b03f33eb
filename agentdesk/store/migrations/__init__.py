"""Schema versions. Each migration is plain SQL applied once, forward only, in its own module;
this is their order.

Migrations are SQL, not metadata.create_all(), so that version 1 stays version 1 when the
models grow: a database made by the first release migrates to every later one. store.models
is the schema they build; tests/store/test_schema.py fails on any difference between the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentdesk.store.migrations.escalation import V_ESCALATION
from agentdesk.store.migrations.h14a import V_H14A
from agentdesk.store.migrations.h14c_search_links import V_H14C
from agentdesk.store.migrations.h15a_team_index import V_H15A
from agentdesk.store.migrations.h15r2_kpi_indexes import V_H15R2
from agentdesk.store.migrations.h17_queue_order import V_H17
from agentdesk.store.migrations.h17n_queue_bands import V_H17N
from agentdesk.store.migrations.hmem_filter_indexes import V_HMEM_FILTER
from agentdesk.store.migrations.kpi_surveys_qa import V_KPI_SURVEYS_QA
from agentdesk.store.migrations.macros import V_MACROS
from agentdesk.store.migrations.names import APPLIED_PREFIX, POSITIONAL_NAMES, Migration, Plan, plan
from agentdesk.store.migrations.names import read_plan as read_plan_of
from agentdesk.store.migrations.security import V_SECURITY
from agentdesk.store.migrations.shift_record import V_SHIFT_RECORD
from agentdesk.store.migrations.shifts import V_SHIFTS
from agentdesk.store.migrations.sync import V_SYNC
from agentdesk.store.migrations.sync_history import V_SYNC_HISTORY
from agentdesk.store.migrations.v1 import V1
from agentdesk.store.migrations.verification import V_VERIFICATION
from agentdesk.store.migrations.workspace import V_WORKSPACE

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
    Migration("h17n_queue_bands", V_H17N),
    Migration("h15r2_kpi_indexes", V_H15R2),
    Migration("hmem_filter_indexes", V_HMEM_FILTER),
)
# A new migration: its SQL in a new module (store/migration_<name>.py or a module here),
# imported above, and ONE line appended to MIGRATIONS: Migration("<name>", V_<NAME>).
SCHEMA_VERSION = len(MIGRATIONS)
"""PRAGMA user_version of a current store: the count of migrations applied. Kept so that a
positional runner (an older agentdesk) still sees a store it does not know as too new."""
# Written into meta so a foreign SQLite file (another program's database) is told apart.
APPLICATION_ID = 0x41474453  # "AGDS"


def read_plan(connection: Any, migrations: Sequence[Migration] = MIGRATIONS) -> Plan:
    """The plan for an open DB-API connection (sqlite3, SQLCipher, or SQLAlchemy's driver
    connection): reads only."""
    return read_plan_of(connection, migrations)


__all__ = [
    "APPLICATION_ID",
    "APPLIED_PREFIX",
    "MIGRATIONS",
    "POSITIONAL_NAMES",
    "SCHEMA_VERSION",
    "Migration",
    "Plan",
    "plan",
    "read_plan",
]
