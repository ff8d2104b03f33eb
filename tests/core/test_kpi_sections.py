"""core.kpi_sections.TeamSections: the team's sections kept as their parts are sections_of's
over the whole list, built over a period's slice and after tickets changed in place (the
top issues in the same order, ties included; the average resolution time bit for bit)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import pytest

from agentdesk.core.escalation_metrics import Handoff
from agentdesk.core.kpi import KpiInputs, TicketFacts
from agentdesk.core.kpi_index import KpiIndex
from agentdesk.core.kpi_sections import TeamSections, sections_of
from agentdesk.core.ticket import Tier
from tests.core.test_kpi_index import AGENTS, PERIODS, _in_store_order, _inputs, _moment

AREAS = ("billing", "delivery", "", "account")
TYPES = ("refund", "bug", "")


def _tagged(t: TicketFacts, rng: random.Random) -> TicketFacts:
    # Few topics, so that the top issues tie; resolution stamps off the whole second, so
    # that the order of the sum shows.
    resolved = t.first_resolved_at
    if resolved is not None:
        resolved += timedelta(microseconds=rng.randrange(1_000_000))
    return replace(
        t,
        product_area=rng.choice(AREAS),
        issue_type=rng.choice(TYPES),
        first_resolved_at=resolved,
    )


def _same_as_whole(kept: dict[object, TeamSections], tickets: list[TicketFacts]) -> int:
    compared = 0
    moments = sorted(t.created_at for t in tickets[::7])  # any breach moments will do
    for period, sections in kept.items():
        assert isinstance(period, type(PERIODS[0]))
        expected = sections_of(tickets, tickets, moments, period)
        assert sections.sections(moments) == expected
        compared += sum(n for _, n in expected.top_issues)
    return compared


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_parts_give_the_sections_of_the_whole_list_before_and_after_changes(
    seed: int,
) -> None:
    rng = random.Random(seed)
    base = _in_store_order(_inputs(seed))
    tickets = [_tagged(t, rng) for t in base.tickets]
    index = KpiIndex(KpiInputs(tickets, base.work))
    kept: dict[object, TeamSections] = {
        p: TeamSections(index.within(p).tickets, p) for p in PERIODS
    }
    assert _same_as_whole(kept, tickets) > 300
    ties = 0
    for _ in range(60):
        n = rng.randrange(len(tickets))
        old = tickets[n]
        new = _tagged(
            replace(
                old,
                agent=rng.choice(AGENTS),
                created_at=old.created_at + timedelta(hours=rng.randrange(-200, 200))
                if rng.random() < 0.4
                else old.created_at,
                first_resolved_at=_moment(rng) if rng.random() < 0.6 else None,
                handoffs=(Handoff(Tier.L1, rng.choice([Tier.L2, Tier.L3]), 60),)
                if rng.random() < 0.4
                else (),
            ),
            rng,
        )
        for sections in kept.values():
            sections.put(old, new)
        tickets[n] = new
        for sections in kept.values():
            counts = [c for _, c in sections.sections([]).top_issues]
            ties += len(counts) - len(set(counts))
    assert _same_as_whole(kept, tickets) > 300
    assert ties > 0  # the order of tied topics was put to the test


def test_a_topic_emptied_and_filled_again_keeps_its_place_by_lowest_id() -> None:
    """Counter.most_common breaks ties by first sight, that is by the lowest id opened under
    the topic; a topic emptied and filled again by a higher id goes behind one tied with it."""
    inputs = _in_store_order(_inputs(4))
    period = PERIODS[-3]  # 2026-11: many tickets opened in it
    opened = [t for t in inputs.tickets if period.holds(t.created_at)][:4]
    a, b, c, d = (
        replace(t, product_area=area, issue_type="x", first_resolved_at=None)
        for t, area in zip(opened, ("p", "q", "p", "q"), strict=True)
    )
    sections = TeamSections([a, b, c, d], period)
    assert [name for name, _ in sections.sections([]).top_issues] == ["p / x", "q / x"]
    moved_a = replace(a, product_area="r")
    moved_c = replace(c, product_area="r")
    sections.put(a, moved_a)
    sections.put(c, moved_c)
    back_c = replace(c, product_area="p")
    sections.put(moved_c, back_c)
    expected = sections_of([moved_a, b, back_c, d], [moved_a, b, back_c, d], [], period)
    assert sections.sections([]) == expected
    assert [name for name, _ in expected.top_issues] == ["q / x", "r / x", "p / x"]
