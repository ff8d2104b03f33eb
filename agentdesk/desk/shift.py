"""The shift: start it, tick and check its items, presence and breaks, announcements, the end
of shift (follow-ups, handovers, wrap-up) and the handovers waiting for the next agent.

The TUI (screens/shift_start.py, shift_end.py) and `agentdesk shift` call these; the rules are
core.shift's; the record is store.shifts' tables, written inside desk.writing(...). A handover
is a ticket change like any other (store.writes, outbox, audit): RT gets the new owner and an
internal comment with the handover note. Blocking: front ends call these in a worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from agentdesk.core.changes import NewMessage, TicketChange
from agentdesk.core.errors import BadInput, Refused
from agentdesk.core.shift import (
    Announcement,
    Checklist,
    ChecklistItem,
    Disposition,
    EndReview,
    Handover,
    Interval,
    ItemState,
    Phase,
    PlannedShift,
    Presence,
    RosterEntry,
    ShiftGate,
    adherence,
    current_announcements,
    end_review,
    handover_body,
    missing_required,
    parse_handover,
    planned_shift_for,
    start_offset,
)
from agentdesk.core.ticket import MessageKind, Priority
from agentdesk.desk import shift_record as record
from agentdesk.desk.base import Desk

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from agentdesk.desk.shift_checks import CheckResult
    from agentdesk.store.shifts import HandoverMessage, ShiftRecord

NO_SHIFT_OPEN = "no shift is open: start one first (`agentdesk shift start`)"


@dataclass(frozen=True)
class ShiftFiles:
    checklist: Checklist
    roster: dict[str, RosterEntry]
    announcements: tuple[Announcement, ...]


def shift_files(desk: Desk) -> ShiftFiles:
    """The checklists, roster and announcements: the team folder's files over the shipped."""
    from agentdesk.core.shift_files import ANNOUNCEMENTS, CHECKLISTS, ROSTER
    from agentdesk.shipped import load_shift_data

    folder = desk.settings.shift_folder
    return ShiftFiles(
        _advisory(desk, load_shift_data(CHECKLISTS, folder)),
        load_shift_data(ROSTER, folder),
        load_shift_data(ANNOUNCEMENTS, folder),
    )


def _advisory(desk: Desk, checklist: Checklist) -> Checklist:
    """The profile's [shift] advisory: items this team shows but does not require."""
    from dataclasses import replace

    wanted = desk.settings.shift_advisory
    if not wanted:
        return checklist
    known = {item.id for item in checklist.items}
    unknown = sorted(wanted - known)
    if unknown:
        where = desk.settings.config_path or "the profile's config"
        raise BadInput(
            f"{where}: [shift] advisory names no checklist item {', '.join(unknown)}; "
            f"the items are: {', '.join(sorted(known))}"
        )

    def soften(items: tuple[ChecklistItem, ...]) -> tuple[ChecklistItem, ...]:
        return tuple(replace(i, required=False) if i.id in wanted else i for i in items)

    return replace(checklist, start=soften(checklist.start), end=soften(checklist.end))


@dataclass(frozen=True)
class PendingHandover:
    message_id: int
    ticket_id: int
    subject: str
    at: datetime
    handover: Handover


@dataclass(frozen=True)
class ShiftView:
    """One shift as every front end shows it."""

    shift: ShiftRecord
    items: tuple[ItemState, ...]
    intervals: tuple[Interval, ...]
    announcements: tuple[tuple[Announcement, bool], ...]
    """The current announcements and whether this agent acknowledged each."""
    handovers: tuple[PendingHandover, ...]
    """Handovers addressed to this agent or their queue, not yet acknowledged."""
    now: datetime
    command_timeout: float | None = None
    start_items: tuple[ItemState, ...] = field(default=())

    @property
    def presence(self) -> Interval | None:
        return self.intervals[-1] if self.intervals and self.intervals[-1].end is None else None

    @property
    def missing(self) -> tuple[str, ...]:
        return missing_required(self.items, Phase.START)

    @property
    def gate(self) -> ShiftGate:
        return ShiftGate(True, True, self.missing)

    @property
    def planned(self) -> PlannedShift | None:
        return self.shift.planned

    @property
    def adherence(self) -> float | None:
        return None if self.planned is None else adherence(self.planned, self.intervals, self.now)


def _handle(desk: Desk) -> str:
    return desk.actor.handle


def _open(connection: Connection, desk: Desk) -> ShiftRecord:
    from agentdesk.store.shifts import open_shift

    shift = open_shift(connection, _handle(desk))
    if shift is None:
        raise Refused(NO_SHIFT_OPEN)
    return shift


def _pending_handovers(connection: Connection, desk: Desk) -> tuple[PendingHandover, ...]:
    from agentdesk.store.shifts import acknowledged, handover_messages

    handle = _handle(desk)
    seen = acknowledged(connection, handle, "handover")
    found = []
    message: HandoverMessage
    for message in handover_messages(connection):
        handover = parse_handover(message.body)
        if handover is None or handover.sender == handle or str(message.message_id) in seen:
            continue
        if handover.addressed_to(handle):
            found.append(
                PendingHandover(
                    message.message_id, message.ticket_id, message.subject, message.at, handover
                )
            )
    return tuple(found)


