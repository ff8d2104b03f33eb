"""QA (issue 15): the month's sample per agent, and the QA role's reviews.

The sample is core.qa's (a seeded hash, stable for the month); the rubric and the rates are
data/qa_rubric.toml, the agents' start dates roster.toml (a team folder overrides both).
Recording a review is a write of the QA role's (profile `[agent] role = "qa"`): a read-only
desk refuses it like every write, and a desk of another role is told who records reviews.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from agentdesk.core import kpi
from agentdesk.core.errors import BadInput, Refused
from agentdesk.core.qa import (
    QA_RUBRIC,
    Rubric,
    monthly_sample,
    review_body,
    review_refusal,
    rubric_from_toml,
    sampling_percent,
    score_review,
    start_dates_from_roster,
)
from agentdesk.desk.base import Desk


def rubric(desk: Desk) -> Rubric:
    from agentdesk.shipped import load_toml, shift_file

    path = shift_file(QA_RUBRIC, desk.settings.shift_folder)
    return rubric_from_toml(load_toml(path), str(path))


def start_dates(desk: Desk) -> dict[str, date]:
    from agentdesk.core.shift_files import ROSTER
    from agentdesk.shipped import load_toml, shift_file

    return start_dates_from_roster(load_toml(shift_file(ROSTER, desk.settings.shift_folder)))


@dataclass(frozen=True)
class SampleItem:
    ticket_id: int
    agent: str
    subject: str
    priority: str
    channel: str
    percent: float
    score: float | None
    """The latest review's score, None while not reviewed."""


def qa_sample(desk: Desk, month: str, agent: str | None = None) -> list[SampleItem]:
    """The month's sample: per agent, 5 % of the tickets they resolved in it (10 % in their
    first 8 weeks), with the reviews so far."""
    from agentdesk.store.qa import resolved_between, reviews_of

    period = kpi.month(month)
    rules, started = rubric(desk), start_dates(desk)
    with desk.reading(), desk.store.read() as connection:
        handled = resolved_between(connection, period.start, period.end)
        by_agent: dict[str, list[int]] = {}
        for item in handled:
            by_agent.setdefault(item.agent, []).append(item.ticket_id)
        chosen: dict[int, float] = {}
        for handle, ids in by_agent.items():
            if agent is not None and handle != agent:
                continue
            percent = sampling_percent(rules, started.get(handle), period.start.date())
            for ticket_id in monthly_sample(handle, period.label, ids, percent):
                chosen[ticket_id] = percent
        scores = reviews_of(connection, sorted(chosen))
    return [
        SampleItem(
            h.ticket_id,
            h.agent,
            h.subject,
            h.priority,
            h.channel,
            chosen[h.ticket_id],
            scores.get(h.ticket_id),
        )
        for h in handled
        if h.ticket_id in chosen
    ]


def record_review(
    desk: Desk, ticket_id: int, marks: Mapping[str, bool], comment: str = ""
) -> float:
    """Score the ticket against the rubric, keep the review and send it to the helpdesk as an
    internal comment; returns the score (0..1)."""
    from agentdesk.store.qa import ReviewRecord, send_review_note, ticket_owner, write_review

    role = str(desk.settings.extra.get("role", "agent"))
    refusal = review_refusal(role)
    if refusal and not desk.read_only:
        raise Refused(f"cannot record the QA review: {refusal}", (refusal,))
    rules = rubric(desk)
    result = score_review(rules, marks)
    actor = desk.actor
    now = desk.now()
    with desk.writing("record the QA review"), desk.store.write() as connection:
        owner = ticket_owner(connection, ticket_id)
        if owner is None:
            raise BadInput(f"ticket #{ticket_id}: no such ticket")
        agent, resolved_at = owner
        if not agent:
            raise BadInput(f"ticket #{ticket_id}: nobody handled it, there is nothing to review")
        # The sample's month: the one the interaction was resolved in.
        month = kpi.month_of(resolved_at or now).label
        write_review(
            connection,
            ReviewRecord(
                ticket_id,
                agent,
                actor.handle,
                month,
                marks,
                result.score,
                bool(result.critical_failed),
                " ".join(comment.split()),
                now,
            ),
        )
        body = review_body(rules, agent, month, marks, comment, result)
        send_review_note(
            connection, ticket_id, body, author=actor.name, agent_id=actor.agent_id, at=now
        )
    return result.score


@dataclass(frozen=True)
class QaMonth:
    """What the QA screen shows: the month's sample and the rubric it is scored against."""

    month: str
    items: tuple[SampleItem, ...]
    rubric: Rubric

    @property
    def reviewed(self) -> int:
        return sum(1 for item in self.items if item.score is not None)


def qa_month(desk: Desk, month: str) -> QaMonth:
    """The month's sample (every agent) with the rubric; month is YYYY-MM."""
    label = kpi.month(month).label
    return QaMonth(label, tuple(qa_sample(desk, label)), rubric(desk))


def other_month(month: str, step: int) -> str:
    """The month `step` months after (before, when negative) YYYY-MM."""
    start = kpi.month(month).start
    index = start.year * 12 + start.month - 1 + step
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def reading_view(desk: Desk) -> Desk:
    """The same profile's desk that only reads: a sampled ticket is opened for review, not
    for work (the ticket screen offers no action on a read-only desk)."""
    return Desk(desk.session, desk.clock, read_only=True)
