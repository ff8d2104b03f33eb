"""The KPIs of the SOP, each defined once: what counts (numerator), out of what (denominator),
on which clock, and the target. The KPI board, the supervisor's tiles and the weekly report
all call these; README.md ("KPI definitions") says the same in prose.

Pure: plain inputs (what happened to each ticket, each survey answer, each QA review, each
shift), a period and `now` passed in. Handle time per interaction is core.handle_time's, the
escalation figures core.escalation_metrics'; this module picks the period's share for them.
A KPI over nothing is None ("no data"), never 0 or 100 %. Periods are half-open UTC
intervals [start, end).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from copy import copy
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from operator import attrgetter
from typing import NamedTuple, TypeVar

from agentdesk.core import escalation_metrics, handle_time
from agentdesk.core.business_hours import Pause
from agentdesk.core.errors import BadInput
from agentdesk.core.escalation_metrics import Handoff, TicketEscalations
from agentdesk.core.handle_time import TicketEvent
from agentdesk.core.sla import Clock, SlaPolicy
from agentdesk.core.ticket import Channel, Priority, Region

_T = TypeVar("_T")

# -- periods --


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    label: str

    def holds(self, at: datetime | None) -> bool:
        return at is not None and self.start <= at < self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days


_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def week(text: str) -> Period:
    """An ISO week, '2026-W48': Monday 00:00 UTC to the next Monday."""
    found = _WEEK.match(text.strip())
    if not found:
        raise BadInput(f"week {text!r}: expected an ISO week like 2026-W48")
    try:
        monday = date.fromisocalendar(int(found[1]), int(found[2]), 1)
    except ValueError as error:
        raise BadInput(f"week {text!r}: {error}") from None
    start = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    return Period(start, start + timedelta(days=7), f"{found[1]}-W{found[2]}")


def month(text: str) -> Period:
    """A calendar month, '2026-11'."""
    found = _MONTH.match(text.strip())
    if not found or not 1 <= int(found[2]) <= 12:
        raise BadInput(f"month {text!r}: expected a month like 2026-11")
    year, number = int(found[1]), int(found[2])
    start = datetime(year, number, 1, tzinfo=UTC)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC)
    return Period(start, end, f"{year:04d}-{number:02d}")


def month_of(at: datetime) -> Period:
    return month(f"{at.year:04d}-{at.month:02d}")


def previous(period: Period) -> Period:
    """The period of the same kind just before this one."""
    if "-W" in period.label:
        start = period.start - timedelta(days=7)
        year, number, _ = start.date().isocalendar()
        return week(f"{year:04d}-W{number:02d}")
    return month_of(period.start - timedelta(days=1))


def weeks_before(period: Period, count: int) -> list[Period]:
    """The `count` periods ending with this one, oldest first (the trend)."""
    found = [period]
    while len(found) < count:
        found.insert(0, previous(found[0]))
    return found


# -- definitions --


class Kpi(StrEnum):
    FIRST_RESPONSE_TIME = "frt"
    AVERAGE_HANDLE_TIME_PHONE = "aht_phone"
    AVERAGE_HANDLE_TIME_ASYNC = "aht_async"
    FIRST_CONTACT_RESOLUTION = "fcr"
    CSAT = "csat"
    NPS = "nps"
    QA_SCORE = "qa"
    SLA_BREACH_RATE = "sla_breach_rate"
    PRIORITY_ACK_1H = "priority_ack"
    ESCALATION_RATE = "escalation_rate"
    TIME_TO_L2_HANDOFF = "time_to_l2"
    L3_INVOLVEMENT = "l3_involvement"
    SCHEDULE_ADHERENCE = "adherence"


class Unit(StrEnum):
    SHARE = "share"  # 0..1, shown as a percentage
    SECONDS = "seconds"
    SCORE = "score"  # NPS: -100..100


@dataclass(frozen=True)
class Definition:
    kpi: Kpi
    name: str
    numerator: str
    denominator: str
    clock: str
    unit: Unit
    target: float | None = None
    at_least: bool = True
    """True: the target is a floor (FCR >= 75 %); False: a ceiling (AHT <= 300 s)."""
    short: str = ""
    """The tile's title (the board has 26 columns a tile)."""
    counts: str = "tickets"
    """What the denominator counts."""

    def met(self, value: float | None) -> bool | None:
        if value is None or self.target is None:
            return None
        return value >= self.target if self.at_least else value <= self.target

    def describe_target(self) -> str:
        if self.target is None:
            return "no target (watched)"
        sign = ">=" if self.at_least else "<="
        return f"{sign} {format_value(self.unit, self.target)}"


