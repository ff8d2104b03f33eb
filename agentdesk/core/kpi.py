"""The KPIs of the SOP, each computed once (their definitions, targets and units are
core.kpi_definitions'). The KPI board, the supervisor's tiles and the weekly report all call
these; README.md ("KPI definitions") says the same in prose.

Pure: plain inputs (what happened to each ticket, each survey answer, each QA review, each
shift), a period and `now` passed in. Handle time per interaction is core.handle_time's, the
escalation figures core.escalation_metrics'; this module picks the period's share for them.
A KPI over nothing is None ("no data"), never 0 or 100 %. Periods are half-open UTC
intervals [start, end).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from copy import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from agentdesk.core import escalation_metrics
from agentdesk.core.escalation_metrics import TicketEscalations
from agentdesk.core.kpi_definitions import (
    AGENT_KPIS,
    DEFINITIONS,
    RCA_BREACH_RATE,
    SYNC_CHANNELS,
    Kpi,
    KpiValue,
    Unit,
)

# The periods, the inputs and the interactions' attribution have modules of their own; their
# names stay importable from here, where every caller found them.
from agentdesk.core.kpi_facts import AuditFact as AuditFact
from agentdesk.core.kpi_facts import Interaction as Interaction
from agentdesk.core.kpi_facts import KpiInputs as KpiInputs
from agentdesk.core.kpi_facts import ReviewScore as ReviewScore
from agentdesk.core.kpi_facts import ShiftFacts as ShiftFacts
from agentdesk.core.kpi_facts import SurveyAnswer as SurveyAnswer
from agentdesk.core.kpi_facts import TicketFacts as TicketFacts
from agentdesk.core.kpi_periods import Period as Period
from agentdesk.core.kpi_periods import month as month
from agentdesk.core.kpi_periods import month_of as month_of
from agentdesk.core.kpi_periods import previous as previous
from agentdesk.core.kpi_periods import week as week
from agentdesk.core.kpi_periods import weeks_before as weeks_before
from agentdesk.core.kpi_work import dedupe_continuations as dedupe_continuations
from agentdesk.core.kpi_work import interactions as interactions
from agentdesk.core.sla import Clock, SlaPolicy


def _mean(kpi: Kpi, total: float, count: int) -> KpiValue:
    return KpiValue(kpi, total / count if count else None, total, count)


# -- the KPIs --


def first_response_time(
    tickets: Iterable[TicketFacts], period: Period, policy: SlaPolicy
) -> KpiValue:
    total, count = 0.0, 0
    for t in tickets:
        if not period.holds(t.first_response_at):
            continue
        seconds = t.first_response_seconds
        total += response_seconds(t, policy) if seconds is None else seconds
        count += 1
    return _mean(Kpi.FIRST_RESPONSE_TIME, total, count)


def response_seconds(ticket: TicketFacts, policy: SlaPolicy) -> float:
    """The first response time of one answered ticket, on its first-response SLA clock."""
    assert ticket.first_response_at is not None
    calendar = policy.calendar_for(ticket.priority, ticket.region, Clock.FIRST_RESPONSE)
    return calendar.seconds_between(ticket.created_at, ticket.first_response_at, ticket.pauses)


def _with_seconds(ticket: TicketFacts, seconds: float) -> TicketFacts:
    # A copy with the one field set: dataclasses.replace re-runs every field's init, which
    # over 50,000 tickets cost as much as the business-hours arithmetic.
    found = copy(ticket)
    object.__setattr__(found, "first_response_seconds", seconds)
    return found


def with_response_seconds(tickets: Iterable[TicketFacts], policy: SlaPolicy) -> list[TicketFacts]:
    """The tickets with their first response time worked out once (a report computes the
    KPI for many periods and agents; business-hours arithmetic is the costly part)."""
    return [
        t
        if t.first_response_at is None or t.first_response_seconds is not None
        else _with_seconds(t, response_seconds(t, policy))
        for t in tickets
    ]


def average_handle_time(
    spans: Iterable[Interaction], period: Period, *, phone: bool, agent: str | None = None
) -> KpiValue:
    """AHT of the interactions that ended in the period (with `agent`, theirs)."""
    kpi = Kpi.AVERAGE_HANDLE_TIME_PHONE if phone else Kpi.AVERAGE_HANDLE_TIME_ASYNC
    chosen = [
        span
        for span in spans
        if (span.channel in SYNC_CHANNELS) is phone
        and period.holds(span.end)
        and (agent is None or span.agent == agent)
    ]
    return _mean(kpi, float(sum(s.seconds for s in chosen)), len(chosen))


def first_contact_resolution(tickets: Iterable[TicketFacts], period: Period) -> KpiValue:
    resolved = [t for t in tickets if period.holds(t.first_resolved_at)]
    first = sum(1 for t in resolved if not t.reopened and not _escalated(t))
    return _share(Kpi.FIRST_CONTACT_RESOLUTION, first, len(resolved))


def _share(kpi: Kpi, part: int, whole: int) -> KpiValue:
    return KpiValue(kpi, part / whole if whole else None, float(part), whole)


def share_of_both(a: KpiValue, b: KpiValue) -> KpiValue:
    """One share KPI over two disjoint sets of its items (the figure over their union)."""
    assert a.kpi is b.kpi and DEFINITIONS[a.kpi].unit is Unit.SHARE
    return _share(a.kpi, round(a.numerator + b.numerator), a.denominator + b.denominator)


def csat(answers: Iterable[SurveyAnswer], period: Period) -> KpiValue:
    scores = [a.score for a in answers if a.kind == "csat" and period.holds(a.at)]
    return _share(Kpi.CSAT, sum(1 for s in scores if s >= 4), len(scores))


def nps(answers: Iterable[SurveyAnswer], period: Period) -> KpiValue:
    scores = [a.score for a in answers if a.kind == "nps" and period.holds(a.at)]
    if not scores:
        return KpiValue(Kpi.NPS, None, 0.0, 0)
    net = sum(1 for s in scores if s >= 9) - sum(1 for s in scores if s <= 6)
    return KpiValue(Kpi.NPS, 100.0 * net / len(scores), float(net), len(scores))


def qa_score(reviews: Iterable[ReviewScore], period: Period) -> KpiValue:
    scores = [r.score for r in reviews if period.holds(r.at)]
    return _mean(Kpi.QA_SCORE, sum(scores), len(scores))


def opened_in(tickets: Iterable[TicketFacts], period: Period) -> list[TicketFacts]:
    return [t for t in tickets if period.holds(t.created_at)]


# The KPIs over the tickets opened in the period: each public function picks them
# (opened_in) and applies its rule (_..._of); compute picks them once for all five.


def sla_breach_rate(tickets: Iterable[TicketFacts], period: Period) -> KpiValue:
    return _breach_rate_of(opened_in(tickets, period))


def _breach_rate_of(opened: Sequence[TicketFacts]) -> KpiValue:
    return _share(Kpi.SLA_BREACH_RATE, sum(1 for t in opened if t.breached), len(opened))


def needs_root_cause_analysis(month_rate: KpiValue) -> bool:
    """The SOP: a root-cause analysis when the month's breach rate passes 2 %."""
    return month_rate.value is not None and month_rate.value > RCA_BREACH_RATE


