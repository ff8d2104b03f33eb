"""core.kpi_parts.TeamParts: the team's KPI set kept as its parts is compute's set, built
over a period's slice and after tickets changed in place (every value, numerator and
denominator; the sums of seconds bit for bit, added in the inputs' order)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import pytest

from agentdesk.core import kpi, kpi_definitions
from agentdesk.core.escalation_metrics import Handoff
from agentdesk.core.kpi import Interaction, KpiInputs
from agentdesk.core.kpi_definitions import Kpi
from agentdesk.core.kpi_index import KpiIndex
from agentdesk.core.kpi_parts import TeamParts
from agentdesk.core.ticket import Channel, Tier
from tests.core.test_kpi_index import NOW, PERIODS, POLICY, _in_store_order, _inputs, _moment


def _without_adherence(s: kpi.KpiSet) -> dict[Kpi, kpi_definitions.KpiValue]:
    return {k: v for k, v in s.values.items() if k is not Kpi.SCHEDULE_ADHERENCE}


def _same_as_compute(parts: dict[kpi.Period, TeamParts], inputs: KpiInputs) -> int:
    compared = 0
    index = KpiIndex(inputs)
    for period, kept in parts.items():
        for now in (period.start + timedelta(minutes=30), NOW):
            expected = kpi.compute(index.within(period), period, now, POLICY)
            assert _without_adherence(kept.kpi_set(now)) == _without_adherence(expected)
            assert kept.acknowledged(now) == expected[Kpi.PRIORITY_ACK_1H]
            compared += sum(v.denominator for v in expected.values.values())
    return compared


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_parts_give_compute_s_set_before_and_after_changes(seed: int) -> None:
    rng = random.Random(seed)
    inputs = _in_store_order(replace(_inputs(seed), shifts=()))
    index = KpiIndex(inputs)
    parts = {p: TeamParts(index.within(p), p, POLICY) for p in PERIODS}
    assert _same_as_compute(parts, inputs) > 1000
    tickets, work = list(inputs.tickets), list(inputs.work)
    for _ in range(30):
        n = rng.randrange(len(tickets))
        old = tickets[n]
        shift = timedelta(hours=rng.randrange(-200, 200))
        new = kpi.with_response_seconds(
            [
                replace(
                    old,
                    created_at=old.created_at + shift if rng.random() < 0.3 else old.created_at,
                    first_response_at=_moment(rng) if rng.random() < 0.7 else None,
                    first_resolved_at=_moment(rng) if rng.random() < 0.6 else None,
                    reopened=rng.random() < 0.2,
                    breached=rng.random() < 0.3,
                    handoffs=(Handoff(Tier.L1, Tier.L2, rng.randrange(5000)),)
                    if rng.random() < 0.4
                    else (),
                    first_response_seconds=None,
                )
            ],
            POLICY,
        )[0]
        old_work = [w for w in work if w.ticket_id == old.id]
        new_work = []
        for end in sorted(_moment(rng) for _ in range(rng.randrange(4))):
            seconds = rng.random() * 3000  # not whole seconds: the order of the sum shows
            channel = rng.choice([Channel.PHONE, Channel.EMAIL])
            new_work.append(
                Interaction(old.id, channel, "li", end - timedelta(seconds=seconds), end, seconds)
            )
        for kept in parts.values():
            kept.put(old, new, old_work, new_work)
        tickets[n] = new
        work = sorted(
            [w for w in work if w.ticket_id != old.id] + new_work,
            key=lambda w: (w.end, w.ticket_id),
        )
    assert _same_as_compute(parts, KpiInputs(tickets, work, inputs.answers, inputs.reviews)) > 1000
