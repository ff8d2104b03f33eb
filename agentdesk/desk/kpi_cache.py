"""What desk.kpis.kpi_overview keeps between refreshes of one store (issue 15, at scale):
the window's facts by week of ticket opening, the team's and each agent's KpiIndex, the KPI
sets and sections computed from them, the shift facts; and how a change in the store
brings them up to date.

After a change only the tickets that changed are read again: a week whose fingerprint
moved (store.kpi_reads.slice_fingerprints) compares its tickets' rows and breaches with
the ones it kept, new audit rows name their tickets. Their facts take the old ones' places
in the kept lists and indexes (core.kpi_index's put_ticket and put_work), and only the KPI
sets whose period and share hold a changed moment are computed again. Everything stays
what a read of the whole window would give, item for item and in the same order
(tests/desk/test_kpi_paths.py compares with the plain path).
"""

from __future__ import annotations

import threading
import weakref
from bisect import bisect_left, bisect_right, insort
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter
from typing import TYPE_CHECKING

from agentdesk.core import kpi
from agentdesk.core.kpi import (
    KpiInputs,
    KpiSet,
    Period,
    ReviewScore,
    ShiftFacts,
    SurveyAnswer,
    TicketFacts,
)
from agentdesk.core.kpi_index import KpiIndex
from agentdesk.core.kpi_parts import TeamParts
from agentdesk.core.shift import Interval, PlannedShift, Presence, adherent_time
from agentdesk.desk.base import Desk

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from agentdesk.core.sla import SlaPolicy
    from agentdesk.store.kpi_reads import Row
    from agentdesk.store.kpi_rows import ShiftRow

# The window's facts are kept by this stretch of ticket opening (store.kpi_reads'
# slice_fingerprints): a change reads again only what changed in the weeks it touched.
SLICE = timedelta(days=7)

_ID = attrgetter("id")
_END_AND_TICKET = attrgetter("end", "ticket_id")

# Called each time tickets are read from the store (tests count them): the week's bounds,
# and the tickets read (None: all the week's).
slice_read_hook: Callable[[datetime, datetime, frozenset[int] | None], None] | None = None


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


@dataclass(frozen=True)
class Sections:
    """The overview's parts that are facts only (no `now`, no KPI)."""

    top_issues: list[tuple[str, int]]
    average_resolution_seconds: float | None
    heatmap: list[list[int]]
    escalations: dict[str, int]
    opened_by: Counter[str]


@dataclass
class Change:
    """One ticket read again: its facts and finished interactions before and after (None,
    no interactions: not in the window then)."""

    old: TicketFacts | None = None
    new: TicketFacts | None = None
    old_work: list[kpi.Interaction] | None = None
    new_work: list[kpi.Interaction] | None = None

    @property
    def moves_nothing(self) -> bool:
        return self.old == self.new and (self.old_work or []) == (self.new_work or [])

    @property
    def owner_moved(self) -> bool:
        """Did the ticket's agent change (or the ticket come or go)? Its answers are its
        agent's."""
        before = None if self.old is None else (self.old.agent,)
        after = None if self.new is None else (self.new.agent,)
        return before != after


class Touched:
    """The moments of what changed between two reads (each item's old and new version),
    by agent: a KPI set of a period and share holding none of them is the same."""

    def __init__(self) -> None:
        self.moments: list[datetime] = []
        self.by_agent: dict[str, list[datetime]] = {}

    @property
    def agents(self) -> set[str]:
        return set(self.by_agent)

    def add(self, agent: str | None, *moments: datetime | None) -> None:
        for at in moments:
            if at is not None:
                self.moments.append(at)
                if agent:
                    self.by_agent.setdefault(agent, []).append(at)

    def moves(self, p: Period, who: str | None) -> bool:
        moments = self.moments if who is None else self.by_agent.get(who, ())
        return any(p.start <= at < p.end for at in moments)

    def ticket(self, t: TicketFacts | None) -> None:
        if t is not None:
            self.add(t.agent, t.created_at, t.first_response_at, t.first_resolved_at)

    def change(self, c: Change) -> None:
        self.ticket(c.old)
        self.ticket(c.new)
        for w in (*(c.old_work or ()), *(c.new_work or ())):
            self.add(w.agent, w.end)

    def items(
        self, old: Sequence[SurveyAnswer | ReviewScore], new: Sequence[SurveyAnswer | ReviewScore]
    ) -> None:
        before, after = Counter(old), Counter(new)
        for item in (before - after) + (after - before):
            self.add(item.agent, item.at)


def _waiting(index: KpiIndex) -> list[datetime]:
    return sorted(t.created_at for t in index.inputs.tickets if _waits(t))


def _waits(t: TicketFacts | None) -> bool:
    return t is not None and t.first_response_at is None and t.priority.is_priority_ticket


