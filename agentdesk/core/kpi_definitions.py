"""The KPIs of the SOP as definitions (issue 15): what each counts (numerator), out of what
(denominator), on which clock, its unit and target, and how a value is shown. core.kpi
computes them; the KPI board, the supervisor's tiles and the weekly report show them with
these; README.md ("KPI definitions") says the same in prose.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from agentdesk.core.ticket import Channel

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
