"""Column types: timezone-aware UTC datetimes stored as fixed-width ISO-8601 text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.types import String, TypeDecorator

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def to_db(value: datetime) -> str:
    """The stored form: text order is time order, so SQL can compare and index it."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: agentdesk stores timezone-aware UTC only")
    return value.astimezone(UTC).strftime(_FORMAT)


def from_db(value: str) -> datetime:
    return datetime.strptime(value, _FORMAT).replace(tzinfo=UTC)


class UTCDateTime(TypeDecorator[datetime]):
    impl = String
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):
            return to_db(datetime.fromisoformat(value))
        return to_db(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else from_db(value)
