"""The KPIs for a period (issue 15): facts from the store, every figure from core.kpi.

One gathering feeds the KPI board, the supervisor's tiles and the weekly report, so they
show the same numbers: `kpi_overview(desk, period)`.
"""

from __future__ import annotations

import threading
import weakref
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from operator import attrgetter
from typing import TYPE_CHECKING

from agentdesk.core import kpi
from agentdesk.core.kpi import (
    Kpi,
    KpiInputs,
    KpiSet,
    Period,
    ReviewScore,
    ShiftFacts,
    SurveyAnswer,
    TicketFacts,
)
from agentdesk.core.shift import Interval, PlannedShift, Presence, adherent_time
from agentdesk.core.ticket import Tier
from agentdesk.desk.base import Desk

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from agentdesk.core.sla import SlaPolicy
    from agentdesk.store.kpi_rows import ShiftRow

TREND_PERIODS = 8
# Tickets opened this long before a period still count in it (resolved, answered, surveyed
# there): the longest SLA (120 business hours) and a late survey answer fit well inside.
LOOKBACK = timedelta(days=45)
# The window's facts are kept by this stretch of ticket opening (store.kpi_reads'
# slice_fingerprints): a change reads again only the week of the tickets it touched.
SLICE = timedelta(days=7)


@dataclass(frozen=True)
class AgentCard:
    handle: str
    kpis: KpiSet
    tickets: int


@dataclass(frozen=True)
class KpiOverview:
    period: Period
    now: datetime
    kpis: KpiSet
    trend: list[KpiSet]
    """The TREND_PERIODS periods ending with this one, oldest first."""
    month: KpiSet
    """The calendar month the period ends in (the RCA flag is monthly)."""
    root_cause_analysis: bool
    top_issues: list[tuple[str, int]]
    """(product_area / issue_type, tickets opened in the period), most first, 10 at most."""
    average_resolution_seconds: float | None
    heatmap: list[list[int]]
    """[weekday 0=Mon][hour UTC] breaches falling due in the period."""
    escalations: dict[str, int]
    agents: list[AgentCard] = field(default_factory=list)
    improvement_plans: dict[str, list[Kpi]] = field(default_factory=dict)
    """Agents below target on the same KPI two months running."""


def _shift_fact(row: ShiftRow, now: datetime) -> tuple[ShiftFacts | None, bool]:
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


def _shift_facts(rows: list[ShiftRow], now: datetime) -> list[ShiftFacts]:
    return [fact for row in rows if (fact := _shift_fact(row, now)[0]) is not None]


@dataclass(frozen=True)
class _Sections:
    """The overview's parts that are facts only (no `now`, no KPI)."""

    top_issues: list[tuple[str, int]]
    average_resolution_seconds: float | None
    heatmap: list[list[int]]
    escalations: dict[str, int]
    opened_by: Counter[str]


class _Facts:
    """One window's facts, worked out once: tickets with their response time, the
    interactions, answers and reviews, indexed by moment for the team and for each agent;
    and the KPI sets and sections already computed from them. Valid while the store's
    fingerprint (store.kpi_reads) is the one they were read at."""

    def __init__(
        self,
        inputs: KpiInputs,
        breach_moments: list[datetime],
        before: _Facts | None = None,
        touched: _Touched | None = None,
    ) -> None:
        """With `before` (the facts of the last read) and `touched` (what changed since):
        an agent's index, and every KPI set, whose share holds nothing touched is the old
        one, since its inputs are the same items in the same order."""
        self.breach_moments = breach_moments
        self.team = kpi.KpiIndex(inputs)
        self.shares: dict[str, kpi.KpiIndex] = {}
        kept = before.shares if before is not None and touched is not None else {}
        moved = touched.agents if touched is not None else set()
        for who, part in inputs.by_agent().items():
            found = kept.get(who)
            self.shares[who] = kpi.KpiIndex(part) if found is None or who in moved else found
        # Still unanswered P0-P2 tickets, by opening: the one figure a later `now` moves
        # without a change in the store (the 1-hour acknowledgement judges them as they age).
        self.waiting: dict[str | None, list[datetime]] = {None: self._waiting(self.team)}
        previous = before.waiting if before is not None else {}
        for who, index in self.shares.items():
            same = index is kept.get(who) and who in previous
            self.waiting[who] = previous[who] if same else self._waiting(index)
        self.opened: dict[tuple[Period, str | None], tuple[kpi.KpiValue, list[TicketFacts]]] = {}
        self.sets: dict[tuple[Period, str | None], tuple[datetime, KpiSet]] = {}
        self.sections: dict[tuple[Period, str | None], _Sections] = {}
        if before is not None and touched is not None:
            self.opened = {k: v for k, v in before.opened.items() if not touched.moves(*k)}
            self.sets = {k: v for k, v in before.sets.items() if not touched.moves(*k)}

    @staticmethod
    def _waiting(index: kpi.KpiIndex) -> list[datetime]:
        return sorted(
            t.created_at
            for t in index.inputs.tickets
            if t.first_response_at is None and t.priority.is_priority_ticket
        )

    def index(self, who: str | None) -> kpi.KpiIndex | None:
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


