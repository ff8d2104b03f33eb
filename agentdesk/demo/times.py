"""Times as the demo writes them: whole UTC seconds, their stored text and their human text."""

from __future__ import annotations

import functools
import math
from datetime import UTC, date, datetime

from agentdesk.core.lifecycle import QUALITY_WINDOW

HOUR = 3600
DAY = 86_400
QUALITY_SECONDS = int(QUALITY_WINDOW.total_seconds())

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# to_db() text for whole seconds from two lookups: it is called ~20 times per ticket, and
# strftime or an f-string with format specs would be a tenth of the whole run.
_MINUTES_SECONDS = tuple(f"{m:02d}:{s:02d}.000000Z" for m in range(60) for s in range(60))
_hour_prefix: dict[int, str] = {}


def db_stamp(seconds: int) -> str:
    """store.types.to_db() of a whole UTC second."""
    hour, rest = divmod(seconds, HOUR)
    prefix = _hour_prefix.get(hour)
    if prefix is None:
        day = date.fromordinal(_EPOCH_ORDINAL + hour // 24).isoformat()
        prefix = _hour_prefix[hour] = f"{day}T{hour % 24:02d}:"
    return prefix + _MINUTES_SECONDS[rest]


def as_datetime(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def as_seconds(value: datetime) -> int:
    return math.floor(value.timestamp())


@functools.lru_cache(maxsize=4096)
def human_time(seconds: int) -> str:
    """'Tue 24 Nov, 16:00 UTC', without strftime's locale dependence."""
    value = as_datetime(seconds)
    return (
        f"{_WEEKDAYS[value.weekday()]} {value.day} {MONTHS[value.month]}, "
        f"{value.hour:02d}:{value.minute:02d} UTC"
    )
