"""SLA clocks, risk, breaches and the sla.toml loader, against the shipped policy."""

from __future__ import annotations

import copy
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from agentdesk.core.business_hours import BusinessCalendar, CalendarError
from agentdesk.core.sla import (
    Breach,
    Clock,
    ClockReading,
    Risk,
    SlaPolicy,
    SlaPolicyError,
    SlaTarget,
    SlaTicket,
    breaches,
    clocks,
    end_pause,
    format_time_left,
    next_due,
    risk,
    start_pause,
    time_left,
)
from agentdesk.core.sla_toml import policy_from_toml
from agentdesk.core.ticket import Priority, Region, Status

DATA = Path(__file__).parents[2] / "data"
NY = ZoneInfo("America/New_York")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NY)


def load(name: str) -> dict[str, Any]:
    return tomllib.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def policy() -> SlaPolicy:
    return policy_from_toml(load("sla.toml"), load("business_hours.toml"))


def reading(policy: SlaPolicy, ticket: SlaTicket, clock: Clock) -> ClockReading:
    found = [r for r in clocks(ticket, policy) if r.clock is clock]
    assert len(found) == 1, f"no running {clock} clock"
    return found[0]


# --- the shipped policy --------------------------------------------------------------------


def test_shipped_policy_matches_the_sop(policy: SlaPolicy) -> None:
    assert policy.at_risk_fraction == 0.25
    p0 = policy.targets[Priority.P0]
    assert p0[Clock.FIRST_RESPONSE] == SlaTarget(15, business_hours=False)
    assert p0[Clock.NEXT_UPDATE] == SlaTarget(30, business_hours=False)
    for p in (Priority.P1, Priority.P2):
        assert policy.targets[p][Clock.FIRST_RESPONSE] == SlaTarget(60, business_hours=False)
        assert Clock.NEXT_UPDATE not in policy.targets[p]
    for p in (Priority.P3, Priority.P4):
        assert policy.targets[p][Clock.FIRST_RESPONSE] == SlaTarget(24 * 60, business_hours=True)
        assert policy.targets[p][Clock.RESOLUTION].business_hours
    assert set(policy.calendars) == set(Region)


def test_calendar_for_uses_24x7_unless_the_target_counts_business_hours(
    policy: SlaPolicy,
) -> None:
    always = BusinessCalendar.always_open()
    assert policy.calendar_for(Priority.P1, Region.EMEA, Clock.FIRST_RESPONSE) is always
    assert (
        policy.calendar_for(Priority.P3, Region.EMEA, Clock.FIRST_RESPONSE)
        is policy.calendars[Region.EMEA]
    )


def test_clock_labels() -> None:
    assert [c.label for c in Clock] == ["First response", "Next update", "Resolution"]


# --- readings on a 24x7 clock --------------------------------------------------------------


def test_p1_clocks_due_and_at_risk(policy: SlaPolicy) -> None:
    ticket = SlaTicket(Priority.P1, Region.EMEA, Status.NEW, created_at=utc(2025, 1, 4, 22))
    assert clocks(ticket, policy) == [
        ClockReading(Clock.FIRST_RESPONSE, utc(2025, 1, 4, 23), utc(2025, 1, 4, 22, 45), False),
        ClockReading(Clock.RESOLUTION, utc(2025, 1, 5, 6), utc(2025, 1, 5, 4), False),
    ]
    first = next_due(ticket, policy)
    assert first is not None and first.clock is Clock.FIRST_RESPONSE


