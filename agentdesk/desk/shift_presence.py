"""Presence and breaks during the shift, and the handovers waiting for the next agent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentdesk.core.errors import BadInput
from agentdesk.core.shift import Presence
from agentdesk.desk import shift_record as record
from agentdesk.desk.base import Desk

if TYPE_CHECKING:
    pass

from agentdesk.desk.shift_view import (
    PendingHandover,
    ShiftView,
    _open,
    _pending_handovers,
    _view,
    shift_files,
)


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
