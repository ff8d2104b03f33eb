"""Handle time and intake time for the KPIs (AHT against the SOP's targets): the figures a
report or the supervisor view reads for a period. Counted by core.handle_time from the audit
rows the write path keeps; nothing is stored twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agentdesk.core.handle_time import ASYNCHRONOUS_TARGET, PHONE_TARGET, interactions
from agentdesk.core.ticket import Channel
from agentdesk.desk.base import Desk


@dataclass(frozen=True)
class AhtFigure:
    """Finished interactions of one kind (phone, or the asynchronous channels)."""

    interactions: int
    average_seconds: float | None
    over_target: int
    target_seconds: int


@dataclass(frozen=True)
class HandleTimeReport:
    since: datetime
    until: datetime
    phone: AhtFigure
    asynchronous: AhtFigure
    intakes: int
    intake_average_seconds: float | None


def _figure(seconds: list[int], target_seconds: int) -> AhtFigure:
    over = sum(1 for s in seconds if s > target_seconds)
    average = sum(seconds) / len(seconds) if seconds else None
    return AhtFigure(len(seconds), average, over, target_seconds)


def handle_time_report(desk: Desk, since: datetime, until: datetime) -> HandleTimeReport:
    """AHT for the interactions that ended in [since, until), phone apart from the
    asynchronous channels, and the intakes made in it."""
    from agentdesk.store.intake import events_of_tickets_touched, intake_seconds

    with desk.reading(), desk.store.read() as connection:
        touched = events_of_tickets_touched(connection, since, until)
        intakes = intake_seconds(connection, since, until)
    phone: list[int] = []
    asynchronous: list[int] = []
    for channel, events in touched.values():
        for found in interactions(events, channel=channel, now=until):
            if found.ended_at is None or not since <= found.ended_at < until:
                continue
            (phone if channel is Channel.PHONE else asynchronous).append(found.seconds)
    return HandleTimeReport(
        since,
        until,
        _figure(phone, int(PHONE_TARGET.total_seconds())),
        _figure(asynchronous, int(ASYNCHRONOUS_TARGET.total_seconds())),
        len(intakes),
        sum(intakes) / len(intakes) if intakes else None,
    )
