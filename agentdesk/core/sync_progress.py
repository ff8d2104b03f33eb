"""How far a first sync has come: tickets done of the total, bytes in, time left.

A first sync of a large queue over a slow link takes minutes; the agent sees it move (the
queue header, `agentdesk sync`). Pure: the puller measures, this only counts and words it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SyncProgress:
    done: int
    total: int | None  # None: the helpdesk did not say
    bytes_in: int
    seconds: float

    def seconds_left(self) -> float | None:
        """At the pace so far; None before the first ticket or without a total."""
        if self.total is None or self.done <= 0 or self.seconds <= 0:
            return None
        return max(self.total - self.done, 0) * self.seconds / self.done

    def text(self) -> str:
        """'first sync 300/2,000 tickets · 120 kB · ~1m20s left'."""
        of = f"/{self.total:,}" if self.total is not None else ""
        parts = [f"first sync {self.done:,}{of} tickets", _size(self.bytes_in)]
        left = self.seconds_left()
        if left is not None and self.total is not None and self.done < self.total:
            parts.append(f"~{_duration(left)} left")
        return " · ".join(parts)


def _size(count: int) -> str:
    if count < 1_000:
        return f"{count} B"
    if count < 1_000_000:
        return f"{count / 1_000:.0f} kB"
    return f"{count / 1_000_000:.1f} MB"


def _duration(seconds: float) -> str:
    whole = int(seconds + 0.5)
    if whole < 60:
        return f"{whole}s"
    minutes, rest = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{rest:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