def test_risk_and_time_left_transitions(policy: SlaPolicy) -> None:
    ticket = SlaTicket(Priority.P1, Region.EMEA, Status.NEW, created_at=utc(2025, 1, 6, 10))
    first = reading(policy, ticket, Clock.FIRST_RESPONSE)
    steps = [
        (utc(2025, 1, 6, 10), Risk.OK, timedelta(hours=1), "1h00m"),
        (utc(2025, 1, 6, 10, 44, 59), Risk.OK, timedelta(minutes=15, seconds=1), "15m"),
        (utc(2025, 1, 6, 10, 45), Risk.AT_RISK, timedelta(minutes=15), "15m"),
        (utc(2025, 1, 6, 10, 59, 30), Risk.AT_RISK, timedelta(seconds=30), "0m"),
        (utc(2025, 1, 6, 11), Risk.BREACHED, timedelta(0), "0m"),
        (utc(2025, 1, 6, 11, 12), Risk.BREACHED, timedelta(minutes=-12), "-12m"),
    ]
    for now, expected_risk, expected_left, text in steps:
        assert risk(first, now) is expected_risk, now
        assert time_left(first, now) == expected_left, now
        assert format_time_left(time_left(first, now)) == text, now


def test_first_response_stops_its_clock(policy: SlaPolicy) -> None:
    ticket = SlaTicket(
        Priority.P2,
        Region.APAC,
        Status.IN_PROGRESS,
        created_at=utc(2025, 1, 6, 10),
        first_response_at=utc(2025, 1, 6, 10, 20),
    )
    assert clocks(ticket, policy) == [
        ClockReading(Clock.RESOLUTION, utc(2025, 1, 7, 10), utc(2025, 1, 7, 4), False)
    ]


def test_resolved_and_closed_tickets_have_no_clocks(policy: SlaPolicy) -> None:
    for status in (Status.RESOLVED, Status.CLOSED):
        ticket = SlaTicket(
            Priority.P0,
            Region.EMEA,
            status,
            created_at=utc(2025, 1, 6, 10),
            resolved_at=utc(2025, 1, 6, 11),
        )
        assert clocks(ticket, policy) == []
        assert next_due(ticket, policy) is None


# --- P0 update cadence ---------------------------------------------------------------------


def test_p0_update_cadence_starts_with_the_first_response(policy: SlaPolicy) -> None:
    created = utc(2025, 1, 6, 10)
    new = SlaTicket(Priority.P0, Region.EMEA, Status.NEW, created_at=created)
    assert [r.clock for r in clocks(new, policy)] == [Clock.FIRST_RESPONSE, Clock.RESOLUTION]
    assert reading(policy, new, Clock.FIRST_RESPONSE).due_at == utc(2025, 1, 6, 10, 15)
    assert reading(policy, new, Clock.RESOLUTION).due_at == utc(2025, 1, 6, 14)

    answered = SlaTicket(
        Priority.P0,
        Region.EMEA,
        Status.IN_PROGRESS,
        created_at=created,
        first_response_at=utc(2025, 1, 6, 10, 10),
    )
    update = reading(policy, answered, Clock.NEXT_UPDATE)
    assert update == ClockReading(
        Clock.NEXT_UPDATE, utc(2025, 1, 6, 10, 40), utc(2025, 1, 6, 10, 32, 30), False
    )
    first = next_due(answered, policy)
    assert first is not None and first.clock is Clock.NEXT_UPDATE


def test_p0_each_public_reply_restarts_the_update_clock(policy: SlaPolicy) -> None:
    ticket = SlaTicket(
        Priority.P0,
        Region.EMEA,
        Status.IN_PROGRESS,
        created_at=utc(2025, 1, 6, 10),
        first_response_at=utc(2025, 1, 6, 10, 10),
        last_update_at=utc(2025, 1, 6, 10, 35),
    )
    assert reading(policy, ticket, Clock.NEXT_UPDATE).due_at == utc(2025, 1, 6, 11, 5)


def test_p0_update_clock_restarts_when_the_ticket_leaves_pending(policy: SlaPolicy) -> None:
    ticket = SlaTicket(
        Priority.P0,
        Region.EMEA,
        Status.IN_PROGRESS,
        created_at=utc(2025, 1, 6, 10),
        first_response_at=utc(2025, 1, 6, 10, 10),
        last_update_at=utc(2025, 1, 6, 10, 35),
        pauses=((utc(2025, 1, 6, 10, 50), utc(2025, 1, 6, 11, 20)),),
    )
    assert reading(policy, ticket, Clock.NEXT_UPDATE).due_at == utc(2025, 1, 6, 11, 50)
    # The resolution clock is shifted by the 30 paused minutes.
    assert reading(policy, ticket, Clock.RESOLUTION).due_at == utc(2025, 1, 6, 14, 30)


