"""Handle time per interaction, on hand-computed event sequences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agentdesk.core.handle_time import (
    ASYNCHRONOUS_TARGET,
    PHONE_TARGET,
    EndedBy,
    TicketEvent,
    average_seconds,
    current,
    interactions,
    is_over_target,
    target_for,
)
from agentdesk.core.ticket import Channel

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def status(minutes: float, action: str, new: str) -> TicketEvent:
    return TicketEvent(at(minutes), action, "status", new)


def test_targets_are_the_sops() -> None:
    assert target_for(Channel.PHONE) == PHONE_TARGET == timedelta(seconds=300)
    for channel in (Channel.EMAIL, Channel.CHAT, Channel.SOCIAL, Channel.IN_APP):
        assert target_for(channel) == ASYNCHRONOUS_TARGET == timedelta(minutes=20)


def test_on_the_target_is_within_and_a_second_more_is_over() -> None:
    assert not is_over_target(300, PHONE_TARGET)
    assert is_over_target(301, PHONE_TARGET)
    assert not is_over_target(0, ASYNCHRONOUS_TARGET)


def test_start_pend_start_resolve_is_two_interactions() -> None:
    events = [
        TicketEvent(at(0), "create", "subject", "Card declined"),  # email: no clock
        status(10, "start", "in_progress"),
        TicketEvent(at(12), "reply", "reply", "hello"),  # does not touch the clock
        status(22, "pend", "pending"),
        status(100, "start", "in_progress"),
        status(107.5, "resolve", "resolved"),
    ]
    found = interactions(events, channel=Channel.EMAIL, now=at(200))
    assert [(i.started_at, i.ended_at, i.ended_by, i.seconds) for i in found] == [
        (at(10), at(22), EndedBy.PEND, 12 * 60),
        (at(100), at(107.5), EndedBy.RESOLVE, 450),
    ]
    assert average_seconds(found) == (720 + 450) / 2
    shown = current(events, channel=Channel.EMAIL, now=at(200))
    assert not shown.over_target
    assert shown.label == "last 7:30 / 20:00"


def test_handed_over_mid_interaction_ends_it_there() -> None:
    events = [
        status(0, "start", "in_progress"),
        TicketEvent(at(25), "shift_end", "handover", "to bob"),
        status(30, "pend", "pending"),  # nothing running: ignored
    ]
    found = interactions(events, channel=Channel.CHAT, now=at(60))
    assert [(i.ended_by, i.seconds) for i in found] == [(EndedBy.HANDOVER, 25 * 60)]
    shown = current(events, channel=Channel.CHAT, now=at(60))
    assert shown.label == "last 25:00 / 20:00 over"
    assert shown.minutes_label == "last 25 min / 20 min over"
    long = current([status(0, "start", "in_progress")], channel=Channel.CHAT, now=at(125))
    assert (long.label, long.minutes_label) == ("2:05:00 / 20:00 over", "2 h 05 min / 20 min over")


def test_escalation_ends_the_interaction() -> None:
    events = [status(0, "start", "in_progress"), TicketEvent(at(3), "escalate", "tier", "L2")]
    (only,) = interactions(events, channel=Channel.EMAIL, now=at(9))
    assert (only.ended_by, only.seconds) == (EndedBy.ESCALATE, 180)


def test_a_phone_interaction_counts_from_intake_and_start_work_continues_it() -> None:
    events = [
        TicketEvent(at(0), "create", "subject", "Refund"),
        status(1, "start", "in_progress"),
        status(6, "resolve", "resolved"),
    ]
    (call,) = interactions(events, channel=Channel.PHONE, now=at(60))
    assert (call.started_at, call.seconds, call.ended_by) == (at(0), 360, EndedBy.RESOLVE)
    assert current(events, channel=Channel.PHONE, now=at(60)).over_target
    # The same events on email start the clock at start work only.
    (mail,) = interactions(events, channel=Channel.EMAIL, now=at(60))
    assert mail.seconds == 300


def test_no_end_yet_runs_to_now() -> None:
    events = [TicketEvent(at(0), "create"), status(2, "start", "in_progress")]
    shown = current(events, channel=Channel.PHONE, now=at(4.5))
    assert shown.interaction is not None and shown.interaction.running
    assert (shown.interaction.seconds, shown.over_target) == (270, False)
    assert shown.label == "4:30 / 5:00"
    assert shown.minutes_label == "4 min / 5 min"
    assert average_seconds(interactions(events, channel=Channel.PHONE, now=at(5))) is None


def test_events_are_read_in_time_order_and_a_ticket_never_worked_shows_nothing() -> None:
    events = [status(5, "pend", "pending"), status(1, "start", "in_progress")]
    (only,) = interactions(events, channel=Channel.EMAIL, now=at(9))
    assert only.seconds == 240
    nothing = current([TicketEvent(at(0), "create")], channel=Channel.EMAIL, now=at(9))
    assert nothing.interaction is None and nothing.label == "" and not nothing.over_target


def test_a_pull_that_moves_the_status_on_ends_it_and_a_reopen_starts_one() -> None:
    events = [
        status(0, "start", "in_progress"),
        status(4, "sync_pull", "resolved"),
        status(50, "reopen", "in_progress"),
        status(51, "escalate", "assigned"),
    ]
    found = interactions(events, channel=Channel.EMAIL, now=at(60))
    assert [(i.ended_by, i.seconds) for i in found] == [
        (EndedBy.RESOLVE, 240),
        (EndedBy.ESCALATE, 60),
    ]
