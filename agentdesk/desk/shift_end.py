"""The end of the shift: follow-ups, tickets left assigned, handovers (a ticket change like
any other: RT gets the new owner and an internal comment), the wrap-up, closing it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from agentdesk.core.changes import NewMessage, TicketChange
from agentdesk.core.errors import BadInput, Refused
from agentdesk.core.shift import Phase, adherence
from agentdesk.core.shift_end import Disposition, EndReview, Handover, end_review, handover_body
from agentdesk.core.ticket import MessageKind
from agentdesk.desk import shift_record as record
from agentdesk.desk.base import Desk

if TYPE_CHECKING:
    pass

from agentdesk.desk.shift_view import NO_SHIFT_OPEN, _handle, _open


def review_end(desk: Desk) -> EndReview:
    """The agent's open tickets and what still blocks closing the shift."""
    from agentdesk.shipped import load_taxonomy
    from agentdesk.store.shifts import end_tickets, item_states

    taxonomy = load_taxonomy()
    with desk.reading(), desk.store.read() as connection:
        shift = _open(connection, desk)
        tickets = end_tickets(connection, shift, desk.actor.agent_id, taxonomy)
        items = [s.item for s in item_states(connection, shift.id) if s.item.phase is Phase.END]
    return end_review(tickets, items, shift.wrap_up, desk.now())


def _dispose(
    desk: Desk,
    doing: str,
    ticket_id: int,
    disposition: Disposition,
    *,
    note: str = "",
    due_at: datetime | None = None,
    to_agent: str = "",
    to_queue: str = "",
    change: TicketChange | None = None,
) -> EndReview:
    from agentdesk.store.audit import AuditRecord, write_audit
    from agentdesk.store.shifts import TicketDisposition, set_disposition
    from agentdesk.store.writes import load_snapshot, write_change

    now = desk.now()
    with desk.writing(doing), desk.store.write() as connection:
        shift = _open(connection, desk)
        load_snapshot(connection, ticket_id)  # TicketNotFound, written for the agent
        if change is not None:
            write_change(
                connection, desk.store, ticket_id, change, actor=desk.actor.handle, now=now
            )
        value = TicketDisposition(ticket_id, disposition, due_at, to_agent, to_queue, note, now)
        set_disposition(connection, shift.id, value)
        if disposition is Disposition.HANDOVER:
            to = f"@{to_agent}" if to_agent else f"queue {to_queue}"
            record.handed_over(connection, desk, shift.id, ticket_id, to, note)
        detail = note if due_at is None else f"due {due_at.isoformat()}: {note}".strip(": ")
        write_audit(
            connection,
            [
                AuditRecord(
                    ticket_id,
                    desk.actor.handle,
                    "shift_end",
                    disposition.value,
                    None,
                    detail[:200],
                    now,
                )
            ],
        )
    return review_end(desk)


def mark_follow_up(desk: Desk, ticket_id: int, due_at: datetime, note: str = "") -> EndReview:
    if due_at.tzinfo is None:
        raise BadInput("the follow-up's due time needs a time zone")
    return _dispose(
        desk, "mark a follow-up", ticket_id, Disposition.FOLLOW_UP, note=note, due_at=due_at
    )


def leave_assigned(desk: Desk, ticket_id: int, reason: str) -> EndReview:
    if not reason.strip():
        raise Refused(f"#{ticket_id}: say why the ticket stays assigned to you", ("reason",))
    return _dispose(
        desk, "leave the ticket assigned", ticket_id, Disposition.LEFT, note=reason.strip()
    )


def hand_over(
    desk: Desk, ticket_id: int, note: str, *, to_agent: str = "", to_queue: str = ""
) -> EndReview:
    """Reassign to a named agent (or back to the queue: no owner) with an internal note that
    carries the handover note; both go to the helpdesk through the outbox as one op."""
    from agentdesk.store.queries import agent_by_handle

    if not note.strip():
        raise Refused(f"#{ticket_id}: a handover needs a handover note", ("handover note",))
    if bool(to_agent) == bool(to_queue):
        raise BadInput("hand over to a named agent or to the queue (one of them)")
    assignee = None
    if to_agent:
        with desk.reading(), desk.store.read() as connection:
            agent = agent_by_handle(connection, to_agent)
        if agent is None:
            raise BadInput(f"no agent {to_agent!r} in this helpdesk")
        if agent.id == desk.actor.agent_id:
            raise BadInput("a handover goes to someone else")
        assignee = agent.id
    actor = desk.actor
    body = handover_body(Handover(actor.handle, to_agent, to_queue, note))
    change = TicketChange(
        "handover",
        assignee_id=assignee,
        unassign=assignee is None,
        message=NewMessage(MessageKind.INTERNAL_NOTE, body, actor.name, actor.agent_id),
    )
    return _dispose(
        desk,
        "hand the ticket over",
        ticket_id,
        Disposition.HANDOVER,
        note=note.strip(),
        to_agent=to_agent,
        to_queue=to_queue,
        change=change,
    )


def write_wrap_up(desk: Desk, text: str) -> EndReview:
    from agentdesk.store.shifts import set_wrap_up

    with desk.writing("write the wrap-up"), desk.store.write() as connection:
        shift = _open(connection, desk)
        if shift.wrap_up != text.strip():
            set_wrap_up(connection, shift.id, text.strip())
            record.wrapped_up(connection, desk, shift.id, text.strip())
    return review_end(desk)


@dataclass(frozen=True)
class ClosedShift:
    shift_id: int
    ended_at: datetime
    adherence: float | None


def end_shift(desk: Desk) -> ClosedShift:
    """Close the shift, or Refused naming every blocker (tickets first, then end items)."""
    from agentdesk.store.shifts import close_shift, intervals, open_shift

    review = review_end(desk)
    if not review.may_close:
        raise Refused("the shift cannot close yet: " + "; ".join(review.blockers), review.blockers)
    now = desk.now()
    with desk.writing("end the shift"), desk.store.write() as connection:
        shift = open_shift(connection, _handle(desk))
        if shift is None:
            raise Refused(NO_SHIFT_OPEN)
        close_shift(connection, shift.id, now)
        done = intervals(connection, shift.id)
        score = None if shift.planned is None else adherence(shift.planned, done, now)
        record.ended(connection, desk, shift.id, now, score)
    return ClosedShift(shift.id, now, score)