def _view(connection: Connection, desk: Desk, shift: ShiftRecord, files: ShiftFiles) -> ShiftView:
    from agentdesk.store.shifts import acknowledged, intervals, item_states

    today = desk.now().date()
    if shift.planned is not None:
        from zoneinfo import ZoneInfo

        entry = files.roster.get(shift.handle)
        if entry is not None:
            today = desk.now().astimezone(ZoneInfo(entry.time_zone)).date()
    acked = acknowledged(connection, shift.handle, "announcement")
    current = current_announcements(files.announcements, today)
    return ShiftView(
        shift=shift,
        items=tuple(item_states(connection, shift.id)),
        intervals=tuple(intervals(connection, shift.id)),
        announcements=tuple((a, a.id in acked) for a in current),
        handovers=_pending_handovers(connection, desk),
        now=desk.now(),
        command_timeout=None
        if files.checklist.command is None
        else files.checklist.command.timeout,
    )


def shift_status(desk: Desk, files: ShiftFiles | None = None) -> ShiftView | None:
    """The agent's open shift, or None."""
    from agentdesk.store.shifts import open_shift

    files = files or shift_files(desk)
    with desk.reading(), desk.store.read() as connection:
        shift = open_shift(connection, _handle(desk))
        return None if shift is None else _view(connection, desk, shift, files)


def shift_gate(desk: Desk) -> ShiftGate | None:
    """The gate before taking tickets; None when this desk does not enforce shifts."""
    if not desk.settings.shift or desk.read_only:
        return None
    from agentdesk.store.shifts import item_states, open_shift

    with desk.reading(), desk.store.read() as connection:
        shift = open_shift(connection, _handle(desk))
        if shift is None:
            return ShiftGate(True, False)
        return ShiftGate(
            True, True, missing_required(item_states(connection, shift.id), Phase.START)
        )


def start_shift(desk: Desk, files: ShiftFiles | None = None) -> ShiftView:
    """Open a shift (or return the open one): its planned times from the roster, the day's
    checklist items, presence available. Starting late or early is recorded, not refused."""
    from agentdesk.store.shifts import create_shift, open_shift

    files = files or shift_files(desk)
    now = desk.now()
    entry = files.roster.get(_handle(desk))
    planned = None if entry is None else planned_shift_for(entry, now)
    with desk.writing("start a shift"), desk.store.write() as connection:
        shift = open_shift(connection, _handle(desk))
        if shift is None:
            create_shift(connection, _handle(desk), planned, now, files.checklist.items)
            shift = _open(connection, desk)
            record.started(connection, desk, shift)
        view = _view(connection, desk, shift, files)
        _self_tick(connection, desk, view, now)
        return _view(connection, desk, shift, files)


def lateness(view: ShiftView) -> str:
    from agentdesk.core.shift import describe_offset

    return describe_offset(start_offset(view.planned, view.shift.started_at))


def _self_tick(connection: Connection, desk: Desk, view: ShiftView, now: datetime) -> None:
    """Announcements read: ticks itself when every current one is acknowledged."""
    from agentdesk.store.shifts import set_item

    if all(acked for _, acked in view.announcements):
        for state in view.items:
            if state.item.check == "announcements" and state.done_at is None:
                set_item(connection, view.shift.id, state.item.id, done_at=now)
                record.item_done(connection, desk, view.shift.id, state, now)


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


def set_presence(desk: Desk, state: Presence) -> ShiftView:
    from agentdesk.store import shifts

    files = shift_files(desk)
    with desk.writing("change your presence"), desk.store.write() as connection:
        shift = _open(connection, desk)
        current = shifts.intervals(connection, shift.id)
        was = current[-1].state if current and current[-1].end is None else None
        if was is not state:
            shifts.set_presence(connection, shift.id, state, desk.now())
            record.presence(connection, desk, shift.id, was, state)
        return _view(connection, desk, shift, files)


# The end of the shift.


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


def handovers_for_me(desk: Desk) -> tuple[PendingHandover, ...]:
    with desk.reading(), desk.store.read() as connection:
        return _pending_handovers(connection, desk)


def acknowledge_handover(desk: Desk, message_id: int) -> tuple[PendingHandover, ...]:
    from agentdesk.store.shifts import acknowledge

    with desk.writing("acknowledge a handover"), desk.store.write() as connection:
        shift = _open(connection, desk)
        if message_id not in {h.message_id for h in _pending_handovers(connection, desk)}:
            raise BadInput(f"no handover waiting for you in message {message_id}")
        acknowledge(connection, shift.handle, "handover", str(message_id), shift.id, desk.now())
        return _pending_handovers(connection, desk)
