"""The fast KPI path (issue 15, at scale) gives the overview the plain path gave.

The plain path is tests/desk/kpi_reference.py: desk.kpis as it was, the ORM-row read and
core.kpi.compute over whole lists. The fast one reads plain tuples (store.kpi_reads), hands
each KPI a period's slice (core.kpi_index.KpiIndex) and keeps facts and KPI sets between calls
while the store does not change. Equal means the whole KpiOverview compares equal: every
KPI's value, numerator and denominator, for the team, every agent, every trend period and
both months, plus the other sections.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from agentdesk.core import kpi
from agentdesk.core.kpi_definitions import Kpi
from agentdesk.core.kpi_parts import TeamParts
from agentdesk.demo import generate_demo
from agentdesk.desk import Desk, kpi_kept, kpi_window
from agentdesk.desk.kpis import forget_cached_facts, kpi_overview
from agentdesk.store.engine import Store
from agentdesk.store.kpi_reads import read_window
from agentdesk.store.kpi_rows import read_facts
from agentdesk.store.stamps import from_db, to_db
from agentdesk.store.writes import bulk_insert
from tests.desk.conftest import make_desk
from tests.desk.kpi_fixtures import MON, REPORT_NOW, WEEK, at, fill_kpi_week
from tests.desk.kpi_reference import reference_overview
from tests.store.factory import add_people

DEMO_NOW = datetime(2026, 11, 23, 14, 0, tzinfo=MON.tzinfo)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _desk_with(store: Store, clock: Clock) -> Desk:
    desk = make_desk(store, clock.now, agent=None)
    desk.clock = clock
    return desk


def _same(store: Store, clock: Clock, week: str, agent: str | None = None) -> None:
    """The fast overview (twice: cold, then from what it kept) is the reference's."""
    desk = _desk_with(store, clock)
    period = kpi.week(week)
    expected = reference_overview(desk, period, agent=agent)
    assert kpi_overview(desk, period, agent=agent) == expected
    assert kpi_overview(desk, period, agent=agent) == expected


def _all_breached(store: Store) -> None:
    with store.write() as connection:
        bulk_insert(
            connection,
            "sla_breaches",
            [
                {"ticket_id": t, "clock": "first_response", "due_at": due, "recorded_at": due}
                for t, due in ((1, at(0, 9, 1)), (2, at(0, 10, 5)), (4, at(0, 13, 30)))
            ],
        )


def _all_reopened(store: Store) -> None:
    with store.write() as connection:
        bulk_insert(
            connection,
            "audit",
            [
                {
                    "ticket_id": t,
                    "actor": "amara.okafor",
                    "action": "reopen",
                    "field": "status",
                    "old_value": "resolved",
                    "new_value": "in_progress",
                    "at": when,
                }
                for t, when in ((1, at(2, 9)), (3, at(2, 10)))
            ],
        )


def _no_surveys(store: Store) -> None:
    with store.write() as connection:
        connection.execute(text("DELETE FROM survey_answers"))


