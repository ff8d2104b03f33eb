"""The checks around resolving: the three-step confirmation and the 48-hour quality check.

Pure: the store gathers the facts, these functions judge them.

Light to import: config.py needs OnResolve before the first frame, so the note template
(and, through it, the SLA engine) is imported by the check that reads it, not here
(tests/test_import_hygiene.py holds this).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from agentdesk.core import lifecycle
from agentdesk.core.ticket import Status

if TYPE_CHECKING:
    from agentdesk.core.note_template import StructuredNote, Taxonomy

CONFIRMATION_MISSING = (
    "three-step confirmation missing: restate the issue, propose a solution with an ETR "
    "and get the customer's explicit agreement first"
)


class OnResolve(StrEnum):
    """What resolve does when the 48-hour quality check would fail (config [quality])."""

    REFUSE = "refuse"
    ASK = "ask"


@dataclass(frozen=True)
class QualityPolicy:
    on_resolve: OnResolve = OnResolve.REFUSE


def customer_informed(note_at: datetime | None, last_reply_at: datetime | None) -> bool:
    """The quality check's "customer informed": a public reply at or after the structured
    note (the customer heard what was done)."""
    return last_reply_at is not None and note_at is not None and last_reply_at >= note_at


@dataclass(frozen=True)
class Confirmation:
    """The SOP's three-step confirmation as recorded (the wizard that records it is separate)."""

    restated_issue: str
    proposed_solution: str
    etr: str
    customer_agreed: bool
    recorded_at: datetime


def confirmation_recorded(
    confirmation: Confirmation | None, *, since: datetime | None = None
) -> bool:
    """All three steps done: restated, a solution with an ETR proposed, agreement given;
    and, when `since` is given (the current interaction began then, at a reopen), done in
    this interaction: what the customer agreed to before the reopen did not solve it."""
    return (
        confirmation is not None
        and bool(confirmation.restated_issue.strip())
        and bool(confirmation.proposed_solution.strip())
        and bool(confirmation.etr.strip())
        and confirmation.customer_agreed
        and (since is None or confirmation.recorded_at >= since)
    )


@dataclass(frozen=True)
class QualityFacts:
    """What the auto-close quality check reads about one resolved ticket."""

    ticket_id: int
    status: Status
    resolved_at: datetime | None
    note: StructuredNote | None
    note_at: datetime | None
    last_reply_at: datetime | None


def auto_close_due(facts: QualityFacts, now: datetime) -> bool:
    """Resolved and its 48-hour quality window is over."""
    return (
        facts.status is Status.RESOLVED
        and facts.resolved_at is not None
        and now >= lifecycle.auto_close_due(facts.resolved_at)
    )


def quality_problems(facts: QualityFacts, taxonomy: Taxonomy | None = None) -> tuple[str, ...]:
    """Why the ticket may not close itself; empty when it passes."""
    from agentdesk.core.note_template import Tag, describe_missing, missing

    problems: list[str] = []
    gaps = tuple(
        key for key in missing(facts.note, taxonomy) if key not in Tag.__members__.values()
    )
    tag_gaps = tuple(
        key for key in missing(facts.note, taxonomy) if key in Tag.__members__.values()
    )
    if facts.note is None:
        problems.append("no structured note")
    elif gaps:
        problems.append(f"note incomplete ({describe_missing(gaps)})")
    if facts.note is None or tag_gaps:
        problems.append(f"tags missing ({', '.join(tag_gaps or tuple(t.value for t in Tag))})")
    if not customer_informed(facts.note_at, facts.last_reply_at):
        problems.append("customer not informed (no public reply after the note)")
    return tuple(problems)
