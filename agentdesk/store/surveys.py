"""Survey answers on tickets (issue 15): the one writer of `survey_answers`.

A ticket keeps one answer per survey (CSAT, NPS); a later answer replaces the earlier one
(a customer who changes their mind, a phone agent who corrects a slip). Every answer is
audited on its ticket.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, text

from agentdesk.core.survey import SurveyScore, recognise_answer
from agentdesk.store.audit import AuditRecord, write_audit
from agentdesk.store.types import to_db

RECORD_ACTION = "record_survey"


def ticket_labels(connection: Connection, ticket_id: int) -> frozenset[str]:
    rows = connection.execute(
        text("SELECT label FROM ticket_labels WHERE ticket_id = :t"), {"t": ticket_id}
    )
    return frozenset(str(row.label) for row in rows)


def record_answer(
    connection: Connection,
    ticket_id: int,
    answer: SurveyScore,
    *,
    source: str,
    recorded_by: str,
    at: datetime,
    message_id: int | None = None,
) -> None:
    old = connection.execute(
        text("SELECT score FROM survey_answers WHERE ticket_id = :t AND kind = :k"),
        {"t": ticket_id, "k": answer.kind.value},
    ).scalar_one_or_none()
    connection.execute(
        text(
            "INSERT INTO survey_answers "
            "(ticket_id, kind, score, source, message_id, recorded_by, at) "
            "VALUES (:t, :k, :s, :src, :m, :by, :at) ON CONFLICT (ticket_id, kind) DO UPDATE "
            "SET score = :s, source = :src, message_id = :m, recorded_by = :by, at = :at"
        ),
        {
            "t": ticket_id,
            "k": answer.kind.value,
            "s": answer.score,
            "src": source,
            "m": message_id,
            "by": recorded_by,
            "at": to_db(at),
        },
    )
    write_audit(
        connection,
        [
            AuditRecord(
                ticket_id,
                recorded_by,
                RECORD_ACTION,
                answer.kind.value,
                None if old is None else str(old),
                str(answer.score),
                at,
            )
        ],
    )


def recognise_pulled_answer(
    connection: Connection, ticket_id: int, message_id: int, body: str, author: str, at: datetime
) -> SurveyScore | None:
    """A customer's message pulled from the helpdesk that is a plain score: recorded."""
    answer = recognise_answer(body, ticket_labels(connection, ticket_id))
    if answer is not None:
        record_answer(
            connection,
            ticket_id,
            answer,
            source="reply",
            recorded_by=author,
            at=at,
            message_id=message_id,
        )
    return answer
