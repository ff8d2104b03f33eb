"""Column types: timezone-aware UTC datetimes stored as fixed-width ISO-8601 text."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.types import String, TypeDecorator

from agentdesk.store.stamps import from_db, to_db

__all__ = ["UTCDateTime", "from_db", "to_db"]


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
