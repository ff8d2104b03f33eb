"""The overview's sections that are counts of facts, not KPIs (issue 15): the top issues,
the average resolution time, the breach heatmap, the escalations, the tickets opened per
agent. `sections_of` works them out over a period's share; TeamSections keeps the team's
as their parts, so that after a few tickets changed the sections cost a few look-ups, not a
pass over the week's 15,000 tickets (tests/core/test_kpi_sections.py compares the two after
random changes).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from agentdesk.core.kpi_facts import TicketFacts
from agentdesk.core.kpi_periods import Period
from agentdesk.core.ticket import Tier

TOP_ISSUES = 10


@dataclass(frozen=True)
class Sections:
    """The overview's parts that are facts only (no `now`, no KPI)."""

    top_issues: list[tuple[str, int]]
    average_resolution_seconds: float | None
    heatmap: list[list[int]]
    escalations: dict[str, int]
    opened_by: Counter[str]


def topic(t: TicketFacts) -> str:
    return f"{t.product_area or 'untagged'} / {t.issue_type or 'untagged'}"


def _resolution_seconds(t: TicketFacts) -> float:
    assert t.first_resolved_at is not None
    return (t.first_resolved_at - t.created_at).total_seconds()


def _to(t: TicketFacts, tier: Tier) -> bool:
    return any(h.to_tier is tier for h in t.handoffs)


def heatmap(breach_moments: Sequence[datetime], period: Period) -> list[list[int]]:
    """[weekday 0=Mon][hour UTC] breaches falling due in the period."""
    found = [[0] * 24 for _ in range(7)]
    for due in breach_moments:
        if period.holds(due):
            found[due.weekday()][due.hour] += 1
    return found


def sections_of(
    tickets: Sequence[TicketFacts],
    team_opened: Sequence[TicketFacts],
    breach_moments: Sequence[datetime],
    period: Period,
) -> Sections:
    """The sections of the period over `tickets` (the share's, by id: what any section of
    the period may count) and `team_opened` (the team's tickets opened in the period, in
    any order: the tickets opened per agent)."""
    opened = [t for t in tickets if period.holds(t.created_at)]
    topics = Counter(topic(t) for t in opened)
    resolution = [_resolution_seconds(t) for t in tickets if period.holds(t.first_resolved_at)]
    return Sections(
        top_issues=topics.most_common(TOP_ISSUES),
        average_resolution_seconds=sum(resolution) / len(resolution) if resolution else None,
        heatmap=heatmap(breach_moments, period),
        escalations={
            "to Level 2": sum(1 for t in opened if _to(t, Tier.L2)),
            "to Level 3": sum(1 for t in opened if _to(t, Tier.L3)),
        },
        opened_by=Counter(t.agent for t in team_opened if period.holds(t.created_at) and t.agent),
    )


class TeamSections:
    """sections_of(tickets, tickets, ...) of the team kept as its parts, for tickets in
    store.kpi_reads' order (by id). Counts are counts in any order; the two orders that
    show are kept: the top issues' ties go as Counter.most_common leaves them (first seen,
    that is by the lowest id opened under the topic), and the resolution seconds are added
    in id order, as sum() over the list adds them."""

    def __init__(self, tickets: Sequence[TicketFacts], period: Period) -> None:
        self.period = period
        self.topics: dict[str, list[int]] = {}  # topic -> ids opened in the period, ascending
        self.resolved_ids: list[int] = []
        self.resolved_seconds: list[float] = []
        self.to_l2 = self.to_l3 = 0
        self.opened_by: Counter[str] = Counter()
        self._heatmap: tuple[Sequence[datetime], list[list[int]]] | None = None
        for t in tickets:
            self._put(t, 1)

    def _put(self, t: TicketFacts, sign: int) -> None:
        p = self.period
        if p.holds(t.first_resolved_at):
            k = bisect_left(self.resolved_ids, t.id)
            if sign > 0:
                self.resolved_ids.insert(k, t.id)
                self.resolved_seconds.insert(k, _resolution_seconds(t))
            else:
                del self.resolved_ids[k], self.resolved_seconds[k]
        if not p.holds(t.created_at):
            return
        ids = self.topics.setdefault(topic(t), [])
        if sign > 0:
            insort(ids, t.id)
        else:
            del ids[bisect_left(ids, t.id)]
            if not ids:
                del self.topics[topic(t)]
        self.to_l2 += sign * _to(t, Tier.L2)
        self.to_l3 += sign * _to(t, Tier.L3)
        if t.agent:
            self.opened_by[t.agent] += sign
            if not self.opened_by[t.agent]:
                del self.opened_by[t.agent]

    def put(self, old: TicketFacts | None, new: TicketFacts | None) -> None:
        """One ticket read again: its old facts out, the new ones in."""
        if old is not None:
            self._put(old, -1)
        if new is not None:
            self._put(new, 1)

    def sections(self, breach_moments: Sequence[datetime]) -> Sections:
        found = self._heatmap
        if found is None or found[0] is not breach_moments:
            found = self._heatmap = (breach_moments, heatmap(breach_moments, self.period))
        counts = sorted(
            ((name, len(ids)) for name, ids in self.topics.items()),
            key=lambda item: (-item[1], self.topics[item[0]][0]),
        )
        seconds = self.resolved_seconds
        return Sections(
            top_issues=counts[:TOP_ISSUES],
            average_resolution_seconds=sum(seconds) / len(seconds) if seconds else None,
            heatmap=[list(row) for row in found[1]],
            escalations={"to Level 2": self.to_l2, "to Level 3": self.to_l3},
            opened_by=Counter(self.opened_by),
        )