class Facts:
    """One window's facts, worked out once: tickets with their response time, the
    interactions, answers and reviews, indexed by moment for the team and for each agent;
    and the KPI sets and sections already computed from them. Valid while the store's
    fingerprint (store.kpi_reads) is the one they were read at."""

    def __init__(
        self,
        inputs: KpiInputs,
        breach_moments: list[datetime],
        before: Facts | None = None,
        touched: Touched | None = None,
    ) -> None:
        """With `before` (the facts of the last read) and `touched` (what changed since):
        an agent's index, and every KPI set, whose share holds nothing touched is the old
        one, since its inputs are the same items in the same order."""
        self.breach_moments = breach_moments
        self.team = KpiIndex(inputs)
        self.shares: dict[str, KpiIndex] = {}
        kept = before.shares if before is not None and touched is not None else {}
        moved = touched.agents if touched is not None else set()
        for who, part in inputs.by_agent().items():
            found = kept.get(who)
            self.shares[who] = KpiIndex(part) if found is None or who in moved else found
        # Still unanswered P0-P2 tickets, by opening: the one figure a later `now` moves
        # without a change in the store (the 1-hour acknowledgement judges them as they age).
        self.waiting: dict[str | None, list[datetime]] = {None: _waiting(self.team)}
        previous = before.waiting if before is not None else {}
        for who, index in self.shares.items():
            same = index is kept.get(who) and who in previous
            self.waiting[who] = previous[who] if same else _waiting(index)
        self.opened: dict[tuple[Period, str | None], tuple[kpi.KpiValue, list[TicketFacts]]] = {}
        self.sets: dict[tuple[Period, str | None], tuple[datetime, KpiSet]] = {}
        self.sections: dict[tuple[Period, str | None], Sections] = {}
        # The team's sets as their parts, updated in place after a change (core.kpi_parts).
        self.parts: dict[Period, TeamParts] = {}
        if before is not None and touched is not None:
            self._forget(before, touched)

    def _forget(self, before: Facts, touched: Touched) -> None:
        """Keep of `before`'s sets and sections those no touched moment is in."""
        self.opened = {k: v for k, v in before.opened.items() if not touched.moves(*k)}
        self.sets = {k: v for k, v in before.sets.items() if not touched.moves(*k)}
        # A section reads the team's tickets opened in the period, and the share's opened
        # or resolved there: a touched moment of the team's tells them all.
        self.sections = {k: v for k, v in before.sections.items() if not touched.moves(k[0], None)}

    def updated(self, changes: Collection[Change], touched: Touched) -> bool:
        """These tickets read again, in place: the team's index takes each new version in
        the old one's place, the touched agents' shares are built again (a few hundred
        items each), the rest is kept. The answers and reviews must be the same (so must
        every ticket's agent). False: a change moves other tickets' places (a ticket gone,
        or new among older ones); build the facts anew (this object is spent then)."""
        for c in changes:
            if not self.team.put_ticket(c.old, c.new):
                return False
            if not self.team.put_work(c.old_work or [], c.new_work or []):
                return False
        for p, parts in self.parts.items():
            if touched.moves(p, None):
                for c in changes:
                    parts.put(c.old, c.new, c.old_work or [], c.new_work or [])
        waiting = self.waiting[None]
        for c in changes:
            if _waits(c.old):
                assert c.old is not None
                del waiting[bisect_left(waiting, c.old.created_at)]
            if _waits(c.new):
                assert c.new is not None
                insort(waiting, c.new.created_at)
        ids = {(c.old or c.new).id for c in changes if c.old or c.new}  # type: ignore[union-attr]
        for who in touched.agents:
            share = self.shares.get(who)
            own = share.inputs if share is not None else KpiInputs()
            tickets = [t for t in own.tickets if t.id not in ids]
            tickets += [c.new for c in changes if c.new is not None and c.new.agent == who]
            work = [w for w in own.work if w.ticket_id not in ids]
            work += [w for c in changes for w in c.new_work or () if w.agent == who]
            part = KpiInputs(
                sorted(tickets, key=_ID),
                sorted(work, key=_END_AND_TICKET),
                own.answers,
                own.reviews,
            )
            if part.tickets or part.work or part.answers or part.reviews:
                self.shares[who] = KpiIndex(part)
                self.waiting[who] = _waiting(self.shares[who])
            else:  # nothing of theirs left in the window: no scorecard, as by_agent gives
                self.shares.pop(who, None)
                self.waiting.pop(who, None)
        self._forget(self, touched)
        return True

    def index(self, who: str | None) -> KpiIndex | None:
        return self.team if who is None else self.shares.get(who)

    def ack_moved(self, p: Period, who: str | None, then: datetime, now: datetime) -> bool:
        """Did a waiting ticket of the period pass its hour between `then` and `now`?"""
        waiting = self.waiting.get(who, [])
        low = max(then - kpi.ACK_WITHIN, p.start)
        high = min(now - kpi.ACK_WITHIN, p.end)
        return low < high and bisect_left(waiting, high) > bisect_left(waiting, low)

    def acknowledged(self, p: Period, who: str | None, now: datetime) -> kpi.KpiValue:
        """The 1-hour acknowledgement of the period at `now`: the answered P0-P2 tickets'
        part is the same at any `now` and kept; only the unanswered ones are judged again."""
        found = self.opened.get((p, who))
        if found is None:
            index = self.index(who)
            # By opening, not in the inputs' order: the figure is two counts.
            inside = index.opened(p) if index is not None else []
            chosen = [t for t in inside if t.priority.is_priority_ticket]
            answered = [t for t in chosen if t.first_response_at is not None]
            waiting = [t for t in chosen if t.first_response_at is None]
            found = self.opened[(p, who)] = (kpi.acknowledged_among(answered, now), waiting)
        answered_part, waiting = found
        return kpi.share_of_both(answered_part, kpi.acknowledged_among(waiting, now))


