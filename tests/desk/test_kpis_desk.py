"""desk.kpis on a real SQLite file: the store's rows become core.kpi's figures as worked out
by hand in tests/desk/kpi_fixtures.py."""

from __future__ import annotations

import pytest

from agentdesk.core import kpi
from agentdesk.core.kpi_definitions import Kpi
from agentdesk.desk.kpis import KpiOverview, kpi_overview
from agentdesk.store.engine import Store
from tests.desk.conftest import make_desk
from tests.desk.kpi_fixtures import REPORT_NOW, WEEK, fill_kpi_week


@pytest.fixture
def overview(store: Store) -> KpiOverview:
    fill_kpi_week(store)
    return kpi_overview(make_desk(store, REPORT_NOW, agent=None), kpi.week(WEEK))


def _value(overview: KpiOverview, which: Kpi) -> tuple[float | None, float, int]:
    v = overview.kpis[which]
    return v.value, v.numerator, v.denominator


def test_the_team_figures_are_the_hand_computed_ones(overview: KpiOverview) -> None:
    assert _value(overview, Kpi.SLA_BREACH_RATE) == (0.25, 1, 4)
    assert _value(overview, Kpi.PRIORITY_ACK_1H) == (2 / 3, 2, 3)
    assert _value(overview, Kpi.FIRST_CONTACT_RESOLUTION) == (1 / 3, 1, 3)
    assert _value(overview, Kpi.AVERAGE_HANDLE_TIME_PHONE) == (300.0, 300, 1)
    assert _value(overview, Kpi.AVERAGE_HANDLE_TIME_ASYNC) == (1320.0, 6600, 5)
    assert _value(overview, Kpi.CSAT) == (0.5, 1, 2)
    assert _value(overview, Kpi.NPS) == (0.0, 0, 2)
    assert _value(overview, Kpi.ESCALATION_RATE) == (0.25, 1, 4)
    assert _value(overview, Kpi.TIME_TO_L2_HANDOFF) == (1800.0, 1800, 1)
    assert _value(overview, Kpi.L3_INVOLVEMENT) == (0.0, 0, 4)
    assert _value(overview, Kpi.FIRST_RESPONSE_TIME) == (1240.0, 3720, 3)
    assert _value(overview, Kpi.QA_SCORE) == (None, 0, 0)
    assert _value(overview, Kpi.SCHEDULE_ADHERENCE) == (None, 0, 0)
    # Met or not against the SOP's targets.
    assert overview.kpis[Kpi.AVERAGE_HANDLE_TIME_PHONE].met is True
    assert overview.kpis[Kpi.AVERAGE_HANDLE_TIME_ASYNC].met is False
    assert overview.kpis[Kpi.SLA_BREACH_RATE].met is False


def test_the_report_s_other_sections(overview: KpiOverview) -> None:
    assert overview.top_issues == [("login / password_reset", 3), ("billing / double_charge", 1)]
    assert overview.average_resolution_seconds == pytest.approx((300 + 87600 + 3600) / 3)
    assert overview.heatmap[0][12] == 1  # Monday, 12:00 UTC
    assert sum(map(sum, overview.heatmap)) == 1
    assert overview.escalations == {"to Level 2": 1, "to Level 3": 0}
    # November's breach rate is this week's: 25 % > 2 %, a root-cause analysis is due.
    assert overview.root_cause_analysis
    assert [p.period.label for p in overview.trend][-2:] == ["2026-W47", "2026-W48"]
    assert overview.trend[-2][Kpi.SLA_BREACH_RATE].value is None  # nothing the week before


def test_per_agent_scorecards(overview: KpiOverview) -> None:
    cards = {card.handle: card for card in overview.agents}
    assert set(cards) == {"amara.okafor", "li.wei"}
    amara, li = cards["amara.okafor"].kpis, cards["li.wei"].kpis
    # Amara's interactions: the call (300 s); #2's three spells and her half of #3.
    assert amara[Kpi.AVERAGE_HANDLE_TIME_PHONE].value == 300.0
    assert amara[Kpi.AVERAGE_HANDLE_TIME_ASYNC].value == (1200 + 1200 + 600 + 1800) / 4
    assert li[Kpi.AVERAGE_HANDLE_TIME_ASYNC].value == 1800.0
    # Tickets are the final assignee's: #3 (breached, escalated) is Li's.
    assert li[Kpi.SLA_BREACH_RATE].value == 1.0
    assert amara[Kpi.SLA_BREACH_RATE].value == 0.0
    assert amara[Kpi.CSAT].value == 0.5
    assert cards["amara.okafor"].tickets == 2 and cards["li.wei"].tickets == 1  # #4: nobody


def test_an_empty_store_gives_no_data_not_zero(store: Store) -> None:
    from tests.store.factory import add_people

    add_people(store, REPORT_NOW)
    empty = kpi_overview(make_desk(store, REPORT_NOW, agent=None), kpi.week(WEEK))
    assert all(v.value is None for v in empty.kpis.values.values())
    assert empty.top_issues == [] and empty.agents == []
    assert not empty.root_cause_analysis