ACK_WITHIN = timedelta(hours=1)


def priority_acknowledged(
    tickets: Iterable[TicketFacts], period: Period, now: datetime
) -> KpiValue:
    """A P0-P2 ticket still unanswered but younger than 1 h is not judged yet."""
    return acknowledged_among(opened_in(tickets, period), now)


def acknowledged_among(opened: Sequence[TicketFacts], now: datetime) -> KpiValue:
    """priority_acknowledged over tickets already known to be opened in the period (any
    subset holding all their P0-P2 ones gives the same figure)."""
    judged = acked = 0
    for t in opened:
        if not t.priority.is_priority_ticket:
            continue
        if t.first_response_at is not None and t.first_response_at - t.created_at <= ACK_WITHIN:
            judged += 1
            acked += 1
        elif t.first_response_at is not None or now - t.created_at > ACK_WITHIN:
            judged += 1
    return _share(Kpi.PRIORITY_ACK_1H, acked, judged)


def _escalated(ticket: TicketFacts) -> bool:
    """Handed to a higher tier at least once (escalation_metrics' rule, for one ticket)."""
    return bool(ticket.handoffs) and (
        escalation_metrics.escalation_rate([_escalations(ticket)]) == 1.0
    )


def _escalations(ticket: TicketFacts) -> TicketEscalations:
    return TicketEscalations(ticket.id, ticket.handoffs)