# The month's breach rate above which the SOP asks for a root-cause analysis.
RCA_BREACH_RATE = 0.02
# Phone is the one synchronous channel with a talk-time target; the others are asynchronous.
SYNC_CHANNELS = frozenset({Channel.PHONE})

DEFINITIONS: dict[Kpi, Definition] = {
    d.kpi: d
    for d in (
        Definition(
            Kpi.FIRST_RESPONSE_TIME,
            "First response time",
            "sum of the time from opening to the first public reply",
            "tickets whose first public reply fell in the period",
            "the ticket's first-response SLA clock: business hours for P3-P4, 24x7 for P0-P2; "
            "Pending time excluded",
            Unit.SECONDS,
            short="First response time",
            counts="first replies",
        ),
        Definition(
            Kpi.AVERAGE_HANDLE_TIME_PHONE,
            "Average handle time (phone)",
            "sum of handle time per interaction (core.handle_time: start of work or the call's "
            "intake to the first pend, resolve, escalation or handover)",
            "phone interactions that ended in the period (a handover ends one; the colleague "
            "who takes the ticket on starts the next)",
            "wall clock",
            Unit.SECONDS,
            300.0,
            at_least=False,
            short="AHT phone",
            counts="calls",
        ),
        Definition(
            Kpi.AVERAGE_HANDLE_TIME_ASYNC,
            "Average handle time (async)",
            "sum of handle time per interaction (core.handle_time)",
            "email, chat, social and in-app interactions that ended in the period",
            "wall clock",
            Unit.SECONDS,
            1200.0,
            at_least=False,
            short="AHT async",
            counts="interactions",
        ),
        Definition(
            Kpi.FIRST_CONTACT_RESOLUTION,
            "First contact resolution",
            "of those, tickets never reopened and never escalated",
            "tickets first resolved in the period",
            "none (a count)",
            Unit.SHARE,
            0.75,
            short="FCR",
            counts="resolved",
        ),
        Definition(
            Kpi.CSAT,
            "CSAT",
            "answers of 4 or 5",
            "CSAT answers (1-5) received in the period; tickets without an answer do not count",
            "none (a count)",
            Unit.SHARE,
            0.85,
            short="CSAT",
            counts="answers",
        ),
        Definition(
            Kpi.NPS,
            "NPS",
            "promoters (9-10) minus detractors (0-6), x 100",
            "NPS answers (0-10) received in the period",
            "none (a count)",
            Unit.SCORE,
            30.0,
            short="NPS",
            counts="answers",
        ),
        Definition(
            Kpi.QA_SCORE,
            "QA score",
            "sum of review scores (weighted rubric; a failed critical item scores 0)",
            "QA reviews recorded in the period",
            "none (a count)",
            Unit.SHARE,
            0.90,
            short="QA score",
            counts="reviews",
        ),
        Definition(
            Kpi.SLA_BREACH_RATE,
            "SLA breach rate",
            "of those, tickets with at least one recorded breach (any clock)",
            "tickets opened in the period",
            "each clock's SLA calendar, Pending time excluded (as recorded)",
            Unit.SHARE,
            RCA_BREACH_RATE,
            at_least=False,
            short="SLA breach rate",
            counts="opened",
        ),
        Definition(
            Kpi.PRIORITY_ACK_1H,
            "Priority tickets acknowledged within 1 h",
            "of those, first public reply within 60 minutes of opening",
            "P0-P2 tickets opened in the period, answered or older than 1 h at the time",
            "24x7 wall clock",
            Unit.SHARE,
            0.90,
            short="Priority ack within 1 h",
            counts="P0-P2",
        ),
        Definition(
            Kpi.ESCALATION_RATE,
            "Escalation rate",
            "of those, tickets handed to a higher tier at least once",
            "tickets opened in the period",
            "none (a count)",
            Unit.SHARE,
            short="Escalation rate",
            counts="opened",
        ),
        Definition(
            Kpi.TIME_TO_L2_HANDOFF,
            "Time to L2 handoff",
            "sum of the time from opening to the first handoff to Level 2",
            "tickets opened in the period that were handed to Level 2",
            "24x7 wall clock",
            Unit.SECONDS,
            short="Time to L2 handoff",
            counts="handed to L2",
        ),
        Definition(
            Kpi.L3_INVOLVEMENT,
            "L3 involvement",
            "of those, tickets that reached Level 3",
            "tickets opened in the period",
            "none (a count)",
            Unit.SHARE,
            short="L3 involvement",
            counts="opened",
        ),
        Definition(
            Kpi.SCHEDULE_ADHERENCE,
            "Schedule adherence",
            "time in an allowed state within the planned shifts (core.shift.adherent_time)",
            "planned shift time of shifts that started in the period",
            "wall clock",
            Unit.SHARE,
            0.92,
            short="Schedule adherence",
            counts="shifts",
        ),
    )
}

