"""What desk.kpis.kpi_overview keeps between refreshes of one store (issue 15, at scale):
per window, its facts (desk.kpi_window, desk.kpi_kept) and the shift facts; one cache per
store engine, shared by the dashboard's refresh and the KPI board.
"""

from __future__ import annotations

import threading
import weakref
from datetime import datetime
from typing import TYPE_CHECKING

from agentdesk.core.kpi import ShiftFacts
from agentdesk.core.shift import Interval, PlannedShift, Presence, adherent_time
from agentdesk.desk.base import Desk
from agentdesk.desk.kpi_window import Window

if TYPE_CHECKING:
    from agentdesk.store.kpi_rows import ShiftRow


def shift_fact(row: ShiftRow, now: datetime) -> tuple[ShiftFacts | None, bool]:
    """The shift's facts at `now`, and whether they are settled (no later `now` changes
    them: the shift is over). None: unplanned, or still running."""
    if row.planned_start is None or row.planned_end is None:
        return None, True
    plan = PlannedShift(row.planned_start, row.planned_end, tuple(row.planned_breaks))
    if row.ended_at is None and now < plan.end:
        return None, False  # still running (or not begun): judged when it is over
    intervals = [Interval(Presence(state), a, b) for state, a, b in row.presence]
    at = min(now, row.ended_at or now, plan.end)
    fact = ShiftFacts(
        row.agent,
        row.started_at,
        plan.length.total_seconds(),
        adherent_time(plan, intervals, at).total_seconds(),
    )
    return fact, now >= at


class ShiftCache:
    """The shift rows and the facts of shifts already over, while the shift tables'
    fingerprint holds."""

    def __init__(self, key: tuple[object, ...], rows: list[ShiftRow]) -> None:
        self.key = key
        self.rows = rows
        self.settled: dict[int, ShiftFacts | None] = {}
        # The last shares, and the facts of the shifts not settled before that call.
        self._open: list[tuple[int, ShiftFacts | None]] = []
        self._shares: dict[str | None, list[ShiftFacts]] | None = None

    def facts(self, now: datetime) -> list[ShiftFacts]:
        """The facts of the shifts over at `now`, in the rows' order."""
        return self.shares(now)[None]

    def shares(self, now: datetime) -> dict[str | None, list[ShiftFacts]]:
        """facts(now) (under None) and each agent's of them: the same objects as the last
        call's while no shift's facts moved (desk.kpis reuses a kept KPI set's adherence
        then)."""
        open_ = []
        for n, row in enumerate(self.rows):
            if n not in self.settled:
                fact, settled = shift_fact(row, now)
                if settled:
                    self.settled[n] = fact
                open_.append((n, fact))
        if self._shares is not None and open_ == self._open:
            return self._shares
        found = []
        running = dict(open_)
        for n in range(len(self.rows)):
            fact = self.settled[n] if n in self.settled else running[n]
            if fact is not None:
                found.append(fact)
        shares: dict[str | None, list[ShiftFacts]] = {None: found}
        for fact in found:
            shares.setdefault(fact.agent, []).append(fact)
        self._open, self._shares = open_, shares
        return shares


class StoreCache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.key: tuple[object, ...] | None = None
        self.windows: dict[tuple[datetime, datetime], Window] = {}
        self.shifts: dict[tuple[datetime, datetime], ShiftCache] = {}


# One cache per store engine: the dashboard's refresh and the KPI board share it.
_CACHES: weakref.WeakKeyDictionary[object, StoreCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()
WINDOWS_KEPT = 3


def cache_of(desk: Desk) -> StoreCache:
    with _CACHES_LOCK:
        found = _CACHES.get(desk.store.engine)
        if found is None:
            found = _CACHES[desk.store.engine] = StoreCache()
        return found


def forget_cached_facts(desk: Desk) -> None:
    """Drop what kpi_overview kept for this store (tests that compare the cold path)."""
    with _CACHES_LOCK:
        _CACHES.pop(desk.store.engine, None)