@dataclass(frozen=True)
class Slice:
    """The tickets opened in one week of the window: their rows as stored, their facts
    (with the response time, by id) and finished interactions (by end, then ticket), read
    at the slice's fingerprint."""

    key: tuple[object, ...]
    rows: dict[int, Row]
    tickets: list[TicketFacts]
    work: list[kpi.Interaction]
    owner: dict[int, str | None]


class Window:
    """One window's facts, kept by week of ticket opening: after a change only the tickets
    that changed are read again, and only the KPI sets whose share holds a changed item are
    computed again."""

    def __init__(self, since: datetime, until: datetime) -> None:
        self.bounds = [since]
        while self.bounds[-1] + SLICE < until:
            self.bounds.append(self.bounds[-1] + SLICE)
        self.bounds.append(until)
        self.slices: list[Slice] = []
        self.audit_top = 0
        self.agents: dict[str, str] = {}
        self.facts: Facts | None = None
        self.fresh_at: tuple[object, ...] | None = None
        self.rest: tuple[list[SurveyAnswer], list[ReviewScore], list[datetime]] = ([], [], [])
        self.rest_key: tuple[object, ...] = ()

    def _slice_of(self, created: datetime) -> int | None:
        k = bisect_right(self.bounds, created) - 1
        return k if 0 <= k < len(self.bounds) - 1 else None

    def refresh(
        self, connection: Connection, key: tuple[object, ...], policy: SlaPolicy, now: datetime
    ) -> Facts:
        from agentdesk.store import kpi_reads

        if self.facts is not None and self.fresh_at == key:
            return self.facts
        # The audit's top first: a row landing after it is read again next time, not lost.
        audit_top = kpi_reads.audit_max_id(connection)
        agents = kpi_reads.read_agents(connection)
        keys = kpi_reads.slice_fingerprints(connection, self.bounds)
        before = self.facts if self.slices and agents == self.agents else None
        changes: dict[int, Change] = {}
        if before is None:
            slices = [
                self._read(connection, k, key_, agents, policy, now) for k, key_ in enumerate(keys)
            ]
        else:
            slices = self._changed(connection, keys, audit_top, agents, policy, now, changes)
        # The answers, reviews and breach moments: read again when their tables moved, or
        # a ticket's agent did (an answer is its ticket's agent's).
        rest_key = kpi_reads.rest_of(key)
        moved = {n for n, c in changes.items() if c.owner_moved}
        owners_moved = bool(moved) and any(a.ticket_id in moved for a in self.rest[0])
        if before is None or rest_key != self.rest_key or owners_moved:
            owner: dict[int, str | None] = {}
            for part in slices:
                owner.update(part.owner)
            rest = kpi_reads.read_window_rest(connection, self.bounds[0], self.bounds[-1], owner)
        else:
            rest = self.rest
        touched = Touched()
        for c in changes.values():
            touched.change(c)
        # In place while the answers and reviews are the same (new breaches move only the
        # heatmap's moments).
        same_items = rest is self.rest or (rest[0] == self.rest[0] and rest[1] == self.rest[1])
        if before is not None and same_items and before.updated(changes.values(), touched):
            facts = before
            if rest[2] != before.breach_moments:
                facts.breach_moments = rest[2]
                facts.sections.clear()
        else:
            answers, reviews, breach_moments = rest
            # read_window's orders: tickets by id; interactions as core.kpi.interactions
            # sorts them (a ticket's all come from its one slice, so ties keep their order).
            inputs = KpiInputs(
                tickets=sorted((t for p in slices for t in p.tickets), key=_ID),
                work=sorted((w for p in slices for w in p.work), key=_END_AND_TICKET),
                answers=answers,
                reviews=reviews,
            )
            if before is not None and rest is not self.rest:
                touched.items(self.rest[0], answers)
                touched.items(self.rest[1], reviews)
            facts = Facts(inputs, breach_moments, before, touched if before else None)
        self.facts = facts
        self.slices, self.audit_top, self.agents, self.fresh_at = slices, audit_top, agents, key
        self.rest, self.rest_key = rest, rest_key
        return facts

    def _read(
        self,
        connection: Connection,
        k: int,
        key: tuple[object, ...],
        agents: dict[str, str],
        policy: SlaPolicy,
        now: datetime,
    ) -> Slice:
        """Week k read whole."""
        from agentdesk.store import kpi_reads

        since, until = self.bounds[k], self.bounds[k + 1]
        if slice_read_hook is not None:
            slice_read_hook(since, until, None)
        part = kpi_reads.read_ticket_slice(connection, since, until, agents)
        return Slice(
            key,
            part.rows,
            kpi.with_response_seconds(part.tickets, policy),
            kpi.interactions(part.audit, part.channels, agents, now),
            part.owner,
        )

    def _changed(
        self,
        connection: Connection,
        keys: list[tuple[object, ...]],
        audit_top: int,
        agents: dict[str, str],
        policy: SlaPolicy,
        now: datetime,
        changes: dict[int, Change],
    ) -> list[Slice]:
        """The kept weeks with the tickets that changed read again; `changes` gets what
        changed, ticket by ticket."""
        from agentdesk.store import kpi_reads

        dirty: dict[int, set[int]] = {}
        if audit_top != self.audit_top:
            for ticket_id, created in kpi_reads.audit_tickets_since(connection, self.audit_top):
                k = self._slice_of(created)
                if k is not None:
                    dirty.setdefault(k, set()).add(ticket_id)
        fetched: dict[int, dict[int, Row]] = {}
        for k, slice_key in enumerate(keys):
            old = self.slices[k]
            if old.key == slice_key:
                continue
            since, until = self.bounds[k], self.bounds[k + 1]
            rows = fetched[k] = kpi_reads.ticket_rows(connection, since, until)
            ids = dirty.setdefault(k, set())
            ids.update(n for n in rows.keys() | old.rows.keys() if rows.get(n) != old.rows.get(n))
            if slice_key[4:] != old.key[4:]:  # its breaches
                was = {t.id for t in old.tickets if t.breached}
                ids.update(was ^ kpi_reads.breached_tickets(connection, since, until))
        slices = list(self.slices)
        for k, ids in dirty.items():
            old = self.slices[k]
            if not ids:
                slices[k] = Slice(keys[k], fetched[k], old.tickets, old.work, old.owner)
                continue
            since, until = self.bounds[k], self.bounds[k + 1]
            if slice_read_hook is not None:
                slice_read_hook(since, until, frozenset(ids))
            part = kpi_reads.read_ticket_slice(connection, since, until, agents, only=ids)
            fresh = kpi.with_response_seconds(part.tickets, policy)
            work = kpi.interactions(part.audit, part.channels, agents, now)
            for t in old.tickets:
                if t.id in ids:
                    changes.setdefault(t.id, Change()).old = t
            for t in fresh:
                changes.setdefault(t.id, Change()).new = t
            for w in old.work:
                if w.ticket_id in ids:
                    c = changes.setdefault(w.ticket_id, Change())
                    c.old_work = [*(c.old_work or ()), w]
            for w in work:
                c = changes.setdefault(w.ticket_id, Change())
                c.new_work = [*(c.new_work or ()), w]
            rows = fetched.get(k, {**old.rows, **part.rows})
            owner = {n: who for n, who in old.owner.items() if n not in ids} | part.owner
            slices[k] = Slice(
                keys[k],
                {n: row for n, row in rows.items() if n in owner},
                sorted([*(t for t in old.tickets if t.id not in ids), *fresh], key=_ID),
                sorted(
                    [*(w for w in old.work if w.ticket_id not in ids), *work],
                    key=_END_AND_TICKET,
                ),
                owner,
            )
        for ticket_id in sorted(changes):  # by id: a ticket new to the store goes last
            c = changes.pop(ticket_id)
            if not c.moves_nothing:
                changes[ticket_id] = c
        return slices


class ShiftCache:
    """The shift rows and the facts of shifts already over, while the shift tables'
    fingerprint holds."""

    def __init__(self, key: tuple[object, ...], rows: list[ShiftRow]) -> None:
        self.key = key
        self.rows = rows
        self.settled: dict[int, ShiftFacts | None] = {}

    def facts(self, now: datetime) -> list[ShiftFacts]:
        found = []
        for n, row in enumerate(self.rows):
            if n in self.settled:
                fact = self.settled[n]
            else:
                fact, settled = shift_fact(row, now)
                if settled:
                    self.settled[n] = fact
            if fact is not None:
                found.append(fact)
        return found


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