# The KPIs an agent is held to one by one (the improvement-plan trigger looks at these).
AGENT_KPIS: tuple[Kpi, ...] = (
    Kpi.AVERAGE_HANDLE_TIME_PHONE,
    Kpi.AVERAGE_HANDLE_TIME_ASYNC,
    Kpi.FIRST_CONTACT_RESOLUTION,
    Kpi.CSAT,
    Kpi.QA_SCORE,
    Kpi.SCHEDULE_ADHERENCE,
)


def format_value(unit: Unit, value: float | None) -> str:
    if value is None:
        return "no data"
    if unit is Unit.SHARE:
        return f"{value * 100:.1f}%"
    if unit is Unit.SCORE:
        return f"{value:+.0f}"
    seconds = round(value)
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


# -- inputs --


@dataclass(frozen=True)
class TicketFacts:
    """What happened to one ticket, as the store recorded it."""

    id: int
    agent: str | None
    priority: Priority
    channel: Channel
    region: Region
    created_at: datetime
    first_response_at: datetime | None = None
    first_resolved_at: datetime | None = None
    """The first time it reached Resolved (a reopen does not move it)."""
    reopened: bool = False
    handoffs: tuple[Handoff, ...] = ()
    breached: bool = False
    """At least one SLA breach recorded (store.writes records them by core.sla's rule)."""
    pauses: tuple[Pause, ...] = ()
    product_area: str = ""
    issue_type: str = ""
    first_response_seconds: float | None = None
    """Filled by with_response_seconds; None: first_response_time works it out."""


class AuditFact(NamedTuple):
    """One audit row of a ticket, as handle time and its attribution read it (a tuple: a
    report reads hundreds of thousands of them)."""

    ticket_id: int
    at: datetime
    actor: str
    action: str
    field: str = ""
    new_value: str | None = None


@dataclass(frozen=True)
class Interaction:
    """A finished interaction (core.handle_time's), with the ticket and the agent on it."""

    ticket_id: int
    channel: Channel
    agent: str
    start: datetime
    end: datetime
    seconds: float


@dataclass(frozen=True)
class SurveyAnswer:
    ticket_id: int
    agent: str | None
    kind: str  # "csat" (1-5) or "nps" (0-10)
    score: int
    at: datetime


