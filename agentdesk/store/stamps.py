"""The stored form of datetimes: fixed-width ISO-8601 UTC text. No SQLAlchemy here."""

from __future__ import annotations

from datetime import UTC, datetime

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def to_db(value: datetime) -> str:
    """The stored form: text order is time order, so SQL can compare and index it."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: agentdesk stores timezone-aware UTC only")
    return value.astimezone(UTC).strftime(_FORMAT)


_LENGTH = len("2026-01-01T00:00:00.000000Z")


def from_db(value: str) -> datetime:
    # fromisoformat is about 50 times faster than strptime, and a ticket open parses one
    # stamp per message. It also takes offsets other than Z, so only the exact stored
    # form goes to it; anything else goes to strptime, which says what is wrong.
    if len(value) == _LENGTH and value[-1] == "Z" and value[10] == "T":
        return datetime.fromisoformat(value)
    return datetime.strptime(value, _FORMAT).replace(tzinfo=UTC)
