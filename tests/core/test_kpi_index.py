"""core.kpi_index.KpiIndex: a period's slice gives every KPI exactly what the whole lists give.

Tickets, interactions, answers, reviews and shifts scattered over three months (seeded, so
the same every run), some on period boundaries, some with moments out of order (answered
before opened, resolved in another month); compute over `within(period)` must equal compute
over everything, for weeks and months, the team and each agent.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from agentdesk.core import kpi
from agentdesk.core.escalation_metrics import Handoff
from agentdesk.core.kpi import (
    Interaction,
    KpiInputs,
    ReviewScore,
    ShiftFacts,
    SurveyAnswer,
    TicketFacts,
)
from agentdesk.core.kpi_index import KpiIndex
from agentdesk.core.ticket import Channel, Priority, Region, Tier
from agentdesk.shipped import load_sla_policy

POLICY = load_sla_policy()
START = datetime(2026, 10, 1, tzinfo=UTC)
NOW = datetime(2026, 12, 20, 12, 0, tzinfo=UTC)
AGENTS = ("amara", "li", "sam", None)


def _moment(rng: random.Random) -> datetime:
    if rng.random() < 0.1:  # exactly on a week's or a month's edge
        return rng.choice(
            [datetime(2026, 11, 2, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC), START]
        )
    return START + timedelta(seconds=rng.randrange(80 * 86400))


def _inputs(seed: int) -> KpiInputs:
    rng = random.Random(seed)
    tickets = []
    for n in range(400):
        created = _moment(rng)
        answered = created + timedelta(minutes=rng.randrange(-30, 3000))
        resolved = created + timedelta(hours=rng.randrange(0, 400))
        handoffs = (
            (Handoff(Tier.L1, Tier.L2, rng.randrange(9000)),)
            if rng.random() < 0.2
            else ((Handoff(Tier.L1, Tier.L3, 60),) if rng.random() < 0.05 else ())
        )
        tickets.append(
            TicketFacts(
                id=n,
                agent=rng.choice(AGENTS),
                priority=rng.choice(list(Priority)),
                channel=rng.choice(list(Channel)),
                region=rng.choice(list(Region)),
                created_at=created,
                first_response_at=answered if rng.random() < 0.8 else None,
                first_resolved_at=resolved if rng.random() < 0.7 else None,
                reopened=rng.random() < 0.1,
                handoffs=handoffs,
                breached=rng.random() < 0.15,
            )
        )
    tickets = kpi.with_response_seconds(tickets, POLICY)
    work = []
    for n in range(300):
        start = _moment(rng)
        seconds = rng.randrange(30, 4000)
        work.append(
            Interaction(
                n,
                rng.choice(list(Channel)),
                rng.choice(("amara", "li", "sam")),
                start,
                start + timedelta(seconds=seconds),
                float(seconds),
            )
        )
    work.sort(key=lambda i: (i.end, i.ticket_id))
    answers = [
        SurveyAnswer(
            rng.randrange(400),
            rng.choice(AGENTS),
            kind := rng.choice(("csat", "nps")),
            rng.randrange(1, 6) if kind == "csat" else rng.randrange(11),
            _moment(rng),
        )
        for _ in range(200)
    ]
    reviews = [
        ReviewScore(rng.randrange(400), rng.choice(("amara", "li")), rng.random(), _moment(rng))
        for _ in range(60)
    ]
    shifts = [
        ShiftFacts(rng.choice(("amara", "li", "sam")), _moment(rng), 28800.0, rng.randrange(28800))
        for _ in range(90)
    ]
    return KpiInputs(tickets, work, answers, reviews, shifts)


PERIODS = [
    *kpi.weeks_before(kpi.week("2026-W51"), 13),
    kpi.month("2026-10"),
    kpi.month("2026-11"),
    kpi.month("2026-12"),
    kpi.month("2027-01"),
]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_period_s_slice_gives_every_kpi_the_whole_list_s_figure(seed: int) -> None:
    inputs = _inputs(seed)
    team = KpiIndex(inputs)
    shares = {who: KpiIndex(part) for who, part in inputs.by_agent().items()}
    compared = 0
    for period in PERIODS:
        whole = kpi.compute(inputs, period, NOW, POLICY)
        assert kpi.compute(team.within(period), period, NOW, POLICY) == whole
        for who, index in shares.items():
            whole = kpi.compute(inputs, period, NOW, POLICY, agent=who)
            sliced = kpi.compute(index.within(period), period, NOW, POLICY, agent=who, split=False)
            assert sliced == whole
            compared += sum(v.denominator for v in whole.values.values())
    assert compared > 1000  # the periods do hold data


def test_the_slice_keeps_the_lists_order() -> None:
    """Sums add the same numbers in the same order: the slice is in the inputs' order."""
    inputs = _inputs(4)
    inside = KpiIndex(inputs).within(kpi.month("2026-11"))
    positions = {id(t): n for n, t in enumerate(inputs.tickets)}
    ordered = [positions[id(t)] for t in inside.tickets]
    assert ordered == sorted(ordered) and len(ordered) > 50


