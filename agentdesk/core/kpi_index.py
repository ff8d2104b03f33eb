"""A period's share of the KPI inputs by a few slices (core.kpi.KpiIndex), and its update
in place when one ticket is read again.

It decides nothing: `within` hands the KPI functions of core.kpi a superset of what they
count, in the inputs' own order (so every sum adds the same numbers in the same order), and
they pick as they always do. An update leaves the index exactly as an index built anew
over the changed inputs would be (tests/core/test_kpi_index.py compares them).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from datetime import datetime
from operator import attrgetter
from typing import TypeVar

from agentdesk.core.kpi_facts import Interaction, KpiInputs, TicketFacts
from agentdesk.core.kpi_periods import Period

_T = TypeVar("_T")

# An ordering: the moments ascending, and beside each the position of its item in the
# inputs (ties by position, as a stable sort leaves them).
_Ordered = tuple[list[datetime], list[int]]

# The three moments a ticket is looked up by: opening, first reply, first resolve.
_TICKET_MOMENTS: tuple[Callable[[TicketFacts], datetime | None], ...] = (
    attrgetter("created_at"),
    attrgetter("first_response_at"),
    attrgetter("first_resolved_at"),
)
_ID = attrgetter("id")
_END_AND_TICKET = attrgetter("end", "ticket_id")


def _order(moments: Sequence[datetime | None]) -> _Ordered:
    # Positions sorted by their moment (stable: ties keep the inputs' order); no pair per
    # item, as a refresh after a change may build the team's index again.
    kept = [n for n, at in enumerate(moments) if at is not None]
    kept.sort(key=moments.__getitem__)  # type: ignore[arg-type]
    return [moments[n] for n in kept], kept  # type: ignore[misc]


def _place(ordered: _Ordered, at: datetime, n: int) -> int:
    """Where position n with moment `at` is (or goes) in the ordering."""
    moments, positions = ordered
    low = bisect_left(moments, at)
    return bisect_left(positions, n, low, bisect_right(moments, at, low))


def _remove(ordered: _Ordered, at: datetime | None, n: int) -> None:
    if at is not None:
        k = _place(ordered, at, n)
        del ordered[0][k], ordered[1][k]


def _insert(ordered: _Ordered, at: datetime | None, n: int) -> None:
    if at is not None:
        k = _place(ordered, at, n)
        ordered[0].insert(k, at)
        ordered[1].insert(k, n)


class KpiIndex:
    """The inputs sorted by the moment each KPI reads (opening, first reply, first resolve,
    an interaction's end, an answer, a review, a shift's start), so that a period's share is
    a few slices instead of a pass over everything: a dashboard computes a dozen periods for
    the team and three for each of 200 agents."""

    def __init__(self, inputs: KpiInputs) -> None:
        # Lists of its own: put_ticket and put_work change them in place.
        self.inputs = KpiInputs(
            list(inputs.tickets),
            list(inputs.work),
            list(inputs.answers),
            list(inputs.reviews),
            list(inputs.shifts),
        )
        tickets = self.inputs.tickets
        self._tickets = [_order([moment(t) for t in tickets]) for moment in _TICKET_MOMENTS]
        self._work = _order([w.end for w in self.inputs.work])
        self._answers = _order([a.at for a in self.inputs.answers])
        self._reviews = _order([r.at for r in self.inputs.reviews])
        self._shifts = _order([s.started_at for s in self.inputs.shifts])
        # Are they in store.kpi_reads' order, as put_ticket and put_work need? Found out
        # here, with the index (in C-level passes: generators over the pairs cost the first
        # change after a cold read 500 ms at 50,000 tickets and 170,000 interactions).
        ids = list(map(_ID, tickets))
        self._by_id = ids == sorted(set(ids))  # strictly ascending
        ends = list(map(_END_AND_TICKET, self.inputs.work))
        self._by_end = ends == sorted(ends)

    @staticmethod
    def _positions(ordered: _Ordered, period: Period) -> list[int]:
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

        def pick(items: Sequence[_T], ordered: _Ordered) -> list[_T]:
            return [items[n] for n in sorted(self._positions(ordered, period))]

        return KpiInputs(
            tickets=[i.tickets[n] for n in sorted(chosen)],
            work=pick(i.work, self._work),
            answers=pick(i.answers, self._answers),
            reviews=pick(i.reviews, self._reviews),
            shifts=pick(i.shifts, self._shifts),
        )

    # -- in place, for inputs in store.kpi_reads' order (tickets by id, interactions by
    # end then ticket): the index an index built anew over the changed inputs would be --

    def put_ticket(self, old: TicketFacts | None, new: TicketFacts | None) -> bool:
        """`new` in the place of `old` (the same ticket read again), or `new` added after
        every ticket (a ticket new to the store). False, and nothing changed: the change
        moves other tickets' places (a ticket gone, or added among the others), or the
        tickets are not in id order; build the index anew."""
        tickets = self.inputs.tickets
        assert isinstance(tickets, list)
        if not self._by_id or new is None:
            return old is None and new is None
        if old is None:
            if tickets and tickets[-1].id >= new.id:
                return False
            tickets.append(new)
            for ordered, moment in zip(self._tickets, _TICKET_MOMENTS, strict=True):
                _insert(ordered, moment(new), len(tickets) - 1)
            return True
        n = bisect_left(tickets, old.id, key=_ID)
        if new.id != old.id or n == len(tickets) or tickets[n] != old:
            return False
        tickets[n] = new
        for ordered, moment in zip(self._tickets, _TICKET_MOMENTS, strict=True):
            before, after = moment(old), moment(new)
            if before != after:
                _remove(ordered, before, n)
                _insert(ordered, after, n)
        return True

    def put_work(self, old: Sequence[Interaction], new: Sequence[Interaction]) -> bool:
        """The interactions `new` instead of `old` (one ticket's, read again). False, and
        nothing changed: the interactions are not in (end, ticket) order, or one of `old`
        is not there; build the index anew."""
        work = self.inputs.work
        assert isinstance(work, list)
        if not self._by_end:
            return False
        # In that order an interaction's position is its rank: the ordering by end is the
        # list itself, positions 0..n-1.
        found = []
        for w in old:
            low = bisect_left(work, (w.end, w.ticket_id), key=_END_AND_TICKET)
            high = bisect_right(work, (w.end, w.ticket_id), low, key=_END_AND_TICKET)
            k = next((k for k in range(low, high) if work[k] == w and k not in found), None)
            if k is None:
                return False
            found.append(k)
        moments, positions = self._work
        for k in sorted(found, reverse=True):
            del work[k], moments[k]
        for w in new:
            k = bisect_right(work, (w.end, w.ticket_id), key=_END_AND_TICKET)
            work.insert(k, w)
            moments.insert(k, w.end)
        del positions[len(work) :]
        positions.extend(range(len(positions), len(work)))
        return True
