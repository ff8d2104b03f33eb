"""A period's KPI set over the team kept as its parts (issue 15, at scale), so that after a
few tickets changed the set over the changed inputs costs a few look-ups, not a pass over
the month's 40,000 tickets and 140,000 interactions.

Every part is what core.kpi.compute counts, item by item: a count is a count whichever
order the items come in, so the changed tickets' old contributions are taken off and the
new ones added. The two sums of seconds (first response, handle time) are not: float
addition depends on the order, so their terms are kept in the inputs' order (tickets by id,
interactions by end then ticket) and added again in that order, as compute adds them.
tests/core/test_kpi_parts.py compares with compute after random changes.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from agentdesk.core import escalation_metrics, kpi, kpi_definitions
from agentdesk.core.escalation_metrics import TicketEscalations
from agentdesk.core.kpi import KpiInputs, KpiSet
from agentdesk.core.kpi_definitions import Kpi, KpiValue
from agentdesk.core.kpi_facts import Interaction, TicketFacts
from agentdesk.core.kpi_periods import Period
from agentdesk.core.sla import SlaPolicy
from agentdesk.core.ticket import Tier


def _first_l2_seconds(t: TicketFacts) -> int | None:
    # escalation_metrics.time_to_l2_handoff's item: the first handoff to Level 2.
    first = next((h for h in t.handoffs if h.to_tier is Tier.L2), None)
    return None if first is None else first.seconds_to_handoff


class TeamParts:
    """The parts of compute(inputs, period, ...) for the team (no agent), with `inputs`
    in store.kpi_reads' order: tickets by id, interactions by end then ticket."""

    def __init__(self, inputs: KpiInputs, period: Period, policy: SlaPolicy) -> None:
        self.period = period
        self.policy = policy
        self.frt_ids: list[int] = []
        self.frt_seconds: list[float] = []
        self.work_keys: dict[bool, list[tuple[datetime, int]]] = {True: [], False: []}
        self.work_seconds: dict[bool, list[float]] = {True: [], False: []}
        self.resolved = self.first_contact = 0
        self.opened = self.breached = self.escalated = self.reached_l3 = 0
        # The first handoffs to Level 2: whole seconds, so their sum is exact in any order.
        self.l2_total = self.l2_count = 0
        self.acked = self.judged = 0  # the answered P0-P2 tickets' part of the 1-hour ack
        # The unanswered P0-P2 tickets opened in it, by opening: judged once over an hour old.
        self.waiting: list[datetime] = []
        for t in inputs.tickets:
            self._count(t, 1)
            if self._answered_in(t):
                self.frt_ids.append(t.id)
                self.frt_seconds.append(self._seconds(t))
        for w in inputs.work:
            if period.holds(w.end):
                phone = w.channel in kpi_definitions.SYNC_CHANNELS
                self.work_keys[phone].append((w.end, w.ticket_id))
                self.work_seconds[phone].append(w.seconds)
        # Not moved by a ticket's change (the in-place update asks them to be the same).
        self.csat = kpi.csat(inputs.answers, period)
        self.nps = kpi.nps(inputs.answers, period)
        self.qa = kpi.qa_score(inputs.reviews, period)

    def _answered_in(self, t: TicketFacts) -> bool:
        return t.created_at < self.period.end and self.period.holds(t.first_response_at)

    def _seconds(self, t: TicketFacts) -> float:
        seconds = t.first_response_seconds
        return kpi.response_seconds(t, self.policy) if seconds is None else seconds

    def _count(self, t: TicketFacts, sign: int) -> None:
        """Add (sign 1) or take off (-1) what the ticket counts for, but its first response."""
        p = self.period
        if t.created_at >= p.end:
            return
        if p.holds(t.first_resolved_at):
            self.resolved += sign
            if not t.reopened and not kpi._escalated(t):
                self.first_contact += sign
        if not p.holds(t.created_at):
            return
        self.opened += sign
        self.breached += sign * t.breached
        escalations = [TicketEscalations(t.id, t.handoffs)]
        self.escalated += sign * (escalation_metrics.escalation_rate(escalations) == 1.0)
        self.reached_l3 += sign * (escalation_metrics.l3_involvement(escalations) == 100.0)
        seconds = _first_l2_seconds(t)
        if seconds is not None:
            self.l2_total += sign * seconds
            self.l2_count += sign
        if t.priority.is_priority_ticket:
            if t.first_response_at is None:
                if sign > 0:
                    insort(self.waiting, t.created_at)
                else:
                    del self.waiting[bisect_left(self.waiting, t.created_at)]
            else:
                part = kpi.acknowledged_among([t], t.first_response_at)
                self.acked += sign * round(part.numerator)
                self.judged += sign * part.denominator

    def put(
        self,
        old: TicketFacts | None,
        new: TicketFacts | None,
        old_work: Sequence[Interaction],
        new_work: Sequence[Interaction],
    ) -> None:
        """One ticket read again: its old facts and interactions out, the new ones in."""
        if old is not None:
            self._count(old, -1)
            if self._answered_in(old):
                k = bisect_left(self.frt_ids, old.id)
                del self.frt_ids[k], self.frt_seconds[k]
        if new is not None:
            self._count(new, 1)
            if self._answered_in(new):
                k = bisect_left(self.frt_ids, new.id)
                self.frt_ids.insert(k, new.id)
                self.frt_seconds.insert(k, self._seconds(new))
        for w in old_work:
            if self.period.holds(w.end):
                keys = self.work_keys[w.channel in kpi_definitions.SYNC_CHANNELS]
                k = bisect_left(keys, (w.end, w.ticket_id))
                seconds = self.work_seconds[w.channel in kpi_definitions.SYNC_CHANNELS]
                del keys[k], seconds[k]
        for w in new_work:  # in the ticket's own order: ties (one ticket's) keep it
            if self.period.holds(w.end):
                keys = self.work_keys[w.channel in kpi_definitions.SYNC_CHANNELS]
                k = bisect_right(keys, (w.end, w.ticket_id))
                keys.insert(k, (w.end, w.ticket_id))
                self.work_seconds[w.channel in kpi_definitions.SYNC_CHANNELS].insert(k, w.seconds)

    def acknowledged(self, now: datetime) -> KpiValue:
        """acknowledged_among's figure: the answered tickets' part, and of the waiting ones
        those over an hour old (`now - created > ACK_WITHIN`) judged, none acknowledged."""
        older = bisect_left(self.waiting, now - kpi.ACK_WITHIN)
        return kpi._share(Kpi.PRIORITY_ACK_1H, self.acked, self.judged + older)

    def kpi_set(self, now: datetime) -> KpiSet:
        """compute's set (schedule adherence over no shifts: the caller adds them)."""
        p = self.period
        total = 0.0
        for seconds in self.frt_seconds:  # first_response_time's sum, in its order
            total += seconds
        values = [
            kpi._mean(Kpi.FIRST_RESPONSE_TIME, total, len(self.frt_seconds)),
            self._handle_time(Kpi.AVERAGE_HANDLE_TIME_PHONE, self.work_seconds[True]),
            self._handle_time(Kpi.AVERAGE_HANDLE_TIME_ASYNC, self.work_seconds[False]),
            kpi._share(Kpi.FIRST_CONTACT_RESOLUTION, self.first_contact, self.resolved),
            self.csat,
            self.nps,
            self.qa,
            kpi._share(Kpi.SLA_BREACH_RATE, self.breached, self.opened),
            self.acknowledged(now),
            *self._escalations(),
            kpi.schedule_adherence((), p),
        ]
        return KpiSet(p, {v.kpi: v for v in values})

    @staticmethod
    def _handle_time(which: Kpi, seconds: Iterable[float]) -> KpiValue:
        chosen = list(seconds)
        return kpi._mean(which, float(sum(chosen)), len(chosen))

    def _escalations(self) -> list[KpiValue]:
        # escalation_metrics' figures from their counts (its escalation_rate, l3_involvement
        # and time_to_l2_handoff over the opened tickets), as core.kpi turns them into KPIs.
        n = self.opened
        rate = self.escalated / n if n else None
        percent = 100.0 * self.reached_l3 / n if n else None
        share = None if percent is None else percent / 100
        if self.l2_count:
            # statistics.mean of whole seconds: the exact quotient, rounded once, as int /
            # int rounds it (escalation_metrics' mean).
            count = self.l2_count
            seconds = timedelta(seconds=self.l2_total / count).total_seconds()
            to_l2 = KpiValue(Kpi.TIME_TO_L2_HANDOFF, seconds, seconds * count, count)
        else:
            to_l2 = KpiValue(Kpi.TIME_TO_L2_HANDOFF, None, 0.0, 0)
        return [
            KpiValue(Kpi.ESCALATION_RATE, rate, round((rate or 0.0) * n), n),
            to_l2,
            KpiValue(Kpi.L3_INVOLVEMENT, share, round((share or 0.0) * n), n),
        ]
