"""The SLA-at-risk path's timing: the 15-minute countdown from the moment the risk began."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agentdesk.core.emergency import (
    RiskPath,
    Step,
    at_risk,
    notify_countdown,
    notify_overdue,
    risk_began,
)
from agentdesk.core.sla import Clock, ClockReading

BEGAN = datetime(2026, 11, 23, 13, 55, tzinfo=UTC)


def test_the_countdown_is_in_whole_minutes_from_the_moment_the_risk_began() -> None:
    assert notify_countdown(BEGAN, BEGAN) == "15 min left to notify the manager"
    assert notify_countdown(BEGAN, BEGAN + timedelta(minutes=3, seconds=1)) == (
        "11 min left to notify the manager"
    )
    assert notify_countdown(BEGAN, BEGAN + timedelta(minutes=14, seconds=30)) == (
        "under 1 min left to notify the manager"
    )
    assert notify_countdown(BEGAN, BEGAN + timedelta(minutes=15)) == (
        "0 min overdue: notify the manager now"
    )
    assert notify_countdown(BEGAN, BEGAN + timedelta(minutes=22)) == (
        "7 min overdue: notify the manager now"
    )
    assert not notify_overdue(BEGAN, BEGAN + timedelta(minutes=14), None)
    assert notify_overdue(BEGAN, BEGAN + timedelta(minutes=15), None)


def test_once_notified_the_countdown_says_how_long_it_took() -> None:
    later = BEGAN + timedelta(hours=1)
    assert notify_countdown(BEGAN, later, BEGAN + timedelta(minutes=4)) == (
        "notified 4 min after the risk began"
    )
    assert notify_countdown(BEGAN, later, BEGAN + timedelta(minutes=16)) == (
        "notified 16 min after the risk began (late)"
    )
    assert not notify_overdue(BEGAN, later, BEGAN + timedelta(minutes=16))


def test_the_risk_begins_at_the_clocks_at_risk_time_and_lasts_into_the_breach() -> None:
    reading = ClockReading(Clock.FIRST_RESPONSE, BEGAN + timedelta(minutes=15), BEGAN, False)
    assert risk_began(reading) == BEGAN
    assert not at_risk(reading, BEGAN - timedelta(seconds=1))
    assert at_risk(reading, BEGAN)
    assert at_risk(reading, BEGAN + timedelta(hours=1))  # breached: still the path
    assert not at_risk(ClockReading(Clock.RESOLUTION, None, None, True), BEGAN)
    assert not at_risk(None, BEGAN)


def test_the_steps_come_in_the_sops_order() -> None:
    path = RiskPath(1, Clock.FIRST_RESPONSE, BEGAN)
    assert path.next_step is Step.NOTIFY
    path = RiskPath(1, Clock.FIRST_RESPONSE, BEGAN, notified_at=BEGAN)
    assert path.next_step is Step.INCIDENT
    done = RiskPath(
        1,
        Clock.FIRST_RESPONSE,
        BEGAN,
        notified_at=BEGAN,
        incident_at=BEGAN,
        customer_informed_at=BEGAN,
    )
    assert done.next_step is None
