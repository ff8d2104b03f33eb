"""The start-of-shift checklist: ticking items, the checks that tick themselves,
announcements, and the priority queue reviewed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from agentdesk.core.errors import BadInput, Refused
from agentdesk.core.shift import Phase
from agentdesk.core.ticket import Priority
from agentdesk.desk import shift_record as record
from agentdesk.desk.base import Desk

if TYPE_CHECKING:
    from agentdesk.desk.shift_checks import CheckResult

from agentdesk.desk.shift_view import (
    NO_SHIFT_OPEN,
    ShiftView,
    _open,
    _self_tick,
    _view,
    shift_files,
    shift_status,
)


def tick(desk: Desk, item_id: str, done: bool = True) -> ShiftView:
    """The agent ticks (or unticks) a manual item."""
    from agentdesk.store.shifts import item_states, set_item

    files = shift_files(desk)
    with desk.writing("tick a checklist item"), desk.store.write() as connection:
        shift = _open(connection, desk)
        states = {s.item.id: s for s in item_states(connection, shift.id)}
        state = states.get(item_id)
        if state is None:
            raise BadInput(f"no checklist item {item_id!r}; the items are: {', '.join(states)}")
        if state.item.automatic:
            raise Refused(f"{state.item.label} is checked by the program, not ticked")
        if state.item.check == "announcements" and done:
            view = _view(connection, desk, shift, files)
            waiting = [a.title for a, acked in view.announcements if not acked]
            if waiting:
                raise Refused(
                    "acknowledge each announcement first: " + ", ".join(waiting), tuple(waiting)
                )
        if (state.done_at is not None) != done:
            set_item(connection, shift.id, item_id, done_at=desk.now() if done else None)
            record.item_done(connection, desk, shift.id, state, desk.now() if done else None)
        return _view(connection, desk, shift, files)


def record_check(desk: Desk, result: CheckResult) -> ShiftView:
    """Store an automatic check's result (run by desk.shift_checks.run_check in a worker)."""
    from agentdesk.store.shifts import item_states, set_item

    files = shift_files(desk)
    with desk.writing("record a check"), desk.store.write() as connection:
        shift = _open(connection, desk)
        set_item(
            connection,
            shift.id,
            result.item_id,
            done_at=desk.now(),
            passed=result.passed,
            reason=result.reason,
            seconds=result.seconds,
        )
        for state in item_states(connection, shift.id):
            if state.item.id == result.item_id:
                record.item_done(connection, desk, shift.id, state, desk.now())
        return _view(connection, desk, shift, files)


def run_checks(desk: Desk) -> ShiftView:
    """Every automatic start check, one after the other (the CLI; the TUI runs each in its
    own worker), each result stored."""
    from agentdesk.desk.shift_checks import run_check

    files = shift_files(desk)
    view = shift_status(desk, files)
    if view is None:
        raise Refused(NO_SHIFT_OPEN)
    for state in view.items:
        if state.item.phase is Phase.START and state.item.automatic:
            view = record_check(
                desk, run_check(desk, state.item.id, state.item.check, files.checklist.command)
            )
    return view


def acknowledge_announcement(desk: Desk, announcement_id: str) -> ShiftView:
    from agentdesk.store.shifts import acknowledge

    files = shift_files(desk)
    if announcement_id not in {a.id for a in files.announcements}:
        raise BadInput(f"no announcement {announcement_id!r}")
    with desk.writing("acknowledge an announcement"), desk.store.write() as connection:
        shift = _open(connection, desk)
        acknowledge(connection, shift.handle, "announcement", announcement_id, shift.id, desk.now())
        _self_tick(connection, desk, _view(connection, desk, shift, files), desk.now())
        return _view(connection, desk, shift, files)


@dataclass(frozen=True)
class PriorityTicket:
    id: int
    subject: str
    priority: Priority


def priority_queue(desk: Desk) -> list[PriorityTicket]:
    """The open P0/P1 tickets the priority review goes through."""
    from sqlalchemy import text

    with desk.reading(), desk.store.read() as connection:
        rows = connection.execute(
            text(
                "SELECT id, subject, priority FROM tickets WHERE priority IN ('P0', 'P1') "
                "AND status NOT IN ('resolved', 'closed') ORDER BY priority, sla_due_at, id"
            )
        )
        return [PriorityTicket(r.id, r.subject, Priority(r.priority)) for r in rows]


def priority_reviewed(desk: Desk, seen: set[int]) -> ShiftView | None:
    """Ticks the priority-queue item once the agent has seen every open P0/P1; None while
    some are unseen."""
    if {t.id for t in priority_queue(desk)} - seen:
        return None
    from agentdesk.store.shifts import item_states, set_item

    files = shift_files(desk)
    with desk.writing("tick a checklist item"), desk.store.write() as connection:
        shift = _open(connection, desk)
        for state in item_states(connection, shift.id):
            if state.item.check == "priority_queue" and state.done_at is None:
                set_item(connection, shift.id, state.item.id, done_at=desk.now())
                record.item_done(connection, desk, shift.id, state, desk.now())
        return _view(connection, desk, shift, files)