def test_update_cadence_is_for_p0_only(policy: SlaPolicy) -> None:
    ticket = SlaTicket(
        Priority.P1,
        Region.EMEA,
        Status.IN_PROGRESS,
        created_at=utc(2025, 1, 6, 10),
        first_response_at=utc(2025, 1, 6, 10, 10),
    )
    assert [r.clock for r in clocks(ticket, policy)] == [Clock.RESOLUTION]


# --- business hours and Pending ------------------------------------------------------------


def test_p3_first_response_counts_business_hours_over_the_weekend(policy: SlaPolicy) -> None:
    # EMEA, Friday 15:00 GMT: 3 h Fri, 9 h Mon, 9 h Tue, 3 h Wed.
    ticket = SlaTicket(Priority.P3, Region.EMEA, Status.NEW, created_at=utc(2025, 1, 10, 15))
    first = reading(policy, ticket, Clock.FIRST_RESPONSE)
    assert first.due_at == utc(2025, 1, 15, 12)
    assert first.at_risk_at == utc(2025, 1, 14, 15)  # 18 business hours
    assert risk(first, utc(2025, 1, 14, 14, 59)) is Risk.OK
    assert risk(first, utc(2025, 1, 14, 15)) is Risk.AT_RISK
    # Over the weekend the time left does not shrink in business terms, but the cell shows
    # wall-clock time to the deadline.
    assert format_time_left(time_left(first, utc(2025, 1, 11, 12))) == "4d00h"


def test_p4_uses_the_region_calendar(policy: SlaPolicy) -> None:
    created = utc(2025, 1, 10, 15)
    emea = SlaTicket(Priority.P4, Region.EMEA, Status.NEW, created_at=created)
    apac = SlaTicket(Priority.P4, Region.APAC, Status.NEW, created_at=created)
    # 15:00 UTC is 23:00 SGT Friday: APAC starts counting on Monday 09:00 SGT.
    assert reading(policy, emea, Clock.FIRST_RESPONSE).due_at == utc(2025, 1, 15, 12)
    assert reading(policy, apac, Clock.FIRST_RESPONSE).due_at == utc(2025, 1, 15, 7)


def test_pended_and_resumed_across_a_business_day_boundary(policy: SlaPolicy) -> None:
    created = ny(2025, 1, 6, 16)  # Monday 16:00 EST
    pended = ny(2025, 1, 6, 17)
    resumed = ny(2025, 1, 7, 11)  # Tuesday 11:00: two business hours lost to Pending

    running = SlaTicket(Priority.P3, Region.AMERICAS, Status.IN_PROGRESS, created_at=created)
    # Unpaused: 2 h Mon, 9 h Tue, 9 h Wed, 4 h Thu -> Thu 13:00 EST.
    assert reading(policy, running, Clock.FIRST_RESPONSE).due_at == utc(2025, 1, 9, 18)

    pauses = start_pause((), pended)
    pending = SlaTicket(
        Priority.P3, Region.AMERICAS, Status.PENDING, created_at=created, pauses=pauses
    )
    paused = [
        ClockReading(Clock.FIRST_RESPONSE, None, None, True),
        ClockReading(Clock.RESOLUTION, None, None, True),
    ]
    assert clocks(pending, policy) == paused
    assert next_due(pending, policy) == paused[0]
    assert risk(paused[0], resumed) is Risk.PAUSED
    assert time_left(paused[0], resumed) is None
    assert format_time_left(time_left(paused[0], resumed)) == "paused"

    back = SlaTicket(
        Priority.P3,
        Region.AMERICAS,
        Status.IN_PROGRESS,
        created_at=created,
        pauses=end_pause(pauses, resumed),
    )
    # 1 h Mon, paused to Tue 11:00, 7 h Tue, 9 h Wed, 7 h Thu -> Thu 16:00 EST.
    first = reading(policy, back, Clock.FIRST_RESPONSE)
    assert first.due_at == utc(2025, 1, 9, 21)
    assert first.at_risk_at == utc(2025, 1, 9, 15)  # 18 business hours: Thu 10:00 EST


