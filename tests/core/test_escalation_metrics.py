"""The escalation KPIs, against figures worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agentdesk.core.escalation_metrics import (
    Handoff,
    RiskEvent,
    TicketEscalations,
    escalation_rate,
    l3_involvement,
    notification_delay,
    time_to_l2_handoff,
)
from agentdesk.core.ticket import Tier

L1, L2, L3 = Tier.L1, Tier.L2, Tier.L3
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

# Five tickets: #1 L1->L2 after 10 min, #2 L1->L2 (30 min) then L2->L3, #3 straight to L3
# (20 min), #4 and #5 never escalated.
PERIOD = [
    TicketEscalations(1, (Handoff(L1, L2, 600),)),
    TicketEscalations(2, (Handoff(L1, L2, 1800), Handoff(L2, L3, 5400))),
    TicketEscalations(3, (Handoff(L1, L3, 1200),)),
    TicketEscalations(4),
    TicketEscalations(5),
]


def test_escalation_rate_is_escalated_tickets_over_all() -> None:
    assert escalation_rate(PERIOD) == 3 / 5
    assert escalation_rate([]) is None


def test_time_to_l2_handoff_takes_each_tickets_first_l2_handoff() -> None:
    found = time_to_l2_handoff(PERIOD)
    assert found is not None
    # #1 600 s and #2 1800 s; #3 went to L3 directly and is not counted.
    assert found.count == 2
    assert found.mean == timedelta(minutes=20)
    assert found.median == timedelta(minutes=20)
    assert time_to_l2_handoff(PERIOD[3:]) is None


def test_l3_involvement_is_a_percentage_of_the_period() -> None:
    assert l3_involvement(PERIOD) == 40.0  # #2 and #3 of 5
    assert l3_involvement([]) is None


def test_notification_delay_counts_a_missing_notification_against_the_target() -> None:
    events = [
        RiskEvent(1, T0, T0 + timedelta(minutes=5)),
        RiskEvent(2, T0, T0 + timedelta(minutes=15)),
        RiskEvent(3, T0, T0 + timedelta(minutes=40)),
        RiskEvent(4, T0, None),
    ]
    found = notification_delay(events)
    assert found is not None
    assert (found.notified, found.not_notified) == (3, 1)
    assert found.mean == timedelta(minutes=20)  # (5 + 15 + 40) / 3
    assert found.median == timedelta(minutes=15)
    assert found.within_target == 2 / 4  # 5 and 15 minutes, of four events
    assert notification_delay([]) is None
    nobody = notification_delay([RiskEvent(9, T0)])
    assert nobody is not None and nobody.mean is None and nobody.within_target == 0.0
