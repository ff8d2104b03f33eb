"""What desk.kpis.kpi_overview keeps of one window's facts between refreshes (issue 15, at
scale): the team's and each agent's KpiIndex, the team's KPI sets and sections as their
parts, the KPI sets and sections computed from them; and how the ticket changes that
desk.kpi_window found bring them up to date in place.

Their facts take the old ones' places in the kept lists and indexes (core.kpi_index's
put_ticket and put_work, core.kpi_parts and core.kpi_sections' put), and only the KPI sets
whose period and share hold a changed moment are computed again. Everything stays what a
read of the whole window would give, item for item and in the same order
(tests/desk/test_kpi_paths.py compares with the plain path).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

from agentdesk.core import kpi, kpi_definitions
from agentdesk.core.kpi import KpiInputs, KpiSet, Period, ReviewScore, SurveyAnswer, TicketFacts
from agentdesk.core.kpi_index import KpiIndex
from agentdesk.core.kpi_parts import TeamParts
from agentdesk.core.kpi_sections import Sections, TeamSections, sections_of

_ID = attrgetter("id")
_END_AND_TICKET = attrgetter("end", "ticket_id")


@dataclass
class Change:
    """One ticket read again: its facts and finished interactions before and after (None,
    no interactions: not in the window then)."""

    old: TicketFacts | None = None
    new: TicketFacts | None = None
    old_work: list[kpi.Interaction] | None = None
    new_work: list[kpi.Interaction] | None = None

    @property
    def moves_nothing(self) -> bool:
        return self.old == self.new and (self.old_work or []) == (self.new_work or [])

    @property
    def owner_moved(self) -> bool:
        """Did the ticket's agent change (or the ticket come or go)? Its answers are its
        agent's."""
        before = None if self.old is None else (self.old.agent,)
        after = None if self.new is None else (self.new.agent,)
        return before != after


class Touched:
    """The moments of what changed between two reads (each item's old and new version),
    by agent: a KPI set of a period and share holding none of them is the same."""

    def __init__(self) -> None:
        self.moments: list[datetime] = []
        self.by_agent: dict[str, list[datetime]] = {}

    @property
    def agents(self) -> set[str]:
        return set(self.by_agent)

    def add(self, agent: str | None, *moments: datetime | None) -> None:
        for at in moments:
            if at is not None:
                self.moments.append(at)
                if agent:
                    self.by_agent.setdefault(agent, []).append(at)

    def moves(self, p: Period, who: str | None) -> bool:
        moments = self.moments if who is None else self.by_agent.get(who, ())
        return any(p.start <= at < p.end for at in moments)

    def ticket(self, t: TicketFacts | None) -> None:
        if t is not None:
            self.add(t.agent, t.created_at, t.first_response_at, t.first_resolved_at)

    def change(self, c: Change) -> None:
        self.ticket(c.old)
        self.ticket(c.new)
        for w in (*(c.old_work or ()), *(c.new_work or ())):
            self.add(w.agent, w.end)

    def items(
        self, old: Sequence[SurveyAnswer | ReviewScore], new: Sequence[SurveyAnswer | ReviewScore]
    ) -> None:
        before, after = Counter(old), Counter(new)
        for item in (before - after) + (after - before):
            self.add(item.agent, item.at)


def _waiting(index: KpiIndex) -> list[datetime]:
    return sorted(t.created_at for t in index.inputs.tickets if _waits(t))


def _waits(t: TicketFacts | None) -> bool:
    return t is not None and t.first_response_at is None and t.priority.is_priority_ticket


