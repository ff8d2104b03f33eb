"""The KPIs' inputs: what happened to each ticket, each interaction, survey answer, QA
review and shift, as the store recorded it (core.kpi computes every figure from these)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from agentdesk.core.business_hours import Pause
from agentdesk.core.escalation_metrics import Handoff
from agentdesk.core.ticket import Channel, Priority, Region


@dataclass(frozen=True)
class TicketFacts:
    """What happened to one ticket, as the store recorded it."""

    id: int
    agent: str | None
    priority: Priority
    channel: Channel
    region: Region
    created_at: datetime
    first_response_at: datetime | None = None
    first_resolved_at: datetime | None = None
    """The first time it reached Resolved (a reopen does not move it)."""
    reopened: bool = False
    handoffs: tuple[Handoff, ...] = ()
    breached: bool = False
    """At least one SLA breach recorded (store.writes records them by core.sla's rule)."""
    pauses: tuple[Pause, ...] = ()
    product_area: str = ""
    issue_type: str = ""
    first_response_seconds: float | None = None
    """Filled by with_response_seconds; None: first_response_time works it out."""


class AuditFact(NamedTuple):
    """One audit row of a ticket, as handle time and its attribution read it (a tuple: a
    report reads hundreds of thousands of them)."""

    ticket_id: int
    at: datetime
    actor: str
    action: str
    field: str = ""
    new_value: str | None = None


@dataclass(frozen=True)
class Interaction:
    """A finished interaction (core.handle_time's), with the ticket and the agent on it."""

    ticket_id: int
    channel: Channel
    agent: str
    start: datetime
    end: datetime
    seconds: float


@dataclass(frozen=True)
class SurveyAnswer:
    ticket_id: int
    agent: str | None
    kind: str  # "csat" (1-5) or "nps" (0-10)
    score: int
    at: datetime


@dataclass(frozen=True)
class ReviewScore:
    ticket_id: int
    agent: str
    score: float
    """0..1, from core.qa.score_review."""
    at: datetime


@dataclass(frozen=True)
class ShiftFacts:
    agent: str
    started_at: datetime
    planned_seconds: float
    adherent_seconds: float


@dataclass(frozen=True)
class KpiInputs:
    tickets: Sequence[TicketFacts] = ()
    work: Sequence[Interaction] = ()
    answers: Sequence[SurveyAnswer] = ()
    reviews: Sequence[ReviewScore] = ()
    shifts: Sequence[ShiftFacts] = ()

    def for_agent(self, agent: str) -> KpiInputs:
        """The agent's own share: their tickets (the assignee at the end), their
        interactions, answers and reviews of their tickets, their shifts."""
        return self.by_agent().get(agent, KpiInputs())

    def by_agent(self) -> dict[str, KpiInputs]:
        """Every agent's share at once (one pass over each list)."""
        parts: dict[str, dict[str, list[object]]] = defaultdict(
            lambda: {name: [] for name in ("tickets", "work", "answers", "reviews", "shifts")}
        )
        for name, items in (
            ("tickets", self.tickets),
            ("work", self.work),
            ("answers", self.answers),
            ("reviews", self.reviews),
            ("shifts", self.shifts),
        ):
            for item in items:
                who = getattr(item, "agent", None)
                if who:
                    parts[who][name].append(item)
        return {who: KpiInputs(**lists) for who, lists in parts.items()}  # type: ignore[arg-type]
