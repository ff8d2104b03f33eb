"""The escalation matrix's figures (data/escalation.toml), the tier time limit, and the
on-call roster (data/oncall.toml) across midnight and regions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from agentdesk.core.escalation import (
    EscalationError,
    format_ago,
    matrix_from_text,
    tier_limit,
)
from agentdesk.core.oncall import (
    OnCallError,
    Role,
    on_call,
    on_duty,
    on_duty_manager,
    roster_from_text,
)
from agentdesk.core.ticket import Priority, Region, Status, Tier
from agentdesk.shipped import load_escalation, load_oncall

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def test_the_shipped_matrix_has_limits_below_the_top_tier_and_targets_at_each() -> None:
    matrix = load_escalation()
    assert matrix.limit_minutes(Tier.L1, Priority.P0) == 15
    assert matrix.limit_minutes(Tier.L1, Priority.P2) == 240
    assert matrix.limit_minutes(Tier.L2, Priority.P1) == 240
    assert matrix.limit_minutes(Tier.L3, Priority.P0) is None
    assert all(len(matrix.response_target[t]) == 5 for t in Tier)
    assert "refunds within policy" in matrix.authority[Tier.L1]


@pytest.mark.parametrize(
    ("tier", "priority", "minutes_at_tier", "expected"),
    [
        (Tier.L1, Priority.P1, 59, None),
        (Tier.L1, Priority.P1, 60, "L1 limit passed 0 min ago: escalate or record why not"),
        (Tier.L1, Priority.P1, 72, "L1 limit passed 12 min ago: escalate or record why not"),
        (Tier.L1, Priority.P0, 27, "L1 limit passed 12 min ago: escalate or record why not"),
        (Tier.L2, Priority.P0, 125, "L2 limit passed 1 h 05 min ago: escalate or record why not"),
        (Tier.L3, Priority.P0, 10_000, None),
    ],
)
def test_the_time_limit_per_tier_and_priority(
    tier: Tier, priority: Priority, minutes_at_tier: int, expected: str | None
) -> None:
    found = tier_limit(
        load_escalation(),
        tier=tier,
        priority=priority,
        status=Status.IN_PROGRESS,
        tier_since=NOW - timedelta(minutes=minutes_at_tier),
        now=NOW,
    )
    assert (found.message if found else None) == expected


def test_no_limit_once_resolved_or_when_the_agent_recorded_why_not() -> None:
    since = NOW - timedelta(hours=5)
    common = {"tier": Tier.L1, "priority": Priority.P1, "tier_since": since, "now": NOW}
    matrix = load_escalation()
    assert tier_limit(matrix, status=Status.PENDING, **common) is not None  # type: ignore[arg-type]
    assert tier_limit(matrix, status=Status.RESOLVED, **common) is None  # type: ignore[arg-type]
    assert (
        tier_limit(matrix, status=Status.PENDING, why_not_recorded=True, **common)  # type: ignore[arg-type]
        is None
    )


def test_format_ago() -> None:
    assert format_ago(timedelta(seconds=59)) == "0 min ago"
    assert format_ago(timedelta(hours=26, minutes=3)) == "1 d 2 h ago"


def test_matrix_problems_are_named_by_file_and_line() -> None:
    text = """[tiers.L1]
handles = "standard fixes"
escalate_after = { P0 = 15, P1 = 0, P2 = 240, P3 = 1440, P4 = 2880 }

[tiers.L2]
handles = "complex"
rank = 3

[tiers.L3]
handles = "engineering"
escalate_after = { P0 = 15, P1 = 60, P2 = 240, P3 = 1440, P4 = 2880 }
"""
    with pytest.raises(EscalationError) as raised:
        matrix_from_text(text, "team/escalation.toml")
    message = str(raised.value)
    assert "team/escalation.toml:3: [tiers.L1] escalate_after.P1 must be a whole number" in message
    assert "team/escalation.toml:7: [tiers.L2] unknown key 'rank'" in message
    assert "team/escalation.toml:5: [tiers.L2] escalate_after is missing" in message
    assert "team/escalation.toml:11: [tiers.L3] the top tier has no escalate_after" in message
    with pytest.raises(EscalationError, match=r"x.toml:1: TOML syntax error"):
        matrix_from_text("[tiers\n", "x.toml")


ROSTER = """
[[on_call]]
role = "team_lead"
name = "Night lead"
phone = "+1-512-555-0104"
email = "night@example.com"
regions = ["Americas"]
time_zone = "America/Chicago"
start = "20:00"
end = "08:00"
days = ["mon"]

