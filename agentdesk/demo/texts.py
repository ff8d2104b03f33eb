"""The words of one demo ticket: its placeholder values and the texts filled from them.

Each ticket draws only the placeholder values its texts use, on first use, so the same
{order} appears in its subject, messages and notes.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from agentdesk.core import sla
from agentdesk.core.ticket import Priority
from agentdesk.demo.config import Area, Issue
from agentdesk.demo.draws import below, choice, digits
from agentdesk.demo.people import DemoCustomer, TeamMember
from agentdesk.demo.times import DAY, HOUR, MONTHS, as_datetime, as_seconds, human_time

if TYPE_CHECKING:
    from agentdesk.demo.generator import Generator, TicketPlan

# How far ahead an agent promises a resolution (ETR), by priority.
_ETR_HOURS = {
    Priority.P0: 1,
    Priority.P1: 4,
    Priority.P2: 12,
    Priority.P3: 36,
    Priority.P4: 60,
}
DEADLINE_MARK = "\x00deadline\x00"
"""Stands for a closing note's SLA verdict until the finished ticket is judged."""


class Slots(dict[str, str]):
    """Placeholder values of one ticket, made on first use so each ticket draws only what its
    texts need (and the same {order} appears in its subject, messages and notes)."""

    def __init__(self, make: Callable[[str], str]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, key: str) -> str:
        value = self[key] = self._make(key)
        return value


class TicketWords:
    """What a ticket's texts are made from, and the methods that write them.

    The story (demo.stories.Story) builds on this: it decides when each text is said.
    """

    def __init__(
        self,
        gen: Generator,
        plan: TicketPlan,
        issue: Issue,
        area: Area,
        customer: DemoCustomer,
        agent: TeamMember,
    ) -> None:
        self.gen = gen
        self.rng: random.Random = gen.rng
        self.plan = plan
        self.issue = issue
        self.area = area
        self.customer = customer
        self.agent = agent
        self.created = 0
        self.pauses: list[tuple[int, int | None]] = []
        self.due: int | None = None
        self.note_parts: tuple[str, ...] | None = None
        self.etr = _ETR_HOURS[plan.priority]
        self.slots = Slots(self.make)
        self.slots["customer_first"] = customer.first
        self.slots["ref"] = f"#{plan.id}"

    # -- texts --

    # -- texts --

    def make(self, key: str) -> str:
        """A placeholder's value for this ticket (see data/demo.toml)."""
        cfg, rng = self.gen.cfg, self.rng
        if key in self.issue.texts:
            return self.issue.texts[key].format_map(self.slots)
        if key == "amount":
            return choice(rng, cfg.currency[self.plan.region]) + choice(rng, cfg.prices)
        if key == "date":
            day = as_datetime(self.created - (1 + below(rng, 10)) * DAY)
            return f"{day.day} {MONTHS[day.month]}"
        if key == "city":
            return choice(rng, cfg.cities[self.plan.region])
        if key == "company":
            return choice(rng, cfg.companies)
        if key == "request":
            return choice(rng, self.area.requests).format_map(self.slots)
        return digits(choice(rng, cfg.placeholders[key]), rng)

    def text(self, templates: Sequence[str], at: int, etr_hours: float = 0) -> str:
        self.slots["agent_first"] = self.agent.first
        if etr_hours:
            # Whole hours, as an agent would promise them.
            etr = at + round(etr_hours * HOUR)
            self.slots["etr"] = human_time(etr - etr % HOUR + HOUR)
        return templates[int(self.rng.random() * len(templates))].format_map(self.slots)

    def note(
        self,
        at: int,
        steps: str,
        next_steps: Sequence[str],
        *,
        etr_hours: float = 0,
        closing: bool = False,
    ) -> str:
        rng, slots = self.rng, self.slots
        slots["steps"] = steps
        slots["cause"] = choice(rng, self.issue.causes).format_map(slots)
        slots["next"] = self.text(next_steps, at, etr_hours or self.etr)
        # A closing note says whether the SLA was met, which is known once core.sla has
        # judged the finished ticket (finish() fills it in).
        slots["sla_deadline"] = DEADLINE_MARK if closing else self.deadline()
        text = self.gen.cfg.note_template.format_map(slots)
        # Kept as the structured fields too (ticket_notes), once post() knows the message id.
        self.note_parts = (
            slots["summary"],
            steps,
            slots["cause"],
            slots["next"],
            slots["sla_deadline"],
        )
        return text

    def deadline(self) -> str:
        """The resolution deadline as the first note's author saw it (pauses so far moved it).

        Worked out once per ticket: a business-hours deadline is a calendar walk over weeks.
        """
        if self.due is None:
            gen = self.gen
            seconds, business = gen.targets[self.plan.priority, sla.Clock.RESOLUTION]
            if business and self.pauses:
                calendar = gen.policy.calendars[self.plan.region]
                pauses = tuple(
                    (as_datetime(a), None if b is None else as_datetime(b)) for a, b in self.pauses
                )
                self.due = as_seconds(calendar.add(as_datetime(self.created), seconds, pauses))
            elif business:
                self.due = gen.business_due(self.plan.region, self.created, seconds)
            else:
                due = self.created + seconds
                for start, end in self.pauses:
                    if end is not None and start < due:
                        due += end - start
                self.due = due
        return f"resolution due {human_time(self.due)}"

    def steps(self, *, verify: bool, count: int) -> str:
        rng, slots = self.rng, self.slots
        # A run of consecutive steps: the file lists them in the order they are done.
        steps = self.issue.steps
        first = below(rng, max(1, len(steps) - count + 1))
        parts = [s.format_map(slots) for s in steps[first : first + count]]
        if verify:
            parts.insert(0, choice(rng, self.gen.cfg.verification))
        return " ".join(parts)
