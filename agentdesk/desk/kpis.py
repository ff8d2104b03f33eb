"""The KPIs for a period (issue 15): facts from the store, every figure from core.kpi.

One gathering feeds the KPI board, the supervisor's tiles and the weekly report, so they
show the same numbers: `kpi_overview(desk, period)`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from agentdesk.core import kpi
from agentdesk.core.kpi import Kpi, KpiInputs, KpiSet, Period, ShiftFacts
from agentdesk.core.kpi_parts import TeamParts
from agentdesk.core.ticket import Tier
from agentdesk.desk.base import Desk

# What is kept between refreshes has a module of its own; forget_cached_facts stays
# importable from here.
from agentdesk.desk.kpi_cache import (
    WINDOWS_KEPT,
    Facts,
    Sections,
    ShiftCache,
    Window,
    cache_of,
)
from agentdesk.desk.kpi_cache import forget_cached_facts as forget_cached_facts

if TYPE_CHECKING:
    from agentdesk.core.sla import SlaPolicy

TREND_PERIODS = 8
# Tickets opened this long before a period still count in it (resolved, answered, surveyed
# there): the longest SLA (120 business hours) and a late survey answer fit well inside.
LOOKBACK = timedelta(days=45)


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


def _sections(facts: Facts, period: Period, agent: str | None) -> Sections:
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
    return Sections(
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
    cache = cache_of(desk)
    policy = desk.store.policy
    with cache.lock:
        with desk.reading(), desk.store.read() as connection:
            key = fingerprint(connection)
            kept = cache.windows.get(window)
            if kept is None:
                kept = Window(since, until)
                while len(cache.windows) >= WINDOWS_KEPT:
                    cache.windows.pop(next(iter(cache.windows)))
                cache.windows[window] = kept
            facts = kept.refresh(connection, key, policy, now)
            shift_key = shift_fingerprint(connection)
            shifts = cache.shifts.get(window)
            if shifts is None or shifts.key != shift_key:
                shifts = cache.shifts[window] = ShiftCache(
                    shift_key, read_shifts(connection, since, until)
                )
                while len(cache.shifts) > WINDOWS_KEPT:
                    cache.shifts.pop(next(iter(cache.shifts)))
        shift_facts = shifts.facts(now)
        shift_shares: dict[str | None, list[ShiftFacts]] = {None: shift_facts}
        for fact in shift_facts:
            shift_shares.setdefault(fact.agent, []).append(fact)
        return _assemble(
            facts, shift_shares, period, periods, month, last_month, now, agent, policy
        )


def _kpi_set(
    facts: Facts,
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
        if who is None:
            # The team's set from its parts, which a change updates in place.
            parts = facts.parts.get(p)
            if parts is None:
                parts = facts.parts[p] = TeamParts(inside, p, policy)
            values = dict(parts.kpi_set(now).values)
            values[Kpi.SCHEDULE_ADHERENCE] = kpi.schedule_adherence(shifts, p)
            found = KpiSet(p, values)
        else:
            found = kpi.compute(
                replace(inside, shifts=shifts), p, now, policy, agent=who, split=False
            )
        facts.sets[(p, who)] = (now, found)
        return found
    then, found = kept
    values = dict(found.values)
    values[Kpi.SCHEDULE_ADHERENCE] = kpi.schedule_adherence(shifts, p)
    if facts.ack_moved(p, who, then, now):
        parts = facts.parts.get(p) if who is None else None
        values[Kpi.PRIORITY_ACK_1H] = (
            parts.acknowledged(now) if parts is not None else facts.acknowledged(p, who, now)
        )
        found = KpiSet(p, values)
        facts.sets[(p, who)] = (now, found)
        return found
    return KpiSet(p, values)


def _assemble(
    facts: Facts,
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
