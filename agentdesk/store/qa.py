"""QA reviews (issue 15): the one writer of `qa_reviews`, and what the sample is drawn from.

A review is kept here and told to the team through the helpdesk: an internal note on the
ticket (core.qa.review_body) with its outbox row, which sync sends to RT as a comment. Every
other agentdesk's pull recognises that comment (store.history_rows) and records the review.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from agentdesk.core.qa import ParsedReview, parse_review_body
from agentdesk.store.audit import AuditRecord, write_audit
from agentdesk.store.types import from_db, to_db

REVIEW_ACTION = "qa_review"


@dataclass(frozen=True)
class ReviewRecord:
    ticket_id: int
    agent: str
    reviewer: str
    month: str
    marks: Mapping[str, bool]
    score: float
    critical_failed: bool
    comment: str
    at: datetime


def write_review(connection: Connection, review: ReviewRecord) -> None:
    """The review (one per reviewer and ticket: a second one replaces it), audited."""
    connection.execute(
        text(
            "INSERT INTO qa_reviews (ticket_id, agent_handle, reviewer, month, marks, score, "
            "critical_failed, comment, at) VALUES (:t, :agent, :by, :month, :marks, :score, "
            ":critical, :comment, :at) ON CONFLICT (ticket_id, reviewer) DO UPDATE SET "
            "agent_handle = :agent, month = :month, marks = :marks, score = :score, "
            "critical_failed = :critical, comment = :comment, at = :at"
        ),
        {
            "t": review.ticket_id,
            "agent": review.agent,
            "by": review.reviewer,
            "month": review.month,
            "marks": json.dumps(dict(review.marks), sort_keys=True),
            "score": review.score,
            "critical": int(review.critical_failed),
            "comment": review.comment,
            "at": to_db(review.at),
        },
    )
    write_audit(
        connection,
        [
            AuditRecord(
                review.ticket_id,
                review.reviewer,
                REVIEW_ACTION,
                "qa_score",
                None,
                f"{review.score * 100:.0f}% for {review.agent} ({review.month})",
                review.at,
            )
        ],
    )


def send_review_note(
    connection: Connection,
    ticket_id: int,
    body: str,
    *,
    author: str,
    agent_id: int | None,
    at: datetime,
) -> None:
    """The review as an internal note, and its outbox row: sync sends it as a comment."""
    stamp = to_db(at)
    connection.execute(
        text(
            "INSERT INTO messages (ticket_id, kind, author, agent_id, body, created_at) "
            "VALUES (:t, 'internal_note', :author, :agent, :body, :at)"
        ),
        {"t": ticket_id, "author": author, "agent": agent_id, "body": body, "at": stamp},
    )
    connection.execute(
        text(
            "INSERT INTO outbox (ticket_id, op, payload, created_at) "
            "VALUES (:t, :op, :payload, :at)"
        ),
        {
            "t": ticket_id,
            "op": REVIEW_ACTION,
            "payload": json.dumps(
                {"message": {"kind": "internal_note", "body": body}}, sort_keys=True
            ),
            "at": stamp,
        },
    )


def recognise_pulled_review(
    connection: Connection, ticket_id: int, body: str, author: str, at: datetime
) -> ParsedReview | None:
    """A colleague's QA review pulled from the helpdesk: recorded as theirs."""
    parsed = parse_review_body(body)
    if parsed is not None:
        write_review(
            connection,
            ReviewRecord(
                ticket_id,
                parsed.agent,
                author,
                parsed.month,
                parsed.marks,
                parsed.score,
                bool(parsed.critical_failed),
                parsed.comment,
                at,
            ),
        )
    return parsed


@dataclass(frozen=True)
class Handled:
    ticket_id: int
    agent: str
    subject: str
    priority: str
    channel: str


def resolved_between(connection: Connection, since: datetime, until: datetime) -> list[Handled]:
    """The interactions QA samples from: tickets resolved in [since, until), by assignee."""
    rows = connection.execute(
        text(
            "SELECT t.id, a.handle, t.subject, t.priority, t.channel FROM tickets t "
            "JOIN agents a ON a.id = t.assignee_id "
            "WHERE t.resolved_at >= :a AND t.resolved_at < :b ORDER BY t.id"
        ),
        {"a": to_db(since), "b": to_db(until)},
    )
    return [
        Handled(int(r.id), str(r.handle), str(r.subject), str(r.priority), str(r.channel))
        for r in rows
    ]


def reviews_of(connection: Connection, ticket_ids: list[int]) -> dict[int, float]:
    """ticket id -> the latest review's score, for the tickets given."""
    if not ticket_ids:
        return {}
    found: dict[int, float] = {}
    for r in connection.execute(
        text(
            "SELECT ticket_id, score FROM qa_reviews WHERE ticket_id IN "
            f"({', '.join(str(int(t)) for t in ticket_ids)}) ORDER BY at"
        )
    ):
        found[int(r.ticket_id)] = float(r.score)
    return found


def ticket_owner(
    connection: Connection, ticket_id: int
) -> tuple[str | None, datetime | None] | None:
    """(assignee handle, resolved at) of the ticket; None when there is no such ticket."""
    row = connection.execute(
        text(
            "SELECT a.handle, t.resolved_at FROM tickets t "
            "LEFT JOIN agents a ON a.id = t.assignee_id WHERE t.id = :t"
        ),
        {"t": ticket_id},
    ).one_or_none()
    if row is None:
        return None
    return row.handle, None if row.resolved_at is None else from_db(row.resolved_at)
