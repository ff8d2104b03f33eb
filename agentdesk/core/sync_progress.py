"""How far a first sync has come: tickets done of the total, bytes in, time left.

A first sync of a large queue over a slow link takes minutes; the agent sees it move (the
queue header, `agentdesk sync`). It has two stages: the tickets (their fields: the queue),
then the conversations of the open ones (sync/rt/conversations.py). Pure: the sync measures,
this only counts and words it.
"""

from __future__ import annotations

from dataclasses import dataclass

TICKETS = "tickets"
CONVERSATIONS = "conversations"


@dataclass(frozen=True)
class SyncProgress:
    done: int
    total: int | None  # None: the helpdesk did not say
    bytes_in: int
    seconds: float
    stage: str = TICKETS
    # Done before these seconds were counted (conversations read by an earlier run).
    before: int = 0

    def seconds_left(self) -> float | None:
        """At the pace so far; None before the first ticket or without a total."""
        done = self.done - self.before
        if self.total is None or done <= 0 or self.seconds <= 0:
            return None
        return max(self.total - self.done, 0) * self.seconds / done

    def text(self) -> str:
        """'first sync 300/2,000 tickets · 120 kB · ~1m20s left', or for the second stage
        'conversations 300/1,200 · 80 kB · ~40s left'."""
        of = f"/{self.total:,}" if self.total is not None else ""
        what = (
            f"conversations {self.done:,}{of}"
            if self.stage == CONVERSATIONS
            else f"first sync {self.done:,}{of} tickets"
        )
        parts = [what, _size(self.bytes_in)]
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