def test_pending_status_alone_pauses_the_clocks(policy: SlaPolicy) -> None:
    ticket = SlaTicket(Priority.P1, Region.EMEA, Status.PENDING, created_at=utc(2025, 1, 6))
    assert all(r.paused and r.due_at is None for r in clocks(ticket, policy))


# --- breaches ------------------------------------------------------------------------------


def p1(**changes: Any) -> SlaTicket:
    fields: dict[str, Any] = {
        "priority": Priority.P1,
        "region": Region.EMEA,
        "status": Status.IN_PROGRESS,
        "created_at": utc(2025, 1, 6, 10),
    }
    fields.update(changes)
    return SlaTicket(**fields)


def test_first_response_met_late_is_a_breach(policy: SlaPolicy) -> None:
    late = p1(first_response_at=utc(2025, 1, 6, 11, 5))
    assert breaches(late, policy, utc(2025, 1, 6, 11, 30)) == [
        Breach(Clock.FIRST_RESPONSE, utc(2025, 1, 6, 11))
    ]
    on_time = p1(first_response_at=utc(2025, 1, 6, 10, 59))
    assert breaches(on_time, policy, utc(2025, 1, 6, 12)) == []


def test_unmet_clock_breaches_once_now_reaches_due(policy: SlaPolicy) -> None:
    ticket = p1()
    assert breaches(ticket, policy, utc(2025, 1, 6, 10, 59, 59)) == []
    assert breaches(ticket, policy, utc(2025, 1, 6, 11)) == [
        Breach(Clock.FIRST_RESPONSE, utc(2025, 1, 6, 11))
    ]
    assert breaches(ticket, policy, utc(2025, 1, 6, 18, 1)) == [
        Breach(Clock.FIRST_RESPONSE, utc(2025, 1, 6, 11)),
        Breach(Clock.RESOLUTION, utc(2025, 1, 6, 18)),
    ]


def test_resolution_met_late_on_a_closed_ticket(policy: SlaPolicy) -> None:
    ticket = p1(
        status=Status.CLOSED,
        first_response_at=utc(2025, 1, 6, 10, 30),
        resolved_at=utc(2025, 1, 6, 19),
    )
    assert breaches(ticket, policy, utc(2025, 1, 9)) == [
        Breach(Clock.RESOLUTION, utc(2025, 1, 6, 18))
    ]


def test_resolving_stops_an_unanswered_first_response_clock(policy: SlaPolicy) -> None:
    ticket = p1(status=Status.RESOLVED, resolved_at=utc(2025, 1, 6, 10, 30))
    assert breaches(ticket, policy, utc(2025, 1, 7)) == []


def test_pauses_shift_the_deadline_for_breaches(policy: SlaPolicy) -> None:
    pauses = ((utc(2025, 1, 6, 10, 30), utc(2025, 1, 6, 11)),)
    answered = p1(first_response_at=utc(2025, 1, 6, 11, 20), pauses=pauses)
    assert breaches(answered, policy, utc(2025, 1, 6, 12)) == []
    unanswered = p1(pauses=pauses)
    assert breaches(unanswered, policy, utc(2025, 1, 6, 12)) == [
        Breach(Clock.FIRST_RESPONSE, utc(2025, 1, 6, 11, 30))
    ]


def test_a_paused_ticket_keeps_a_breach_from_before_the_pause(policy: SlaPolicy) -> None:
    pended_in_time = p1(status=Status.PENDING, pauses=((utc(2025, 1, 6, 10, 30), None),))
    assert breaches(pended_in_time, policy, utc(2025, 1, 8)) == []
    pended_too_late = p1(status=Status.PENDING, pauses=((utc(2025, 1, 6, 11, 10), None),))
    assert breaches(pended_too_late, policy, utc(2025, 1, 8)) == [
        Breach(Clock.FIRST_RESPONSE, utc(2025, 1, 6, 11))
    ]


