"""The KPIs for a period (issue 15): facts from the store, every figure from core.kpi.

One gathering feeds the KPI board, the supervisor's tiles and the weekly report, so they
show the same numbers: `kpi_overview(desk, period)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from agentdesk.core import kpi
from agentdesk.core.kpi import KpiInputs, KpiSet, Period, ShiftFacts
from agentdesk.core.kpi_definitions import Kpi
from agentdesk.core.kpi_parts import TeamParts
from agentdesk.desk.base import Desk

# What is kept between refreshes has modules of its own; forget_cached_facts stays
# importable from here.
from agentdesk.desk.kpi_cache import WINDOWS_KEPT, ShiftCache, cache_of
from agentdesk.desk.kpi_cache import forget_cached_facts as forget_cached_facts
from agentdesk.desk.kpi_kept import Facts
from agentdesk.desk.kpi_window import Window

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
        shift_shares = shifts.shares(now)
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
    # The shift facts are the same object while no shift ended (ShiftCache.shares): a kept
    # set's adherence is then the one it has.
    token = shift_shares.get(who)
    kept = facts.sets.get((p, who))
    same_shifts = kept is not None and kept[2] is token and kept[0] <= now
    if same_shifts and kept is not None and not facts.ack_moved(p, who, kept[0], now):
        return kept[1]
    shifts = [s for s in token or () if p.holds(s.started_at)]
    if kept is None or kept[0] > now:
        index = facts.index(who)
        if who is None:
            # The team's set from its parts, which a change updates in place (the period's
            # share of the team's index is read only to build them).
            parts = facts.parts.get(p)
            if parts is None:
                parts = facts.parts[p] = TeamParts(facts.team.within(p), p, policy)
            values = dict(parts.kpi_set(now).values)
            values[Kpi.SCHEDULE_ADHERENCE] = kpi.schedule_adherence(shifts, p)
            found = KpiSet(p, values)
        else:
            inside = index.within(p) if index is not None else KpiInputs()
            found = kpi.compute(
                replace(inside, shifts=shifts), p, now, policy, agent=who, split=False
            )
        facts.sets[(p, who)] = (now, found, token)
        return found
    then, found, _ = kept
    values = dict(found.values)
    values[Kpi.SCHEDULE_ADHERENCE] = kpi.schedule_adherence(shifts, p)
    if facts.ack_moved(p, who, then, now):
        parts = facts.parts.get(p) if who is None else None
        values[Kpi.PRIORITY_ACK_1H] = (
            parts.acknowledged(now) if parts is not None else facts.acknowledged(p, who, now)
        )
        then = now
    # Kept with `then`: the 1-hour acknowledgement is the same from `then` to `now`.
    found = KpiSet(p, values)
    facts.sets[(p, who)] = (then, found, token)
    return found


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
    sections = facts.sections_of(period, agent)
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
