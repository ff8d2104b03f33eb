"""Survey answers (issue 15): a phone agent records the caller's CSAT or NPS answer.

Whether the ticket takes one now is core.actions' answer (Action.RECORD_SURVEY), the same
the ticket screen's key asks. A customer's written answer arrives with the pull instead
(store.history_rows recognises a plain score).
"""

from __future__ import annotations

from agentdesk.core.actions import Action, status_refusal
from agentdesk.core.errors import BadInput, Refused
from agentdesk.core.survey import SurveyKind, check_score
from agentdesk.core.ticket import Status
from agentdesk.desk.base import Desk


def record_survey(desk: Desk, ticket_id: int, kind: SurveyKind | str, score: int) -> None:
    """The caller's answer, by the desk's agent, on the ticket; audited."""
    from sqlalchemy import text

    from agentdesk.store.surveys import record_answer

    try:
        kind = SurveyKind(kind)
    except ValueError:
        raise BadInput(f"survey {kind!r}: expected csat or nps") from None
    answer = check_score(kind, score)
    with desk.writing("record the survey answer"), desk.store.write() as connection:
        status = connection.execute(
            text("SELECT status FROM tickets WHERE id = :t"), {"t": ticket_id}
        ).scalar_one_or_none()
        if status is None:
            raise BadInput(f"ticket #{ticket_id}: no such ticket")
        refusal = status_refusal(Action.RECORD_SURVEY, Status(status))
        if refusal:
            raise Refused(f"cannot record the survey answer: {refusal}", (refusal,))
        record_answer(
            connection,
            ticket_id,
            answer,
            source="phone",
            recorded_by=desk.actor.handle,
            at=desk.now(),
        )
