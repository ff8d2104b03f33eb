"""Handle time (the KPI AHT): the agent's active time on a ticket, one interaction at a time.

An interaction runs from "start work" (or a reopen) to the first of pend, resolve, escalate
or a shift-end handover; a phone interaction runs from intake, because the call is being
handled from the moment the agent picks it up. The events are the ticket's audit rows (the
write path writes them) plus the intake, read in time order; the result is pure.

SOP targets: phone 5 minutes, asynchronous channels (email, chat, social, in-app) 20 minutes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from agentdesk.core.ticket import Channel, Status

PHONE_TARGET = timedelta(seconds=300)
ASYNCHRONOUS_TARGET = timedelta(minutes=20)


def target_for(channel: Channel) -> timedelta:
    """The SOP's handle-time target for an interaction on this channel."""
    return PHONE_TARGET if channel is Channel.PHONE else ASYNCHRONOUS_TARGET


class Mark(StrEnum):
    """What an event does to the interaction clock."""

    START = "start"
    END = "end"


class EndedBy(StrEnum):
    PEND = "pend"
    RESOLVE = "resolve"
    ESCALATE = "escalate"
    HANDOVER = "handover"
    CLOSE = "close"
    """The status moved on some other way (a pull from the helpdesk, auto-close)."""


@dataclass(frozen=True)
class TicketEvent:
    """One audit row as handle time reads it (the store's AuditRecord carries these)."""

    at: datetime
    action: str
    field: str = ""
    new_value: str | None = None


INTAKE_ACTION = "create"
"""The audit action of a ticket opened locally (store.new_ticket)."""

_ENDING_STATUS: dict[str, EndedBy] = {
    Status.PENDING.value: EndedBy.PEND,
    Status.RESOLVED.value: EndedBy.RESOLVE,
    Status.CLOSED.value: EndedBy.CLOSE,
}


def mark_of(event: TicketEvent, channel: Channel) -> tuple[Mark, EndedBy | None] | None:
    """What the event means for the clock, or None when it does not touch it."""
    if event.action == INTAKE_ACTION:
        return (Mark.START, None) if channel is Channel.PHONE else None
    if event.action == "escalate":
        return Mark.END, EndedBy.ESCALATE
    if event.action == "shift_end" and event.field == "handover":
        return Mark.END, EndedBy.HANDOVER
    if event.field != "status" or event.new_value is None:
        return None
    if event.new_value == Status.IN_PROGRESS.value:
        return Mark.START, None
    if event.new_value in _ENDING_STATUS:
        return Mark.END, _ENDING_STATUS[event.new_value]
    # Back to new/assigned (handed to a queue): nobody is working it now.
    return Mark.END, EndedBy.HANDOVER


@dataclass(frozen=True)
class Interaction:
    started_at: datetime
    ended_at: datetime | None
    ended_by: EndedBy | None
    seconds: int
    """Active seconds: to the end, or to now while it runs."""

    @property
    def running(self) -> bool:
        return self.ended_at is None


def interactions(
    events: Iterable[TicketEvent], *, channel: Channel, now: datetime
) -> list[Interaction]:
    """The ticket's interactions, oldest first. A start while one runs (start work during a
    phone intake) continues it; an end with none running (a pend after a pull) is ignored."""
    found: list[Interaction] = []
    started: datetime | None = None
    for event in sorted(events, key=lambda e: e.at):
        meaning = mark_of(event, channel)
        if meaning is None:
            continue
        mark, ended_by = meaning
        if mark is Mark.START:
            started = started if started is not None else event.at
        elif started is not None:
            found.append(Interaction(started, event.at, ended_by, _seconds(started, event.at)))
            started = None
    if started is not None:
        found.append(Interaction(started, None, None, _seconds(started, now)))
    return found


def _seconds(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds()))


@dataclass(frozen=True)
class HandleTime:
    """The interaction the ticket shows: the running one, else the last one."""

    interaction: Interaction | None
    target: timedelta

    @property
    def over_target(self) -> bool:
        return self.interaction is not None and is_over_target(
            self.interaction.seconds, self.target
        )

    @property
    def label(self) -> str:
        """E.g. 4:10 / 5:00 (running) or last 25:02 / 20:00 over; empty with none yet."""
        if self.interaction is None:
            return ""
        spent = _clock(self.interaction.seconds)
        target = _clock(int(self.target.total_seconds()))
        head = "" if self.interaction.running else "last "
        tail = " over" if self.over_target else ""
        return f"{head}{spent} / {target}{tail}"

    @property
    def minutes_label(self) -> str:
        """In whole minutes, for a line repainted once a minute: '3 min / 5 min',
        'last 25 min / 20 min over', '2 h 05 min / 20 min over'; empty with none yet."""
        if self.interaction is None:
            return ""
        head = "" if self.interaction.running else "last "
        tail = " over" if self.over_target else ""
        spent = _minutes(self.interaction.seconds)
        return f"{head}{spent} / {_minutes(int(self.target.total_seconds()))}{tail}"


def _minutes(seconds: int) -> str:
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def is_over_target(seconds: int, target: timedelta) -> bool:
    """Over means past the target; exactly on it is still within."""
    return seconds > target.total_seconds()


def current(events: Iterable[TicketEvent], *, channel: Channel, now: datetime) -> HandleTime:
    found = interactions(events, channel=channel, now=now)
    return HandleTime(found[-1] if found else None, target_for(channel))


def _clock(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    if minutes >= 60:
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02d}:{rest:02d}"
    return f"{minutes}:{rest:02d}"


def average_seconds(found: Iterable[Interaction]) -> float | None:
    """AHT over finished interactions (a running one is not yet a handle time)."""
    done = [i.seconds for i in found if not i.running]
    return sum(done) / len(done) if done else None
