"""Names, not places: which migrations a store has, read from its meta table.

A store records "migration:<name>" in meta for each migration applied; a store of the
positional runner (before names) had its first N, N being PRAGMA user_version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Migration:
    """One migration: a stable name (recorded in meta when applied) and its plain SQL.
    The name, not the position, says whether a store has it: a store made by a build that
    ordered the migrations differently is brought forward by what it lacks."""

    name: str
    sql: str


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


def plan(version: int, recorded: Sequence[str], migrations: Sequence[Migration]) -> Plan:
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


def read_plan(connection: Any, migrations: Sequence[Migration]) -> Plan:
    """The plan for an open DB-API connection (sqlite3, SQLCipher, or SQLAlchemy's
    driver connection): reads only."""
    version = int(connection.execute("PRAGMA user_version").fetchone()[0])
    recorded: list[str] = []
    if connection.execute(HAS_META_SQL).fetchone()[0]:
        rows = connection.execute(RECORDED_SQL, {"prefix": APPLIED_PREFIX}).fetchall()
        recorded = [row[0] for row in rows]
    return plan(version, recorded, migrations)