class _Touched:
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

    def ticket(self, t: TicketFacts) -> None:
        self.add(t.agent, t.created_at, t.first_response_at, t.first_resolved_at)


@dataclass(frozen=True)
class _Slice:
    """The tickets opened in one week of the window: their facts (with the response time)
    and finished interactions, read at the slice's fingerprint."""

    key: tuple[object, ...]
    tickets: list[TicketFacts]
    work: list[kpi.Interaction]
    owner: dict[int, str | None]


# Called with (since, until) each time a slice is read from the store (tests count them).
slice_read_hook: Callable[[datetime, datetime], None] | None = None


def _touched_between(old: _Slice, new: _Slice, touched: _Touched) -> None:
    before = {t.id: t for t in old.tickets}
    after = {t.id: t for t in new.tickets}
    for ticket_id in before.keys() | after.keys():
        a, b = before.get(ticket_id), after.get(ticket_id)
        if a != b:
            for t in (a, b):
                if t is not None:
                    touched.ticket(t)
    work_before: dict[int, list[kpi.Interaction]] = {}
    for w in old.work:
        work_before.setdefault(w.ticket_id, []).append(w)
    work_after: dict[int, list[kpi.Interaction]] = {}
    for w in new.work:
        work_after.setdefault(w.ticket_id, []).append(w)
    for ticket_id in work_before.keys() | work_after.keys():
        a_work, b_work = work_before.get(ticket_id, []), work_after.get(ticket_id, [])
        if a_work != b_work:
            for w in (*a_work, *b_work):
                touched.add(w.agent, w.end)


def _touched_items(
    old: Sequence[SurveyAnswer | ReviewScore],
    new: Sequence[SurveyAnswer | ReviewScore],
    touched: _Touched,
) -> None:
    before, after = Counter(old), Counter(new)
    for item in (before - after) + (after - before):
        touched.add(item.agent, item.at)


class _Window:
    """One window's facts, kept by week of ticket opening: after a change only the weeks
    whose fingerprint moved (or whose tickets got new audit rows) are read again, and only
    the KPI sets whose share holds a changed item are computed again."""

    def __init__(self, since: datetime, until: datetime) -> None:
        self.bounds = [since]
        while self.bounds[-1] + SLICE < until:
            self.bounds.append(self.bounds[-1] + SLICE)
        self.bounds.append(until)
        self.slices: list[_Slice] = []
        self.audit_top = 0
        self.agents: dict[str, str] = {}
        self.facts: _Facts | None = None
        self.fresh_at: tuple[object, ...] | None = None
        self.rest: tuple[list[SurveyAnswer], list[ReviewScore], list[datetime]] = ([], [], [])
        self.rest_key: tuple[object, ...] = ()

    def _slice_of(self, created: datetime) -> int | None:
        k = bisect_right(self.bounds, created) - 1
        return k if 0 <= k < len(self.bounds) - 1 else None

    def refresh(
        self, connection: Connection, key: tuple[object, ...], policy: SlaPolicy, now: datetime
    ) -> _Facts:
        from agentdesk.store import kpi_reads

        if self.facts is not None and self.fresh_at == key:
            return self.facts
        # The audit's top first: a row landing after it is read again next time, not lost.
        audit_top = kpi_reads.audit_max_id(connection)
        agents = kpi_reads.read_agents(connection)
        keys = kpi_reads.slice_fingerprints(connection, self.bounds)
        old = self.slices if self.facts is not None and agents == self.agents else []
        dirty = {k for k in range(len(keys)) if not old or old[k].key != keys[k]}
        if old and audit_top != self.audit_top:
            for created in kpi_reads.audit_tickets_since(connection, self.audit_top):
                k = self._slice_of(created)
                if k is not None:
                    dirty.add(k)
        touched = _Touched()
        slices = []
        for k, slice_key in enumerate(keys):
            if k not in dirty:
                slices.append(old[k])
                continue
            since, until = self.bounds[k], self.bounds[k + 1]
            if slice_read_hook is not None:
                slice_read_hook(since, until)
            part = kpi_reads.read_ticket_slice(connection, since, until, agents)
            fresh = _Slice(
                slice_key,
                kpi.with_response_seconds(part.tickets, policy),
                kpi.interactions(part.audit, part.channels, agents, now),
                part.owner,
            )
            if old:
                _touched_between(old[k], fresh, touched)
            slices.append(fresh)
        # The answers, reviews and breach moments: read again when their tables moved, or
        # a ticket's agent did (an answer is its ticket's agent's).
        rest_key = kpi_reads.rest_of(key)
        owners_moved = any(k >= len(old) or old[k].owner != slices[k].owner for k in dirty)
        if not old or rest_key != self.rest_key or owners_moved:
            owner: dict[int, str | None] = {}
            for part_ in slices:
                owner.update(part_.owner)
            rest = kpi_reads.read_window_rest(connection, self.bounds[0], self.bounds[-1], owner)
        else:
            rest = self.rest
        answers, reviews, breach_moments = rest
        # read_window's orders: tickets by id; interactions as core.kpi.interactions sorts
        # them (a ticket's all come from its one slice, so ties keep their order).
        inputs = KpiInputs(
            tickets=sorted((t for p in slices for t in p.tickets), key=attrgetter("id")),
            work=sorted((w for p in slices for w in p.work), key=attrgetter("end", "ticket_id")),
            answers=answers,
            reviews=reviews,
        )
        before = self.facts if old else None
        if before is not None and rest is not self.rest:
            _touched_items(before.team.inputs.answers, answers, touched)
            _touched_items(before.team.inputs.reviews, reviews, touched)
        self.facts = _Facts(inputs, breach_moments, before, touched if before else None)
        self.slices, self.audit_top, self.agents, self.fresh_at = slices, audit_top, agents, key
        self.rest, self.rest_key = rest, rest_key
        return self.facts