@dataclass(frozen=True)
class ReviewScore:
    ticket_id: int
    agent: str
    score: float
    """0..1, from core.qa.score_review."""
    at: datetime


@dataclass(frozen=True)
class ShiftFacts:
    agent: str
    started_at: datetime
    planned_seconds: float
    adherent_seconds: float


@dataclass(frozen=True)
class KpiValue:
    kpi: Kpi
    value: float | None
    numerator: float
    denominator: int

    @property
    def definition(self) -> Definition:
        return DEFINITIONS[self.kpi]

    @property
    def met(self) -> bool | None:
        return self.definition.met(self.value)

    @property
    def shown(self) -> str:
        return format_value(self.definition.unit, self.value)


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


_AT = attrgetter("at")  # sort keys over hundreds of thousands of rows: no lambda call each

# Actions that hand a ticket being worked to someone else without moving its status: the
# one who takes it on continues working it, which starts their interaction there.
_HANDING_ON = frozenset({"escalate", "handover"})


def interactions(
    rows: Iterable[AuditFact],
    channels: Mapping[int, Channel],
    agents: Mapping[str, str],
    now: datetime,
) -> list[Interaction]:
    """Every finished interaction of the tickets, oldest end first, each with its agent: the
    assignee when it started (agents maps an assignee id to a handle), else who started it.

    core.handle_time ends an interaction at an escalation or handover; when the ticket stays
    In progress, the colleague it went to starts the next one at that moment (the handed-over
    call is two interactions, one per agent, and no minute of it is lost).
    """
    by_ticket: dict[int, list[AuditFact]] = defaultdict(list)
    for row in rows:
        by_ticket[row.ticket_id].append(row)
    found: list[Interaction] = []
    for ticket_id, ticket_rows in by_ticket.items():
        ticket_rows.sort(key=_AT)
        channel = channels.get(ticket_id, Channel.EMAIL)
        events: list[TicketEvent] = []
        owner_at: list[tuple[datetime, str]] = []
        for row in ticket_rows:
            events.append(TicketEvent(row.at, row.action, row.field, row.new_value))
            if row.field == "assignee_id" and row.new_value:
                owner_at.append((row.at, agents.get(row.new_value, row.new_value)))
            elif row.field == "status" and row.new_value == "in_progress" and not owner_at:
                owner_at.append((row.at, row.actor))
        # The hand-ons: they need the status as it stood at that moment.
        status = ""
        extra: list[TicketEvent] = []
        for row in ticket_rows:
            if row.field == "status" and row.new_value is not None:
                status = row.new_value
            elif row.action in _HANDING_ON and status == "in_progress":
                extra.append(TicketEvent(row.at, "continue", "status", "in_progress"))
        # Stable sort: at the same moment the handover's end comes before the continuation.
        timeline = sorted([*events, *dedupe_continuations(extra)], key=_AT)
        for spell in handle_time.interactions(timeline, channel=channel, now=now):
            if spell.ended_at is None:
                continue  # still running: not a handle time yet
            agent = _owner(owner_at, spell.started_at)
            found.append(
                Interaction(
                    ticket_id, channel, agent, spell.started_at, spell.ended_at, spell.seconds
                )
            )
    found.sort(key=lambda i: (i.end, i.ticket_id))
    return found


def dedupe_continuations(events: list[TicketEvent]) -> list[TicketEvent]:
    """One continuation per moment (an escalation writes one audit row per field)."""
    seen: set[datetime] = set()
    kept = []
    for event in events:
        if event.at not in seen:
            seen.add(event.at)
            kept.append(event)
    return kept