def test_p0_update_breach_is_for_the_current_cycle_only(policy: SlaPolicy) -> None:
    base: dict[str, Any] = {
        "priority": Priority.P0,
        "region": Region.APAC,
        "status": Status.IN_PROGRESS,
        "created_at": utc(2025, 1, 6, 10),
        "first_response_at": utc(2025, 1, 6, 10, 5),
        "last_update_at": utc(2025, 1, 6, 10, 20),
    }
    overdue = SlaTicket(**base)
    assert breaches(overdue, policy, utc(2025, 1, 6, 11)) == [
        Breach(Clock.NEXT_UPDATE, utc(2025, 1, 6, 10, 50))
    ]
    assert risk(reading(policy, overdue, Clock.NEXT_UPDATE), utc(2025, 1, 6, 11)) is (Risk.BREACHED)
    # A late reply starts a new cycle; the missed one was recorded when it happened.
    caught_up = SlaTicket(**{**base, "last_update_at": utc(2025, 1, 6, 11, 10)})
    assert breaches(caught_up, policy, utc(2025, 1, 6, 11, 15)) == []
    # Going Pending after the update was due does not hide the breach.
    pended = SlaTicket(
        **{**base, "status": Status.PENDING, "pauses": ((utc(2025, 1, 6, 11), None),)}
    )
    assert breaches(pended, policy, utc(2025, 1, 6, 12)) == [
        Breach(Clock.NEXT_UPDATE, utc(2025, 1, 6, 10, 50))
    ]


def test_resolved_p0_update_clock_stops_at_resolution(policy: SlaPolicy) -> None:
    ticket = SlaTicket(
        Priority.P0,
        Region.EMEA,
        Status.RESOLVED,
        created_at=utc(2025, 1, 6, 10),
        first_response_at=utc(2025, 1, 6, 10, 5),
        resolved_at=utc(2025, 1, 6, 10, 30),
    )
    assert breaches(ticket, policy, utc(2025, 1, 7)) == []


def test_p3_breach_counts_business_hours(policy: SlaPolicy) -> None:
    ticket = SlaTicket(
        Priority.P3,
        Region.EMEA,
        Status.IN_PROGRESS,
        created_at=utc(2025, 1, 10, 15),
        first_response_at=utc(2025, 1, 15, 12, 1),
    )
    assert breaches(ticket, policy, utc(2025, 1, 16)) == [
        Breach(Clock.FIRST_RESPONSE, utc(2025, 1, 15, 12))
    ]


# --- pausing -------------------------------------------------------------------------------


def test_start_and_end_pause() -> None:
    first = start_pause((), ny(2025, 1, 6, 17))
    assert first == ((utc(2025, 1, 6, 22), None),)
    assert first[0][0].tzinfo is UTC
    ended = end_pause(first, ny(2025, 1, 7, 11))
    assert ended == ((utc(2025, 1, 6, 22), utc(2025, 1, 7, 16)),)
    again = start_pause(ended, utc(2025, 1, 8))
    assert again == ((utc(2025, 1, 6, 22), utc(2025, 1, 7, 16)), (utc(2025, 1, 8), None))


def test_pausing_twice_or_resuming_when_running_is_refused() -> None:
    paused = start_pause((), utc(2025, 1, 6))
    with pytest.raises(ValueError, match="already paused"):
        start_pause(paused, utc(2025, 1, 7))
    with pytest.raises(ValueError, match="not paused"):
        end_pause((), utc(2025, 1, 7))
    with pytest.raises(ValueError, match="not paused"):
        end_pause(end_pause(paused, utc(2025, 1, 7)), utc(2025, 1, 8))
    with pytest.raises(ValueError, match="started later"):
        end_pause(paused, utc(2025, 1, 5))
    with pytest.raises(ValueError, match="ended later"):
        start_pause(end_pause(paused, utc(2025, 1, 7)), utc(2025, 1, 6, 12))


