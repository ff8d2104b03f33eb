"""The stored form of datetimes: fixed-width ISO-8601 UTC text. No SQLAlchemy here."""

from __future__ import annotations

from datetime import UTC, datetime

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def to_db(value: datetime) -> str:
    """The stored form: text order is time order, so SQL can compare and index it."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: agentdesk stores timezone-aware UTC only")
    return value.astimezone(UTC).strftime(_FORMAT)


def from_db(value: str) -> datetime:
    return datetime.strptime(value, _FORMAT).replace(tzinfo=UTC)