@pytest.mark.parametrize("seed", [1, 2])
def test_the_acknowledgement_in_two_parts_is_the_whole_s(seed: int) -> None:
    """desk.kpis keeps the answered tickets' part and judges the unanswered ones again as
    the clock moves: the two parts together give priority_acknowledged's figure."""
    tickets = _inputs(seed).tickets
    for period in PERIODS:
        opened = kpi.opened_in(tickets, period)
        answered = [t for t in opened if t.first_response_at is not None]
        waiting = [t for t in opened if t.first_response_at is None]
        for now in (period.start + timedelta(minutes=30), period.end, NOW):
            whole = kpi.priority_acknowledged(tickets, period, now)
            both = kpi.share_of_both(
                kpi.acknowledged_among(answered, now), kpi.acknowledged_among(waiting, now)
            )
            assert both == whole


def _in_store_order(inputs: KpiInputs) -> KpiInputs:
    """store.kpi_reads' order, the one the in-place updates keep: tickets by id,
    interactions by end then ticket."""
    return KpiInputs(
        sorted(inputs.tickets, key=lambda t: t.id),
        sorted(inputs.work, key=lambda w: (w.end, w.ticket_id)),
        inputs.answers,
        inputs.reviews,
    )


def _changed(t: TicketFacts, rng: random.Random) -> TicketFacts:
    """The ticket read again: answered, resolved or opened at another moment."""
    from dataclasses import replace

    shift = timedelta(hours=rng.randrange(-300, 300))
    return replace(
        t,
        created_at=t.created_at + shift if rng.random() < 0.3 else t.created_at,
        first_response_at=(t.first_response_at or t.created_at) + shift
        if rng.random() < 0.6
        else None,
        first_resolved_at=t.first_resolved_at if rng.random() < 0.5 else t.created_at + shift,
        first_response_seconds=None,
    )


def _same_index(a: KpiIndex, b: KpiIndex) -> None:
    for period in PERIODS:
        assert a.within(period) == b.within(period)
        assert a.opened(period) == b.opened(period)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_index_updated_in_place_is_the_index_built_anew(seed: int) -> None:
    """put_ticket and put_work leave the index an index over the changed inputs would be:
    every period's slice the same, item for item and in order."""
    rng = random.Random(seed)
    inputs = _in_store_order(_inputs(seed))
    index = KpiIndex(inputs)
    tickets, work = list(inputs.tickets), list(inputs.work)
    for _ in range(40):
        n = rng.randrange(len(tickets))
        old = tickets[n]
        new = kpi.with_response_seconds([_changed(old, rng)], POLICY)[0]
        old_work = [w for w in work if w.ticket_id == old.id]
        new_work = [
            Interaction(old.id, Channel.PHONE, "amara", end - timedelta(minutes=5), end, 300.0)
            for end in sorted(_moment(rng) for _ in range(rng.randrange(3)))
        ]
        assert index.put_ticket(old, new)
        assert index.put_work(old_work, new_work)
        tickets[n] = new
        work = sorted(
            [w for w in work if w.ticket_id != old.id] + new_work,
            key=lambda w: (w.end, w.ticket_id),
        )
    # A ticket new to the store comes after every other one.
    newest = replace_id(tickets[0], max(t.id for t in tickets) + 1)
    assert index.put_ticket(None, newest)
    tickets.append(newest)
    _same_index(index, KpiIndex(KpiInputs(tickets, work, inputs.answers, inputs.reviews)))


def replace_id(t: TicketFacts, ticket_id: int) -> TicketFacts:
    from dataclasses import replace

    return replace(t, id=ticket_id)


def test_what_would_move_other_tickets_places_is_refused() -> None:
    """A ticket gone, or new among older ones: the index says so and stays as it was."""
    inputs = _in_store_order(_inputs(5))
    index = KpiIndex(inputs)
    first = inputs.tickets[0]
    assert not index.put_ticket(first, None)
    assert not index.put_ticket(None, replace_id(first, first.id))
    stray = Interaction(999_999, Channel.EMAIL, "li", START, START, 1.0)
    assert not index.put_work([stray], [])
    _same_index(index, KpiIndex(inputs))