class _ShiftCache:
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
                fact, settled = _shift_fact(row, now)
                if settled:
                    self.settled[n] = fact
            if fact is not None:
                found.append(fact)
        return found


class _StoreCache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.key: tuple[object, ...] | None = None
        self.windows: dict[tuple[datetime, datetime], _Window] = {}
        self.shifts: dict[tuple[datetime, datetime], _ShiftCache] = {}


# One cache per store engine: the dashboard's refresh and the KPI board share it.
_CACHES: weakref.WeakKeyDictionary[object, _StoreCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()
_WINDOWS_KEPT = 3


def _cache_of(desk: Desk) -> _StoreCache:
    with _CACHES_LOCK:
        found = _CACHES.get(desk.store.engine)
        if found is None:
            found = _CACHES[desk.store.engine] = _StoreCache()
        return found


def forget_cached_facts(desk: Desk) -> None:
    """Drop what kpi_overview kept for this store (tests that compare the cold path)."""
    with _CACHES_LOCK:
        _CACHES.pop(desk.store.engine, None)


def _sections(facts: _Facts, period: Period, agent: str | None) -> _Sections:
    index = facts.index(agent)
    inside = index.within(period) if index is not None else KpiInputs()
    opened = kpi.opened_in(inside.tickets, period)
    topics = Counter(
        f"{t.product_area or 'untagged'} / {t.issue_type or 'untagged'}" for t in opened
    )
    resolution = [
        (t.first_resolved_at - t.created_at).total_seconds()
        for t in inside.tickets
        if period.holds(t.first_resolved_at) and t.first_resolved_at is not None
    ]
    heatmap = [[0] * 24 for _ in range(7)]
    for due in facts.breach_moments:
        if period.holds(due):
            heatmap[due.weekday()][due.hour] += 1
    escalations = {
        "to Level 2": sum(1 for t in opened if any(h.to_tier is Tier.L2 for h in t.handoffs)),
        "to Level 3": sum(1 for t in opened if any(h.to_tier is Tier.L3 for h in t.handoffs)),
    }
    team_opened = kpi.opened_in(facts.team.within(period).tickets, period)
    return _Sections(
        top_issues=topics.most_common(10),
        average_resolution_seconds=sum(resolution) / len(resolution) if resolution else None,
        heatmap=heatmap,
        escalations=escalations,
        opened_by=Counter(t.agent for t in team_opened if t.agent),
    )


def kpi_overview(
    desk: Desk, period: Period, *, trend: int = TREND_PERIODS, agent: str | None = None
) -> KpiOverview:
    """Every KPI of the period (the team's, or with `agent` one agent's), its trend, the
    month's, the top issues, the breach heatmap and the per-agent scorecards.

    Every figure is core.kpi's (compute over a KpiIndex's share). What is kept between calls
    on the same store: the window's facts while the store's fingerprint holds (a refresh with
    nothing new re-reads nothing), and each KPI set with the `now` it was computed at; a set
    is reused at a later `now` with its two clock-bound figures worked out again (schedule
    adherence always, the 1-hour acknowledgement when a waiting ticket passed its hour)."""
    from agentdesk.store.kpi_reads import fingerprint, shift_fingerprint
    from agentdesk.store.kpi_rows import read_shifts

    now = desk.now()
    periods = kpi.weeks_before(period, trend)
    month = kpi.month_of(period.end - timedelta(seconds=1))
    last_month = kpi.previous(month)
    since = min(periods[0].start, last_month.start) - LOOKBACK
    until = max(period.end, month.end)
    window = (since, until)
    cache = _cache_of(desk)
    policy = desk.store.policy
    with cache.lock:
        with desk.reading(), desk.store.read() as connection:
            key = fingerprint(connection)
            kept = cache.windows.get(window)
            if kept is None:
                kept = _Window(since, until)
                while len(cache.windows) >= _WINDOWS_KEPT:
                    cache.windows.pop(next(iter(cache.windows)))
                cache.windows[window] = kept
            facts = kept.refresh(connection, key, policy, now)
            shift_key = shift_fingerprint(connection)
            shifts = cache.shifts.get(window)
            if shifts is None or shifts.key != shift_key:
                shifts = cache.shifts[window] = _ShiftCache(
                    shift_key, read_shifts(connection, since, until)
                )
                while len(cache.shifts) > _WINDOWS_KEPT:
                    cache.shifts.pop(next(iter(cache.shifts)))
        shift_facts = shifts.facts(now)
        shift_shares: dict[str | None, list[ShiftFacts]] = {None: shift_facts}
        for fact in shift_facts:
            shift_shares.setdefault(fact.agent, []).append(fact)
        return _assemble(
            facts, shift_shares, period, periods, month, last_month, now, agent, policy
        )


def _kpi_set(
    facts: _Facts,
    shift_shares: dict[str | None, list[ShiftFacts]],
    p: Period,
    who: str | None,
    now: datetime,
    policy: SlaPolicy,
) -> KpiSet:
    shifts = [s for s in shift_shares.get(who, ()) if p.holds(s.started_at)]
    kept = facts.sets.get((p, who))
    if kept is None or kept[0] > now:
        index = facts.index(who)
        inside = index.within(p) if index is not None else KpiInputs()
        own = replace(inside, shifts=shifts)
        found = kpi.compute(own, p, now, policy, agent=who, split=False)
        facts.sets[(p, who)] = (now, found)
        return found
    then, found = kept
    values = dict(found.values)
    values[Kpi.SCHEDULE_ADHERENCE] = kpi.schedule_adherence(shifts, p)
    if facts.ack_moved(p, who, then, now):
        values[Kpi.PRIORITY_ACK_1H] = facts.acknowledged(p, who, now)
        found = KpiSet(p, values)
        facts.sets[(p, who)] = (now, found)
        return found
    return KpiSet(p, values)


def _assemble(
    facts: _Facts,
    shift_shares: dict[str | None, list[ShiftFacts]],
    period: Period,
    periods: list[Period],
    month: Period,
    last_month: Period,
    now: datetime,
    agent: str | None,
    policy: SlaPolicy,
) -> KpiOverview:
    def at(p: Period, who: str | None = agent) -> KpiSet:
        return _kpi_set(facts, shift_shares, p, who, now, policy)

    this = at(period)
    month_set = at(month)
    sections = facts.sections.get((period, agent))
    if sections is None:
        sections = facts.sections[(period, agent)] = _sections(facts, period, agent)
    handles = sorted(set(facts.shares) | {h for h in shift_shares if h})
    if agent is not None:
        handles = [h for h in handles if h == agent]
    cards = [AgentCard(h, at(period, h), sections.opened_by[h]) for h in handles]
    plans = kpi.below_two_months_running(
        {h: at(month, h) for h in handles}, {h: at(last_month, h) for h in handles}
    )
    return KpiOverview(
        period=period,
        now=now,
        kpis=this,
        trend=[this if p == period else at(p) for p in periods],
        month=month_set,
        root_cause_analysis=kpi.needs_root_cause_analysis(month_set[Kpi.SLA_BREACH_RATE]),
        top_issues=sections.top_issues,
        average_resolution_seconds=sections.average_resolution_seconds,
        heatmap=sections.heatmap,
        escalations=sections.escalations,
        agents=cards,
        improvement_plans=plans,
    )
