"""What the room modules share: column helpers written as the migrations declare them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, CheckConstraint, Column, Integer, String, text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field

from agentdesk.store.types import UTCDateTime


class IntegerFlag(TypeDecorator[bool]):
    """A bool stored as 0/1 in an INTEGER column, as the migrations declare flags
    (SQLAlchemy's Boolean would declare BOOLEAN, which SQLite gives NUMERIC affinity)."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        return None if value is None else int(bool(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> bool | None:
        return None if value is None else bool(value)


def _when(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


def _default(value: str | int) -> Any:
    """A column with a DEFAULT in the DDL: rows written without it get the same value."""
    server = text(str(value)) if isinstance(value, int) else value
    return Field(default=value, sa_column_kwargs={"server_default": server})


def _text_key() -> Any:
    """A `TEXT PRIMARY KEY` as the migrations wrote it: without NOT NULL, which SQLite then
    does not enforce for a key that is not an INTEGER one."""
    return Field(sa_column=Column(String(), primary_key=True, nullable=True))


def _one_of(column: str, *values: str) -> CheckConstraint:
    return CheckConstraint(f"{column} IN ({', '.join(repr(v) for v in values)})")


def _append_only(table: str) -> list[DDL]:
    return [
        DDL(  # type: ignore[no-untyped-call]
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}\n"
            "BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END"
        )
        for verb in ("UPDATE", "DELETE")
    ]