def escalation_rate(tickets: Iterable[TicketFacts], period: Period) -> KpiValue:
    return _escalation_rate_of([_escalations(t) for t in opened_in(tickets, period)])


def _escalation_rate_of(opened: Sequence[TicketEscalations]) -> KpiValue:
    rate = escalation_metrics.escalation_rate(opened)
    return KpiValue(Kpi.ESCALATION_RATE, rate, round((rate or 0.0) * len(opened)), len(opened))


def l3_involvement(tickets: Iterable[TicketFacts], period: Period) -> KpiValue:
    return _l3_involvement_of([_escalations(t) for t in opened_in(tickets, period)])


def _l3_involvement_of(opened: Sequence[TicketEscalations]) -> KpiValue:
    percent = escalation_metrics.l3_involvement(opened)
    share = None if percent is None else percent / 100
    return KpiValue(Kpi.L3_INVOLVEMENT, share, round((share or 0.0) * len(opened)), len(opened))


def time_to_l2_handoff(tickets: Iterable[TicketFacts], period: Period) -> KpiValue:
    return _time_to_l2_of([_escalations(t) for t in opened_in(tickets, period)])


def _time_to_l2_of(opened: Sequence[TicketEscalations]) -> KpiValue:
    durations = escalation_metrics.time_to_l2_handoff(opened)
    if durations is None:
        return KpiValue(Kpi.TIME_TO_L2_HANDOFF, None, 0.0, 0)
    seconds = durations.mean.total_seconds()
    return KpiValue(Kpi.TIME_TO_L2_HANDOFF, seconds, seconds * durations.count, durations.count)


def schedule_adherence(shifts: Iterable[ShiftFacts], period: Period) -> KpiValue:
    inside = [s for s in shifts if period.holds(s.started_at) and s.planned_seconds > 0]
    planned = sum(s.planned_seconds for s in inside)
    adherent = sum(min(s.adherent_seconds, s.planned_seconds) for s in inside)
    return KpiValue(
        Kpi.SCHEDULE_ADHERENCE, adherent / planned if planned else None, adherent, len(inside)
    )


# -- all at once --


@dataclass(frozen=True)
class KpiSet:
    period: Period
    values: dict[Kpi, KpiValue] = field(default_factory=dict)

    def __getitem__(self, kpi: Kpi) -> KpiValue:
        return self.values[kpi]

    def below_target(self, kpis: Iterable[Kpi] = AGENT_KPIS) -> list[Kpi]:
        return [k for k in kpis if self.values[k].met is False]


def compute(
    inputs: KpiInputs,
    period: Period,
    now: datetime,
    policy: SlaPolicy,
    *,
    agent: str | None = None,
    split: bool = True,
) -> KpiSet:
    """Every KPI for the period; with `agent`, over that agent's share (KpiInputs.for_agent;
    split=False: the inputs are that share already)."""
    own = inputs if agent is None or not split else inputs.for_agent(agent)
    # Each KPI picks its own tickets; narrowing the list first only saves passes over it
    # (nothing opened after the period can be answered, resolved or opened in it).
    start, end = period.start, period.end
    before_end = [t for t in own.tickets if t.created_at < end]
    opened = [t for t in before_end if t.created_at >= start]
    escalations = [_escalations(t) for t in opened]
    values = [
        first_response_time(before_end, period, policy),
        average_handle_time(own.work, period, phone=True, agent=agent),
        average_handle_time(own.work, period, phone=False, agent=agent),
        first_contact_resolution(before_end, period),
        csat(own.answers, period),
        nps(own.answers, period),
        qa_score(own.reviews, period),
        _breach_rate_of(opened),
        acknowledged_among(opened, now),
        _escalation_rate_of(escalations),
        _time_to_l2_of(escalations),
        _l3_involvement_of(escalations),
        schedule_adherence(own.shifts, period),
    ]
    return KpiSet(period, {v.kpi: v for v in values})


def below_two_months_running(
    this_month: Mapping[str, KpiSet], last_month: Mapping[str, KpiSet]
) -> dict[str, list[Kpi]]:
    """Agents below target on the same KPI in both months: the SOP's improvement-plan trigger.
    A KPI without data in either month does not count against the agent."""
    found: dict[str, list[Kpi]] = {}
    for agent, now_set in sorted(this_month.items()):
        before = last_month.get(agent)
        if before is None:
            continue
        both = [k for k in now_set.below_target() if before.values[k].met is False]
        if both:
            found[agent] = both
    return found