[[on_call]]
role = "team_lead"
name = "EMEA lead"
phone = "+44-20-7946-0101"
email = "emea@example.com"
regions = ["EMEA"]
time_zone = "Europe/London"
start = "07:00"
end = "19:00"
from = 2026-11-01
until = 2026-11-30

[[on_call]]
role = "incident_manager"
name = "Incidents"
phone = "+1-512-555-0103"
email = "incidents@example.com"
time_zone = "UTC"
start = "00:00"
end = "00:00"
"""


def test_on_call_across_midnight_belongs_to_the_day_it_started() -> None:
    roster = roster_from_text(ROSTER)
    # Monday 2026-11-23 in Chicago (UTC-6): 20:00 Monday to 08:00 Tuesday.
    monday_evening = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)  # Mon 20:30 Chicago
    tuesday_early = datetime(2026, 11, 24, 13, 59, tzinfo=UTC)  # Tue 07:59 Chicago
    tuesday_eight = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # Tue 08:00 Chicago
    tuesday_evening = datetime(2026, 11, 25, 2, 30, tzinfo=UTC)  # Tue 20:30: not a Monday start

    def names(now: datetime) -> list[str]:
        return [e.name for e in on_call(roster, Role.TEAM_LEAD, Region.AMERICAS, now)]

    assert names(monday_evening) == ["Night lead"]
    assert names(tuesday_early) == ["Night lead"]
    assert names(tuesday_eight) == []
    assert names(tuesday_evening) == []


def test_on_call_by_region_and_date_with_the_manager_fallback() -> None:
    roster = roster_from_text(ROSTER)
    noon = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    manager = on_duty_manager(roster, Region.EMEA, noon)
    assert manager is not None and manager.name == "EMEA lead"
    # Not in the EMEA lead's dates, nor for APAC: the incident manager is the one to call.
    december = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert on_duty_manager(roster, Region.EMEA, december).name == "Incidents"  # type: ignore[union-attr]
    assert on_duty_manager(roster, Region.APAC, noon).name == "Incidents"  # type: ignore[union-attr]
    assert [e.role for e in on_duty(roster, Region.EMEA, noon)] == [
        Role.TEAM_LEAD,
        Role.INCIDENT_MANAGER,
    ]
    assert on_duty_manager((), Region.EMEA, noon) is None


def test_the_shipped_roster_covers_every_hour_of_every_region_with_a_manager() -> None:
    roster = load_oncall()
    start = datetime(2026, 11, 23, tzinfo=UTC)
    for hour in range(0, 7 * 24):
        for region in Region:
            now = start + timedelta(hours=hour, minutes=30)
            assert on_duty_manager(roster, region, now) is not None
            assert on_call(roster, Role.L2_SUPPORT, region, now)
    names = {(e.name, e.phone) for e in roster}
    assert ("Team Lead (day)", "+1-512-555-0101") in names
    assert ("L2 Support", "+1-512-555-0102") in names
    assert roster[0].first_day is None and date(2026, 1, 1)


def test_roster_problems_are_named_by_file_and_line() -> None:
    text = """[[on_call]]
role = "team_lead"
name = "A"
phone = "1"
email = "a@example.com"
time_zone = "America/Chicago"
start = "08:00"
end = "20:00"

[[on_call]]
role = "boss"
name = "B"
phone = "2"
email = "b.example.com"
regions = ["Mars"]
time_zone = "Nowhere/City"
start = "8am"
end = "20:00"
"""
    with pytest.raises(OnCallError) as raised:
        roster_from_text(text, "oncall.toml")
    message = str(raised.value)
    for expected in (
        "oncall.toml:11: role 'boss' is not one of",
        "oncall.toml:14: email 'b.example.com' has no @",
        "oncall.toml:15: region 'Mars' is not one of",
        "oncall.toml:16: time_zone = 'Nowhere/City' is not a time zone",
        "oncall.toml:17: start = '8am' is not HH:MM",
    ):
        assert expected in message
