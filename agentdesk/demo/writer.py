"""The demo's SQL writer: rows as plain tuples, columns from the models in store/models.py.

Each row is a tuple in its model's column order (store.models is the schema). The values are
already the stored text, so the tuples go straight to the driver: SQLAlchemy's per-value type
processing (store.writes.bulk_insert) would only add time to a 50,000-ticket run.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Type-only: importing agentdesk.demo must not load SQLAlchemy (see demo/__init__.py).
    from sqlalchemy import Connection

Row = tuple[Any, ...]

# Rows per INSERT statement: multi-row VALUES saves ~20% of SQLite's per-row cost here, and
# staying under 999 variables keeps old SQLite builds (before 3.32) happy.
_MAX_VARIABLES = 999


@functools.cache
def columns(table: str) -> tuple[str, ...]:
    """The table's columns, in the order its model in store.models declares them."""
    # Here, not at the top: store.models imports SQLModel and SQLAlchemy.
    from agentdesk.store.models import SQLModel

    return tuple(column.name for column in SQLModel.metadata.tables[table].columns)


def insert_rows(connection: Connection, table: str, rows: list[Row]) -> None:
    """Every row of `rows` into `table`, a few hundred rows per statement."""
    if not rows:
        return
    names = columns(table)
    if len(rows[0]) != len(names):
        raise ValueError(f"a {table} row has {len(rows[0])} values for {len(names)} columns")
    one = "(" + ", ".join("?" * len(names)) + ")"
    head = f"INSERT INTO {table} ({', '.join(names)}) VALUES "
    per = max(1, _MAX_VARIABLES // len(names))
    whole = len(rows) - len(rows) % per
    if whole:
        flat = [value for row in rows[:whole] for value in row]
        step = per * len(names)
        connection.exec_driver_sql(
            head + ", ".join([one] * per),
            [tuple(flat[i : i + step]) for i in range(0, len(flat), step)],
        )
    if whole < len(rows):
        connection.exec_driver_sql(head + one, rows[whole:])


@dataclass
class DemoRows:
    """The rows of the tickets told since the last flush, with the ids handed out so far."""

    tickets: list[Row] = field(default_factory=list)
    messages: list[Row] = field(default_factory=list)
    audit: list[Row] = field(default_factory=list)
    breaches: list[Row] = field(default_factory=list)
    notes: list[Row] = field(default_factory=list)
    tags: list[Row] = field(default_factory=list)
    confirmations: list[Row] = field(default_factory=list)
    message_id: int = 0
    audit_id: int = 0
    breach_id: int = 0
    note_id: int = 0
    confirmation_id: int = 0

    def flush(self, connection: Connection) -> None:
        # Tickets first: messages, audit and breaches reference them (foreign keys are on).
        insert_rows(connection, "tickets", self.tickets)
        insert_rows(connection, "messages", self.messages)
        insert_rows(connection, "audit", self.audit)
        insert_rows(connection, "sla_breaches", self.breaches)
        insert_rows(connection, "ticket_notes", self.notes)
        insert_rows(connection, "ticket_tags", self.tags)
        insert_rows(connection, "confirmations", self.confirmations)
        self.tickets, self.messages, self.audit, self.breaches = [], [], [], []
        self.notes, self.tags, self.confirmations = [], [], []
