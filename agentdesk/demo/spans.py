"""How long a demo ticket's clocks ran: the share of its target a clock used (by SLA class),
and the calendar seconds that share takes, business hours and holidays counted. A base of
demo.generator.Generator, kept in a file of its own."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from agentdesk.core import sla
from agentdesk.core.ticket import Priority, Region
from agentdesk.demo.config import DemoConfig
from agentdesk.demo.times import DAY, as_datetime, as_seconds

if TYPE_CHECKING:
    from agentdesk.demo.generator import TicketPlan

_MICROSECOND = timedelta(microseconds=1)


class ClockSpans:
    cfg: DemoConfig
    policy: sla.SlaPolicy
    rng: random.Random
    dues: dict[tuple[Region, datetime, int], int]
    targets: dict[tuple[Priority, sla.Clock], tuple[int, bool]]

    def business_due(self, region: Region, start: int, seconds: int) -> int:
        """calendar.add(start, seconds), shared by tickets opened in the same closed period:
        the clock only starts at the next opening, so their deadlines are the same (and most
        tickets are opened outside a region's business hours)."""
        calendar = self.policy.calendars[region]
        opening = calendar.add(as_datetime(start), 1e-6) - _MICROSECOND
        key = (region, opening, seconds)
        due = self.dues.get(key)
        if due is None:
            due = self.dues[key] = as_seconds(calendar.add(opening, seconds))
        return due

    def fraction(self, sla_class: str) -> float:
        """How much of its target a clock has used, by class."""
        rng = self.rng
        if sla_class == "at_risk":
            return rng.uniform(0.78, 0.97)
        if sla_class == "breached":
            return rng.uniform(1.05, 1.3)
        return 0.02 + 0.68 * math.pow(rng.random(), 1.3)

    def span(
        self, plan: TicketPlan, clock: sla.Clock, frac: float, *, exact_until: int | None = None
    ) -> int:
        """Calendar seconds in which `frac` of the clock's target elapses.

        24x7 targets are exact. A business-hours target is stretched by a fixed factor, which
        stays clear of the deadline however the weekends fall. An at-risk or breached ticket
        must land in its band at `exact_until` (now): its span is found by bisection.
        """
        seconds, business = self.targets[plan.priority, clock]
        wanted = frac * seconds
        if not business:
            return max(60, round(wanted))
        if exact_until is None or plan.sla_class == "ok":
            return max(60, round(wanted * self.cfg.business_stretch))
        calendar = self.policy.calendars[plan.region]
        end = as_datetime(exact_until)
        # Business time never runs faster than the wall clock, and a whole week holds at
        # least a day of it (a holiday week); the bracket keeps the bisection short.
        low, high = max(60, round(wanted)), round(wanted * 7) + 7 * DAY
        if calendar.seconds_between(as_datetime(exact_until - high), end) < wanted:
            high = 60 * DAY  # a calendar with very few open hours
        while high - low > 30:
            middle = (low + high) // 2
            if calendar.seconds_between(as_datetime(exact_until - middle), end) >= wanted:
                high = middle
            else:
                low = middle
        return high