class Facts:
    """One window's facts, worked out once: tickets with their response time, the
    interactions, answers and reviews, indexed by moment for the team and for each agent;
    and the KPI sets and sections already computed from them. Valid while the store's
    fingerprint (store.kpi_reads) is the one they were read at."""

    def __init__(
        self,
        inputs: KpiInputs,
        breach_moments: list[datetime],
        before: Facts | None = None,
        touched: Touched | None = None,
    ) -> None:
        """With `before` (the facts of the last read) and `touched` (what changed since):
        an agent's index, and every KPI set, whose share holds nothing touched is the old
        one, since its inputs are the same items in the same order."""
        self.breach_moments = breach_moments
        self.team = KpiIndex(inputs)
        self.shares: dict[str, KpiIndex] = {}
        kept = before.shares if before is not None and touched is not None else {}
        moved = touched.agents if touched is not None else set()
        for who, part in inputs.by_agent().items():
            found = kept.get(who)
            self.shares[who] = KpiIndex(part) if found is None or who in moved else found
        # Still unanswered P0-P2 tickets, by opening: the one figure a later `now` moves
        # without a change in the store (the 1-hour acknowledgement judges them as they age).
        self.waiting: dict[str | None, list[datetime]] = {None: _waiting(self.team)}
        previous = before.waiting if before is not None else {}
        for who, index in self.shares.items():
            same = index is kept.get(who) and who in previous
            self.waiting[who] = previous[who] if same else _waiting(index)
        self.opened: dict[
            tuple[Period, str | None], tuple[kpi_definitions.KpiValue, list[TicketFacts]]
        ] = {}
        # (the `now` it was computed at, the set, the shift facts its adherence is of)
        self.sets: dict[tuple[Period, str | None], tuple[datetime, KpiSet, object]] = {}
        self.sections: dict[tuple[Period, str | None], Sections] = {}
        # The team's sets and sections as their parts, updated in place after a change
        # (core.kpi_parts, core.kpi_sections).
        self.parts: dict[Period, TeamParts] = {}
        self.section_parts: dict[Period, TeamSections] = {}
        if before is not None and touched is not None:
            self._forget(before, touched)

    def _forget(self, before: Facts, touched: Touched) -> None:
        """Keep of `before`'s sets and sections those no touched moment is in."""
        self.opened = {k: v for k, v in before.opened.items() if not touched.moves(*k)}
        self.sets = {k: v for k, v in before.sets.items() if not touched.moves(*k)}
        # A section reads the team's tickets opened in the period, and the share's opened
        # or resolved there: a touched moment of the team's tells them all.
        self.sections = {k: v for k, v in before.sections.items() if not touched.moves(k[0], None)}

    def updated(self, changes: Collection[Change], touched: Touched) -> bool:
        """These tickets read again, in place: the team's index takes each new version in
        the old one's place, the touched agents' shares are built again (a few hundred
        items each), the rest is kept. The answers and reviews must be the same (so must
        every ticket's agent). False: a change moves other tickets' places (a ticket gone,
        or new among older ones); build the facts anew (this object is spent then)."""
        for c in changes:
            if not self.team.put_ticket(c.old, c.new):
                return False
            if not self.team.put_work(c.old_work or [], c.new_work or []):
                return False
        for p, parts in self.parts.items():
            if touched.moves(p, None):
                for c in changes:
                    parts.put(c.old, c.new, c.old_work or [], c.new_work or [])
        for p, sections in self.section_parts.items():
            if touched.moves(p, None):
                for c in changes:
                    sections.put(c.old, c.new)
        waiting = self.waiting[None]
        for c in changes:
            if _waits(c.old):
                assert c.old is not None
                del waiting[bisect_left(waiting, c.old.created_at)]
            if _waits(c.new):
                assert c.new is not None
                insort(waiting, c.new.created_at)
        ids = {(c.old or c.new).id for c in changes if c.old or c.new}  # type: ignore[union-attr]
        for who in touched.agents:
            share = self.shares.get(who)
            own = share.inputs if share is not None else KpiInputs()
            tickets = [t for t in own.tickets if t.id not in ids]
            tickets += [c.new for c in changes if c.new is not None and c.new.agent == who]
            work = [w for w in own.work if w.ticket_id not in ids]
            work += [w for c in changes for w in c.new_work or () if w.agent == who]
            part = KpiInputs(
                sorted(tickets, key=_ID),
                sorted(work, key=_END_AND_TICKET),
                own.answers,
                own.reviews,
            )
            if part.tickets or part.work or part.answers or part.reviews:
                self.shares[who] = KpiIndex(part)
                self.waiting[who] = _waiting(self.shares[who])
            else:  # nothing of theirs left in the window: no scorecard, as by_agent gives
                self.shares.pop(who, None)
                self.waiting.pop(who, None)
        self._forget(self, touched)
        return True

    def index(self, who: str | None) -> KpiIndex | None:
        return self.team if who is None else self.shares.get(who)

    def sections_of(self, p: Period, who: str | None) -> Sections:
        """The period's sections (the team's, or an agent's), kept until a change touches
        the period; the team's from their parts, which a change updates in place."""
        found = self.sections.get((p, who))
        if found is not None:
            return found
        if who is None:
            parts = self.section_parts.get(p)
            if parts is None:
                parts = self.section_parts[p] = TeamSections(self.team.within(p).tickets, p)
            found = parts.sections(self.breach_moments)
        else:
            index = self.shares.get(who)
            inside = index.within(p).tickets if index is not None else []
            found = sections_of(inside, self.team.opened(p), self.breach_moments, p)
        self.sections[(p, who)] = found
        return found

    def ack_moved(self, p: Period, who: str | None, then: datetime, now: datetime) -> bool:
        """Did a waiting ticket of the period pass its hour between `then` and `now`?"""
        waiting = self.waiting.get(who, [])
        low = max(then - kpi.ACK_WITHIN, p.start)
        high = min(now - kpi.ACK_WITHIN, p.end)
        return low < high and bisect_left(waiting, high) > bisect_left(waiting, low)

    def acknowledged(self, p: Period, who: str | None, now: datetime) -> kpi_definitions.KpiValue:
        """The 1-hour acknowledgement of the period at `now`: the answered P0-P2 tickets'
        part is the same at any `now` and kept; only the unanswered ones are judged again."""
        found = self.opened.get((p, who))
        if found is None:
            index = self.index(who)
            # By opening, not in the inputs' order: the figure is two counts.
            inside = index.opened(p) if index is not None else []
            chosen = [t for t in inside if t.priority.is_priority_ticket]
            answered = [t for t in chosen if t.first_response_at is not None]
            waiting = [t for t in chosen if t.first_response_at is None]
            found = self.opened[(p, who)] = (kpi.acknowledged_among(answered, now), waiting)
        answered_part, waiting = found
        return kpi.share_of_both(answered_part, kpi.acknowledged_among(waiting, now))
