"""The shift as the agent sees it: its files, its view (items, presence, announcements,
handovers waiting), starting it and the gate a ticket action waits on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from agentdesk.core.errors import BadInput, Refused
from agentdesk.core.shift import (
    Announcement,
    Checklist,
    ChecklistItem,
    Interval,
    ItemState,
    Phase,
    PlannedShift,
    ShiftGate,
    adherence,
    current_announcements,
    missing_required,
)
from agentdesk.core.shift_end import Handover, parse_handover
from agentdesk.core.shift_roster import RosterEntry, planned_shift_for, start_offset
from agentdesk.desk import shift_record as record
from agentdesk.desk.base import Desk

if TYPE_CHECKING:
    from sqlalchemy import Connection

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


def _self_tick(connection: Connection, desk: Desk, view: ShiftView, now: datetime) -> None:
    """Announcements read: ticks itself when every current one is acknowledged."""
    from agentdesk.store.shifts import set_item

    if all(acked for _, acked in view.announcements):
        for state in view.items:
            if state.item.check == "announcements" and state.done_at is None:
                set_item(connection, view.shift.id, state.item.id, done_at=now)
                record.item_done(connection, desk, view.shift.id, state, now)


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
    from agentdesk.core.shift_roster import describe_offset

    return describe_offset(start_offset(view.planned, view.shift.started_at))
