"""The KPI overview as desk.kpis computed it before issue 15's speed work, kept verbatim as
the oracle: the plain read (store.kpi_rows.read_facts), every KPI set by core.kpi.compute over
the whole lists, nothing cached. tests/desk/test_kpi_paths.py proves the fast path (plain
tuples, indexed periods, the cache) gives the same overview, field for field."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from agentdesk.core import kpi
from agentdesk.core.kpi import KpiInputs, KpiSet, Period, ShiftFacts
from agentdesk.core.shift import Interval, PlannedShift, Presence, adherent_time
from agentdesk.core.ticket import Tier
from agentdesk.desk.base import Desk
from agentdesk.desk.kpis import LOOKBACK, TREND_PERIODS, AgentCard, Kpi, KpiOverview


def _shift_facts(rows: list[object], now: datetime) -> list[ShiftFacts]:
    from agentdesk.store.kpi_rows import ShiftRow

    found = []
    for row in rows:
        assert isinstance(row, ShiftRow)
        if row.planned_start is None or row.planned_end is None:
            continue
        plan = PlannedShift(row.planned_start, row.planned_end, tuple(row.planned_breaks))
        if row.ended_at is None and now < plan.end:
            continue  # still running (or not begun): judged when it is over
        intervals = [Interval(Presence(state), a, b) for state, a, b in row.presence]
        at = min(now, row.ended_at or now, plan.end)
        found.append(
            ShiftFacts(
                row.agent,
                row.started_at,
                plan.length.total_seconds(),
                adherent_time(plan, intervals, at).total_seconds(),
            )
        )
    return found


def reference_overview(
    desk: Desk, period: Period, *, trend: int = TREND_PERIODS, agent: str | None = None
) -> KpiOverview:
    """Every KPI of the period (the team's, or with `agent` one agent's), its trend, the
    month's, the top issues, the breach heatmap and the per-agent scorecards."""
    from agentdesk.store.kpi_rows import read_facts, read_shifts

    now = desk.now()
    periods = kpi.weeks_before(period, trend)
    month = kpi.month_of(period.end - timedelta(seconds=1))
    last_month = kpi.previous(month)
    since = min(periods[0].start, last_month.start) - LOOKBACK
    until = max(period.end, month.end)
    with desk.reading(), desk.store.read() as connection:
        facts = read_facts(connection, since, until)
        shift_rows = read_shifts(connection, since, until)
    policy = desk.store.policy
    inputs = KpiInputs(
        tickets=kpi.with_response_seconds(facts.tickets, policy),
        work=kpi.interactions(facts.audit, facts.channels, facts.agents, now),
        answers=facts.answers,
        reviews=facts.reviews,
        shifts=_shift_facts(list(shift_rows), now),
    )
    shares = inputs.by_agent()

    def at(p: Period, who: str | None = agent) -> KpiSet:
        # An agent's share is split once (compute's agent= would split it per call).
        own = inputs if who is None else shares.get(who, KpiInputs())
        return kpi.compute(own, p, now, policy, agent=who, split=False)

    this = at(period)
    month_set = at(month)
    opened = [t for t in kpi.opened_in(facts.tickets, period) if agent is None or t.agent == agent]
    topics = Counter(
        f"{t.product_area or 'untagged'} / {t.issue_type or 'untagged'}" for t in opened
    )
    resolved = [
        t
        for t in facts.tickets
        if period.holds(t.first_resolved_at) and (agent is None or t.agent == agent)
    ]
    resolution = [
        (t.first_resolved_at - t.created_at).total_seconds()
        for t in resolved
        if t.first_resolved_at is not None
    ]
    heatmap = [[0] * 24 for _ in range(7)]
    for due in facts.breach_moments:
        if period.holds(due):
            heatmap[due.weekday()][due.hour] += 1
    escalations = {
        "to Level 2": sum(1 for t in opened if any(h.to_tier is Tier.L2 for h in t.handoffs)),
        "to Level 3": sum(1 for t in opened if any(h.to_tier is Tier.L3 for h in t.handoffs)),
    }
    handles = sorted(shares)
    if agent is not None:
        handles = [h for h in handles if h == agent]
    opened_by = Counter(t.agent for t in kpi.opened_in(facts.tickets, period) if t.agent)
    cards = [AgentCard(h, at(period, h), opened_by[h]) for h in handles]
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
        top_issues=topics.most_common(10),
        average_resolution_seconds=sum(resolution) / len(resolution) if resolution else None,
        heatmap=heatmap,
        escalations=escalations,
        agents=cards,
        improvement_plans=plans,
    )