def test_naive_datetimes_are_refused(policy: SlaPolicy) -> None:
    naive = datetime(2025, 1, 6, 10)
    with pytest.raises(ValueError, match="created_at must be timezone-aware"):
        SlaTicket(Priority.P1, Region.EMEA, Status.NEW, created_at=naive)
    with pytest.raises(ValueError, match="first_response_at must be timezone-aware"):
        p1(first_response_at=naive)
    with pytest.raises(ValueError, match="pause start must be timezone-aware"):
        p1(pauses=((naive, None),))
    first = reading(policy, p1(), Clock.FIRST_RESPONSE)
    for call in (risk, time_left):
        with pytest.raises(ValueError, match="now must be timezone-aware"):
            call(first, naive)
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        breaches(p1(), policy, naive)
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        start_pause((), naive)


# --- format_time_left ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (None, "paused"),
        (timedelta(0), "0m"),
        (timedelta(seconds=59), "0m"),
        (timedelta(minutes=12, seconds=59), "12m"),
        (timedelta(minutes=59), "59m"),
        (timedelta(hours=1), "1h00m"),
        (timedelta(hours=1, minutes=5), "1h05m"),
        (timedelta(hours=23, minutes=59), "23h59m"),
        (timedelta(days=1), "1d00h"),
        (timedelta(days=3, hours=4, minutes=59), "3d04h"),
        (timedelta(days=999, hours=23), "999d23h"),
        (timedelta(days=1200), "999d+"),
        (timedelta(seconds=-30), "-0m"),
        (timedelta(minutes=-12), "-12m"),
        (timedelta(hours=-1, minutes=-5), "-1h05m"),
        (timedelta(days=-3, hours=-4), "-3d04h"),
        (timedelta(days=-1200), "-999d+"),
    ],
)
def test_format_time_left(delta: timedelta | None, text: str) -> None:
    assert format_time_left(delta) == text
    assert len(text) <= 9


# --- bad sla.toml --------------------------------------------------------------------------


def edited(edit: Any) -> dict[str, Any]:
    doc = copy.deepcopy(load("sla.toml"))
    edit(doc)
    return doc


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d["P3"]["first_response"].update(minutes=-5),
            "sla.toml [P3] first_response.minutes: must be a positive whole number, got -5",
        ),
        (
            lambda d: d["P1"]["resolution"].update(minutes=1.5),
            "sla.toml [P1] resolution.minutes: must be a positive whole number, got 1.5",
        ),
        (
            lambda d: d["P0"]["next_update"].update(business_hours="yes"),
            "sla.toml [P0] next_update.business_hours: must be true or false, got 'yes'",
        ),
        (
            lambda d: d["P2"]["first_response"].update(hours=1),
            "sla.toml [P2] first_response.hours: unknown key",
        ),
        (
            lambda d: d["P2"].update(next_updte={"minutes": 30, "business_hours": False}),
            "sla.toml [P2] next_updte: unknown clock",
        ),
        (lambda d: d["P4"].pop("resolution"), "sla.toml [P4] resolution: missing"),
        (lambda d: d["P1"].update(first_response=60), "sla.toml [P1] first_response: must be"),
        (lambda d: d.pop("P4"), "sla.toml [P4]: missing"),
        (lambda d: d.update(P5={}), "sla.toml [P5]: unknown key"),
        (
            lambda d: d.update(at_risk_fraction=1.5),
            "sla.toml at_risk_fraction: must be a number between 0 and 1",
        ),
        (lambda d: d.pop("at_risk_fraction"), "sla.toml at_risk_fraction: must be a number"),
    ],
)
def test_bad_sla_docs_name_the_key(edit: Any, message: str) -> None:
    with pytest.raises(SlaPolicyError) as caught:
        policy_from_toml(edited(edit), load("business_hours.toml"))
    assert str(caught.value).startswith(message)


def test_bad_business_hours_doc_is_reported_by_policy_from_toml() -> None:
    hours = load("business_hours.toml")
    hours["APAC"]["hours"] = "09:00-25:00"
    with pytest.raises(CalendarError, match=r"business_hours.toml \[APAC\] hours"):
        policy_from_toml(load("sla.toml"), hours)