def _owner(owner_at: list[tuple[datetime, str]], at: datetime) -> str:
    """Who held the ticket at `at`: the latest assignment at or before it."""
    held = [who for when, who in owner_at if when <= at]
    if held:
        return held[-1]
    return owner_at[0][1] if owner_at else ""


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
class KpiInputs:
    tickets: Sequence[TicketFacts] = ()
    work: Sequence[Interaction] = ()
    answers: Sequence[SurveyAnswer] = ()
    reviews: Sequence[ReviewScore] = ()
    shifts: Sequence[ShiftFacts] = ()

    def for_agent(self, agent: str) -> KpiInputs:
        """The agent's own share: their tickets (the assignee at the end), their
        interactions, answers and reviews of their tickets, their shifts."""
        return self.by_agent().get(agent, KpiInputs())

    def by_agent(self) -> dict[str, KpiInputs]:
        """Every agent's share at once (one pass over each list)."""
        parts: dict[str, dict[str, list[object]]] = defaultdict(
            lambda: {name: [] for name in ("tickets", "work", "answers", "reviews", "shifts")}
        )
        for name, items in (
            ("tickets", self.tickets),
            ("work", self.work),
            ("answers", self.answers),
            ("reviews", self.reviews),
            ("shifts", self.shifts),
        ):
            for item in items:
                who = getattr(item, "agent", None)
                if who:
                    parts[who][name].append(item)
        return {who: KpiInputs(**lists) for who, lists in parts.items()}  # type: ignore[arg-type]


class KpiIndex:
    """The inputs sorted by the moment each KPI reads (opening, first reply, first resolve,
    an interaction's end, an answer, a review, a shift's start), so that a period's share is
    a few slices instead of a pass over everything: a dashboard computes a dozen periods for
    the team and three for each of 200 agents. It decides nothing: `within` hands the KPI
    functions above a superset of what they count, in the inputs' own order (so every sum
    adds the same numbers in the same order), and they pick as they always do."""

    def __init__(self, inputs: KpiInputs) -> None:
        self.inputs = inputs
        tickets = inputs.tickets

        def order(moments: Sequence[datetime | None]) -> tuple[list[datetime], list[int]]:
            # Positions sorted by their moment (stable: ties keep the inputs' order); no
            # pair per item, as a refresh after a change builds the team's index again.
            kept = [n for n, at in enumerate(moments) if at is not None]
            kept.sort(key=moments.__getitem__)  # type: ignore[arg-type]
            return [moments[n] for n in kept], kept  # type: ignore[misc]

        self._tickets = [
            order([t.created_at for t in tickets]),
            order([t.first_response_at for t in tickets]),
            order([t.first_resolved_at for t in tickets]),
        ]
        self._work = order([w.end for w in inputs.work])
        self._answers = order([a.at for a in inputs.answers])
        self._reviews = order([r.at for r in inputs.reviews])
        self._shifts = order([s.started_at for s in inputs.shifts])

    @staticmethod
    def _positions(ordered: tuple[list[datetime], list[int]], period: Period) -> list[int]:
        moments, positions = ordered
        return positions[bisect_left(moments, period.start) : bisect_left(moments, period.end)]

    def opened(self, period: Period) -> list[TicketFacts]:
        """The tickets opened in the period, by opening (not the inputs' order: for counts)."""
        return [self.inputs.tickets[n] for n in self._positions(self._tickets[0], period)]

    def within(self, period: Period) -> KpiInputs:
        """What any KPI of the period may count, each list in its original order."""
        chosen: set[int] = set()
        for ordered in self._tickets:
            chosen.update(self._positions(ordered, period))
        i = self.inputs

        def pick(items: Sequence[_T], ordered: tuple[list[datetime], list[int]]) -> list[_T]:
            return [items[n] for n in sorted(self._positions(ordered, period))]

        return KpiInputs(
            tickets=[i.tickets[n] for n in sorted(chosen)],
            work=pick(i.work, self._work),
            answers=pick(i.answers, self._answers),
            reviews=pick(i.reviews, self._reviews),
            shifts=pick(i.shifts, self._shifts),
        )


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