VARIANTS: dict[str, Callable[[Store], None]] = {
    "as built": lambda store: None,
    "all breached": _all_breached,
    "all reopened": _all_reopened,
    "surveys missing": _no_surveys,
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("agent", [None, "amara.okafor", "li.wei"])
def test_hand_made_week_every_variant(store: Store, variant: str, agent: str | None) -> None:
    fill_kpi_week(store)
    VARIANTS[variant](store)
    clock = Clock(REPORT_NOW)
    for week in (WEEK, "2026-W47", "2026-W49"):
        _same(store, clock, week, agent)


def test_the_variants_do_change_the_figures(store: Store) -> None:
    """The edge data is edge data: all breached gives 100 %, all reopened no FCR, no
    surveys no CSAT (so the equality above compares something)."""
    fill_kpi_week(store)
    desk = _desk_with(store, Clock(REPORT_NOW))
    for change in (_all_breached, _all_reopened, _no_surveys):
        change(store)
    figures = kpi_overview(desk, kpi.week(WEEK)).kpis
    assert figures[Kpi.SLA_BREACH_RATE].value == 1.0
    assert figures[Kpi.FIRST_CONTACT_RESOLUTION].value == 0.0
    assert figures[Kpi.CSAT].value is None and figures[Kpi.NPS].value is None


def test_no_tickets(store: Store) -> None:
    add_people(store, REPORT_NOW)
    _same(store, Clock(REPORT_NOW), WEEK)
    _same(store, Clock(REPORT_NOW), WEEK, "amara.okafor")


def test_the_hour_of_acknowledgement_passes_between_two_refreshes(store: Store) -> None:
    """#4 (P0, opened Mon 13:00, never answered) is not judged at 13:30 and late at 14:01:
    the kept KPI sets must see it age without any change in the store."""
    fill_kpi_week(store)
    clock = Clock(at(0, 13, 30))
    desk = _desk_with(store, clock)
    period = kpi.week(WEEK)
    before = kpi_overview(desk, period)
    assert before.kpis[Kpi.PRIORITY_ACK_1H].denominator == 2
    assert before == reference_overview(desk, period)
    clock.now = at(0, 14, 1)
    after = kpi_overview(desk, period)
    assert after.kpis[Kpi.PRIORITY_ACK_1H].denominator == 3
    assert after == reference_overview(desk, period)


def test_a_shift_counts_once_it_is_over(store: Store) -> None:
    """A planned shift still running is not judged; once its plan ended it is, with no change
    in the store (the shift facts kept for the running one must not stick)."""
    fill_kpi_week(store)
    with store.write() as connection:
        connection.execute(
            text(
                "INSERT INTO shifts (id, agent_handle, planned_start, planned_end, started_at) "
                "VALUES (1, 'amara.okafor', :ps, :pe, :s)"
            ),
            {"ps": to_db(at(0, 8)), "pe": to_db(at(0, 16)), "s": to_db(at(0, 8, 5))},
        )
        connection.execute(
            text(
                "INSERT INTO shift_presence (shift_id, state, started_at) "
                "VALUES (1, 'available', :s)"
            ),
            {"s": to_db(at(0, 8, 5))},
        )
    clock = Clock(at(0, 15))
    desk = _desk_with(store, clock)
    period = kpi.week(WEEK)
    running = kpi_overview(desk, period)
    assert running.kpis[Kpi.SCHEDULE_ADHERENCE].value is None
    assert running == reference_overview(desk, period)
    clock.now = at(0, 17)
    over = kpi_overview(desk, period)
    assert over.kpis[Kpi.SCHEDULE_ADHERENCE].denominator == 1
    assert over == reference_overview(desk, period)
    # Ended by the agent: the store changed, the shift facts are read again.
    with store.write() as connection:
        connection.execute(text("UPDATE shifts SET ended_at = :e"), {"e": to_db(at(0, 12))})
        connection.execute(text("UPDATE shift_presence SET ended_at = :e"), {"e": to_db(at(0, 12))})
    ended = kpi_overview(desk, period)
    assert ended.kpis[Kpi.SCHEDULE_ADHERENCE] != over.kpis[Kpi.SCHEDULE_ADHERENCE]
    assert ended == reference_overview(desk, period)


def test_a_write_between_two_refreshes_is_seen(store: Store) -> None:
    """What is kept is dropped when the store changes (its fingerprint moves)."""
    fill_kpi_week(store)
    desk = _desk_with(store, Clock(REPORT_NOW))
    period = kpi.week(WEEK)
    first = kpi_overview(desk, period)
    _all_breached(store)
    second = kpi_overview(desk, period)
    assert second != first
    assert second == reference_overview(desk, period)
    _no_surveys(store)
    assert kpi_overview(desk, period) == reference_overview(desk, period)


def test_an_answer_replaced_in_place_is_seen(store: Store) -> None:
    """A second answer replaces the first in its row (an upsert): no new row, no new id."""
    fill_kpi_week(store)
    desk = _desk_with(store, Clock(REPORT_NOW))
    period = kpi.week(WEEK)
    assert kpi_overview(desk, period).kpis[Kpi.CSAT].value == 0.5
    with store.write() as connection:
        connection.execute(text("UPDATE survey_answers SET score = 4 WHERE score = 3"))
    again = kpi_overview(desk, period)
    assert again.kpis[Kpi.CSAT].value == 1.0
    assert again == reference_overview(desk, period)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    from agentdesk.shipped import load_sla_policy
    from agentdesk.store.engine import open_store

    store = open_store(tmp_path_factory.mktemp("kpi-demo") / "agentdesk.db", load_sla_policy())
    generate_demo(store, tickets=900, seed=5, now=DEMO_NOW)
    return store


def test_the_demo_store_reads_the_same_facts(demo_store: Store) -> None:
    since, until = DEMO_NOW - timedelta(days=120), DEMO_NOW + timedelta(days=10)
    with demo_store.read() as connection:
        plain = read_facts(connection, since, until)
        fast = read_window(connection, since, until)
    assert len(plain.tickets) > 800 and len(plain.audit) > 3000 and plain.answers
    assert fast == plain


@pytest.mark.parametrize("week", ["2026-W48", "2026-W47", "2026-W45"])
def test_the_demo_store_team_and_every_agent(demo_store: Store, week: str) -> None:
    clock = Clock(DEMO_NOW)
    desk = _desk_with(demo_store, clock)
    forget_cached_facts(desk)
    period = kpi.week(week)
    expected = reference_overview(desk, period)
    assert expected.kpis[Kpi.SLA_BREACH_RATE].denominator > 0
    assert kpi_overview(desk, period) == expected
    # Minutes later (tickets age past their hour, nothing else moves), from what was kept.
    for minutes in (1, 30, 75):
        clock.now = DEMO_NOW + timedelta(minutes=minutes)
        assert kpi_overview(desk, period) == reference_overview(desk, period)
    handles = [card.handle for card in expected.agents]
    assert len(handles) > 3
    for handle in handles[:3]:
        assert kpi_overview(desk, period, agent=handle) == reference_overview(
            desk, period, agent=handle
        )


@pytest.fixture
def changing_store(tmp_path: Path) -> Store:
    from agentdesk.shipped import load_sla_policy
    from agentdesk.store.engine import open_store

    store = open_store(tmp_path / "agentdesk.db", load_sla_policy())
    generate_demo(store, tickets=900, seed=5, now=DEMO_NOW)
    return store


class _Counted:
    """The slices read from the store and the KPI sets computed (an agent's by
    core.kpi.compute, the team's from its parts), between two refreshes."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.reads: list[tuple[datetime, datetime]] = []
        self.tickets_read: list[frozenset[int] | None] = []
        self.computed: list[tuple[kpi.Period, str | None]] = []
        compute = kpi.compute

        def counted(inputs: kpi.KpiInputs, period: kpi.Period, *a: Any, **k: Any) -> kpi.KpiSet:
            self.computed.append((period, k.get("agent")))
            return compute(inputs, period, *a, **k)

        team_set = TeamParts.kpi_set

        def counted_team(parts: TeamParts, now: datetime) -> kpi.KpiSet:
            self.computed.append((parts.period, None))
            return team_set(parts, now)

        monkeypatch.setattr(kpi_window, "slice_read_hook", self._read)
        monkeypatch.setattr(kpi, "compute", counted)
        monkeypatch.setattr(TeamParts, "kpi_set", counted_team)

    def _read(self, since: datetime, until: datetime, tickets: frozenset[int] | None) -> None:
        self.reads.append((since, until))
        self.tickets_read.append(tickets)

    def clear(self) -> None:
        self.reads.clear()
        self.tickets_read.clear()
        self.computed.clear()


def _every_period_is_the_reference(desk: Desk, agent: str) -> None:
    for week in kpi.weeks_before(kpi.week("2026-W48"), 8):
        assert kpi_overview(desk, week) == reference_overview(desk, week)
    period = kpi.week("2026-W48")
    assert kpi_overview(desk, period, agent=agent) == reference_overview(desk, period, agent=agent)


def _a_ticket_opened_in(store: Store, period: kpi.Period, where: str) -> tuple[int, str, str]:
    with store.read() as connection:
        row = connection.execute(
            text(
                "SELECT t.id, a.handle, t.created_at FROM tickets t JOIN agents a "
                "ON a.id = t.assignee_id WHERE t.created_at >= :a AND t.created_at < :b "
                f"AND {where} ORDER BY t.id LIMIT 1"
            ),
            {"a": to_db(period.start), "b": to_db(period.end)},
        ).one()
    return int(row[0]), str(row[1]), str(row[2])


def test_a_write_this_week_keeps_past_weeks(
    changing_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pull answers one ticket of this week: one week of tickets is read again, and only
    the sets of periods holding its moments (this week, this month) for the team and its
    agent are computed again; every figure is still the reference's."""
    store, this_week = changing_store, kpi.week("2026-W48")
    desk = _desk_with(store, Clock(DEMO_NOW))
    counted = _Counted(monkeypatch)
    first = kpi_overview(desk, this_week)
    assert len(counted.reads) > 10  # cold: every week of the window
    ticket, handle, created = _a_ticket_opened_in(
        store, this_week, "t.first_response_at IS NULL AND t.priority IN ('P1', 'P2')"
    )
    with store.write() as connection:
        connection.execute(
            text("UPDATE tickets SET first_response_at = :r, version = version + 1 WHERE id = :t"),
            {"r": to_db(DEMO_NOW - timedelta(minutes=1)), "t": ticket},
        )
    counted.clear()
    second = kpi_overview(desk, this_week)
    computed = list(counted.computed)  # before the reference computes its own
    assert second != first
    assert second == reference_overview(desk, this_week)
    assert len(counted.reads) == 1
    since, until = counted.reads[0]
    assert since <= from_db(created) < until
    november = kpi.month("2026-11")
    assert computed
    assert {p for p, _ in computed} <= {this_week, november}
    assert {who for _, who in computed} <= {None, handle}
    _every_period_is_the_reference(desk, handle)


def test_a_write_to_an_old_week_reads_that_week_again(
    changing_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An escalation to Level 2 recorded in the audit only (no ticket row written) on a
    ticket of three weeks ago: that week is read again and its sets are computed again."""
    store, this_week, old_week = changing_store, kpi.week("2026-W48"), kpi.week("2026-W45")
    desk = _desk_with(store, Clock(DEMO_NOW))
    counted = _Counted(monkeypatch)
    first = kpi_overview(desk, this_week)
    ticket, handle, created = _a_ticket_opened_in(
        store,
        old_week,
        "NOT EXISTS (SELECT 1 FROM audit x WHERE x.ticket_id = t.id AND x.field = 'tier')",
    )
    with store.write() as connection:
        bulk_insert(
            connection,
            "audit",
            [
                {
                    "ticket_id": ticket,
                    "actor": handle,
                    "action": "escalate",
                    "field": "tier",
                    "old_value": "L1",
                    "new_value": "L2",
                    "at": from_db(created) + timedelta(hours=1),
                }
            ],
        )
    counted.clear()
    second = kpi_overview(desk, this_week)
    computed = list(counted.computed)
    assert second == reference_overview(desk, this_week)
    escalated = Kpi.ESCALATION_RATE
    assert second.trend[4][escalated] != first.trend[4][escalated]  # 2026-W45's
    assert len(counted.reads) == 1
    since, until = counted.reads[0]
    assert since <= from_db(created) < until
    # The agent's cards are of this week and the two months: November's is theirs again.
    assert (old_week, None) in computed and (kpi.month("2026-11"), handle) in computed
    assert (kpi.week("2026-W42"), None) not in computed
    _every_period_is_the_reference(desk, handle)


def _answer(store: Store, ticket: int) -> None:
    with store.write() as connection:
        connection.execute(
            text("UPDATE tickets SET first_response_at = :r, version = version + 1 WHERE id = :t"),
            {"r": to_db(DEMO_NOW - timedelta(minutes=1)), "t": ticket},
        )


def _breach(store: Store, ticket: int) -> None:
    """A breach recorded on the ticket: no ticket row written, no audit row."""
    with store.write() as connection:
        bulk_insert(
            connection,
            "sla_breaches",
            [
                {
                    "ticket_id": ticket,
                    "clock": "resolution",
                    "due_at": DEMO_NOW - timedelta(minutes=3),
                    "recorded_at": DEMO_NOW,
                }
            ],
        )


def _resolve(store: Store, ticket: int) -> None:
    """Resolved: an audit row (and the row's stamp) only, as a pull writes it."""
    with store.write() as connection:
        bulk_insert(
            connection,
            "audit",
            [
                {
                    "ticket_id": ticket,
                    "actor": "system",
                    "action": "status",
                    "field": "status",
                    "old_value": "open",
                    "new_value": "resolved",
                    "at": DEMO_NOW - timedelta(minutes=2),
                }
            ],
        )


CHANGES: dict[str, Callable[[Store, int], None]] = {
    "answered": _answer,
    "breached": _breach,
    "resolved by the audit": _resolve,
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_change_to_one_ticket_reads_only_that_ticket(
    changing_store: Store, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """One ticket of this week changes: that ticket alone is read again, the team's index
    is updated in place (the one index built is its agent's share), and every KPI of every
    period, the team's and the agent's, is still the plain path's."""
    store, this_week = changing_store, kpi.week("2026-W48")
    desk = _desk_with(store, Clock(DEMO_NOW))
    counted = _Counted(monkeypatch)
    first = kpi_overview(desk, this_week)
    ticket, handle, created = _a_ticket_opened_in(
        store,
        this_week,
        "t.first_response_at IS NULL AND t.resolved_at IS NULL AND t.priority IN ('P1', 'P2') "
        "AND NOT EXISTS (SELECT 1 FROM sla_breaches b WHERE b.ticket_id = t.id)",
    )
    built: list[kpi.KpiInputs] = []
    index_class = kpi_kept.KpiIndex

    def counted_index(inputs: kpi.KpiInputs) -> kpi_kept.KpiIndex:
        built.append(inputs)
        return index_class(inputs)

    monkeypatch.setattr(kpi_kept, "KpiIndex", counted_index)
    CHANGES[change](store, ticket)
    counted.clear()
    second = kpi_overview(desk, this_week)
    assert counted.tickets_read == [frozenset({ticket})]
    since, until = counted.reads[0]
    assert since <= from_db(created) < until
    assert [{t.agent for t in b.tickets} for b in built] == [{handle}]
    assert second != first
    assert second == reference_overview(desk, this_week)
    _every_period_is_the_reference(desk, handle)
