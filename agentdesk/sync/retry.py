"""When to try again: Retry-After, backoff with full jitter, a circuit breaker. No IO."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

# Never sleep longer than this on a server's say-so: a bad header must not freeze sync for a day.
MAX_RETRY_AFTER = 300.0


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if unusable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # HTTP-dates are GMT by definition
        when = when.replace(tzinfo=UTC)
    return min(max((when - now).total_seconds(), 0.0), MAX_RETRY_AFTER)


@dataclass
class Backoff:
    """Exponential backoff with full jitter: sleep uniform(0, min(cap, base * 2**attempt))."""

    base: float = 0.5
    cap: float = 60.0
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int) -> float:
        ceiling = min(self.cap, self.base * (2 ** min(attempt, 30)))
        return self.rng.uniform(0.0, ceiling)


@dataclass
class CircuitBreaker:
    """After `threshold` failures in a row, stop trying for `cool_down`: the agent sees offline."""

    threshold: int = 4
    cool_down: timedelta = timedelta(seconds=60)
    failures: int = 0
    open_until: datetime | None = None

    def allows(self, now: datetime) -> bool:
        return self.open_until is None or now >= self.open_until

    def record_failure(self, now: datetime) -> bool:
        """Count a failure; True when the breaker has just opened."""
        self.failures += 1
        if self.failures >= self.threshold:
            self.open_until = now + self.cool_down
            return True
        return False

    def record_success(self) -> None:
        self.failures = 0
        self.open_until = None
