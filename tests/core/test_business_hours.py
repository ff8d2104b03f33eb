"""Business-time arithmetic: weekends, holidays, DST, pauses, and the TOML loader."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from agentdesk.core.business_hours import BusinessCalendar, CalendarError
from agentdesk.core.business_hours_toml import calendars_from_toml
from agentdesk.core.ticket import Region

DATA = Path(__file__).parents[2] / "data"
NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
SINGAPORE = ZoneInfo("Asia/Singapore")
HOUR = 3600.0


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)


def local(
    tz: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz)


@pytest.fixture(scope="module")
def shipped() -> dict[Region, BusinessCalendar]:
    doc = tomllib.loads((DATA / "business_hours.toml").read_text(encoding="utf-8"))
    return calendars_from_toml(doc)


@pytest.fixture
def americas(shipped: dict[Region, BusinessCalendar]) -> BusinessCalendar:
    return shipped[Region.AMERICAS]


@pytest.fixture
def emea(shipped: dict[Region, BusinessCalendar]) -> BusinessCalendar:
    return shipped[Region.EMEA]


@pytest.fixture
def apac(shipped: dict[Region, BusinessCalendar]) -> BusinessCalendar:
    return shipped[Region.APAC]


def one_region(**table: Any) -> BusinessCalendar:
    """A calendar built through the loader, with the other regions filled in."""
    base = {"tz": "UTC", "hours": "09:00-17:00"}
    doc = {r.value: dict(base) for r in Region}
    doc["EMEA"] = table
    return calendars_from_toml(doc)[Region.EMEA]


# --- the shipped file ---------------------------------------------------------------------


def test_shipped_calendars_load_with_their_zones_and_hours(
    shipped: dict[Region, BusinessCalendar],
) -> None:
    assert set(shipped) == set(Region)
    assert shipped[Region.AMERICAS].tz == NY
    assert shipped[Region.EMEA].tz == LONDON
    assert shipped[Region.APAC].tz == SINGAPORE
    for calendar in shipped.values():
        assert dict(calendar.weekly) == {d: ((time(9), time(18)),) for d in range(5)}
        assert date(2025, 12, 25) in calendar.holidays
        assert {h.year for h in calendar.holidays} == {2025, 2026, 2027}
    assert date(2026, 7, 3) in shipped[Region.AMERICAS].holidays  # observed Independence Day
    assert date(2026, 12, 28) in shipped[Region.EMEA].holidays  # Boxing Day substitute
    assert date(2025, 1, 29) in shipped[Region.APAC].holidays  # Chinese New Year


# --- add(): the plain cases ----------------------------------------------------------------


def test_add_within_the_same_day(americas: BusinessCalendar) -> None:
    start = local(NY, 2025, 1, 7, 10)  # Tuesday
    assert americas.add(start, 2 * HOUR) == utc(2025, 1, 7, 17)  # 12:00 EST


def test_add_returns_utc(emea: BusinessCalendar) -> None:
    result = emea.add(local(LONDON, 2025, 6, 3, 10), HOUR)
    assert result == utc(2025, 6, 3, 10)  # 11:00 BST
    assert result.tzinfo is UTC


def test_add_from_before_opening_starts_at_opening(americas: BusinessCalendar) -> None:
    assert americas.add(local(NY, 2025, 1, 7, 7), HOUR) == utc(2025, 1, 7, 15)  # 10:00 EST


def test_add_ending_exactly_at_closing_stays_on_that_day(americas: BusinessCalendar) -> None:
    assert americas.add(local(NY, 2025, 1, 7, 17), HOUR) == utc(2025, 1, 7, 23)  # 18:00 EST


def test_add_zero_is_the_start(americas: BusinessCalendar) -> None:
    start = local(NY, 2025, 1, 11, 3)  # Saturday, closed
    assert americas.add(start, 0) == start


def test_add_skips_the_weekend(americas: BusinessCalendar) -> None:
    friday_5pm = local(NY, 2025, 1, 10, 17)
    assert americas.add(friday_5pm, 2 * HOUR) == utc(2025, 1, 13, 15)  # Mon 10:00 EST
    saturday = local(NY, 2025, 1, 11, 12)
    assert americas.add(saturday, 30 * 60) == utc(2025, 1, 13, 14, 30)  # Mon 09:30 EST


def test_24_business_hours_span_several_days(emea: BusinessCalendar) -> None:
    # Wed 15:00: 3 h Wed, 9 h Thu, 9 h Fri, weekend, 3 h Monday -> Mon 12:00.
    assert emea.add(utc(2025, 1, 8, 15), 24 * HOUR) == utc(2025, 1, 13, 12)


# --- holidays ------------------------------------------------------------------------------


def test_uk_christmas_and_boxing_day_are_closed(emea: BusinessCalendar) -> None:
    # Wed 24 Dec 17:00 -> 1 h that day; Thu 25, Fri 26 holidays, weekend; Mon 29 10:00.
    assert emea.add(utc(2025, 12, 24, 17), 2 * HOUR) == utc(2025, 12, 29, 10)


def test_us_observed_holiday_is_closed(americas: BusinessCalendar) -> None:
    # Fri 3 Jul 2026 is the observed Independence Day.
    thursday_5pm = local(NY, 2026, 7, 2, 17)
    assert americas.add(thursday_5pm, 2 * HOUR) == utc(2026, 7, 6, 14)  # Mon 10:00 EDT


def test_singapore_chinese_new_year_is_closed(apac: BusinessCalendar) -> None:
    # Tue 28 Jan 2025 17:00 SGT; Wed 29 and Thu 30 are Chinese New Year.
    tuesday_5pm = local(SINGAPORE, 2025, 1, 28, 17)
    assert apac.add(tuesday_5pm, 2 * HOUR) == utc(2025, 1, 31, 2)  # Fri 10:00 SGT


def test_holidays_belong_to_their_region(
    americas: BusinessCalendar, emea: BusinessCalendar
) -> None:
    easter_monday_noon = utc(2025, 4, 21, 11)  # 12:00 BST, 07:00 EDT
    assert not emea.is_open(easter_monday_noon)
    assert americas.is_open(utc(2025, 4, 21, 15))
    assert emea.seconds_between(utc(2025, 4, 21), utc(2025, 4, 22)) == 0
    assert americas.seconds_between(utc(2025, 4, 21), utc(2025, 4, 22)) == 9 * HOUR


# --- time zones: a local day is not a UTC day ---------------------------------------------


def test_apac_day_starts_before_midnight_utc(apac: BusinessCalendar) -> None:
    sunday_night_utc = utc(2025, 1, 5, 23, 30)  # Mon 07:30 SGT
    assert apac.add(sunday_night_utc, HOUR) == utc(2025, 1, 6, 2)  # Mon 10:00 SGT
    assert not apac.is_open(utc(2025, 1, 6, 0, 59))  # 08:59 SGT
    assert apac.is_open(utc(2025, 1, 6, 1))  # 09:00 SGT
    assert not apac.is_open(utc(2025, 1, 6, 10))  # 18:00 SGT
    # 17:30 SGT Monday + 1 h -> 30 min Monday, then Tue 09:30 SGT, which is Mon 01:30 UTC+1 day.
    assert apac.add(utc(2025, 1, 6, 9, 30), HOUR) == utc(2025, 1, 7, 1, 30)


def test_americas_evening_is_the_next_utc_day(americas: BusinessCalendar) -> None:
    # 17:30 EST is 22:30 UTC; 18:00 EST is 23:00 UTC; so the day closes before UTC midnight,
    # but a Sunday-evening UTC instant is still the weekend in New York.
    assert americas.is_open(utc(2025, 1, 6, 22, 59))
    assert not americas.is_open(utc(2025, 1, 6, 23))
    assert not americas.is_open(utc(2025, 1, 6, 13, 59))  # 08:59 EST


# --- daylight saving ----------------------------------------------------------------------


def test_us_spring_forward_weekend(americas: BusinessCalendar) -> None:
    # Fri 7 Mar 2025 12:00 EST; clocks go forward Sun 9 Mar. 6 h Fri + 9 h Mon + 9 h Tue.
    friday_noon = local(NY, 2025, 3, 7, 12)
    assert americas.add(friday_noon, 24 * HOUR) == utc(2025, 3, 11, 22)  # Tue 18:00 EDT
    assert americas.add(friday_noon, 7 * HOUR) == utc(2025, 3, 10, 14)  # Mon 10:00 EDT


def test_us_fall_back_weekend(americas: BusinessCalendar) -> None:
    friday_5pm = local(NY, 2025, 10, 31, 17)  # EDT, 21:00 UTC
    assert americas.add(friday_5pm, 2 * HOUR) == utc(2025, 11, 3, 15)  # Mon 10:00 EST
    friday_9am = local(NY, 2025, 10, 31, 9)
    monday_6pm = local(NY, 2025, 11, 3, 18)
    assert americas.seconds_between(friday_9am, monday_6pm) == 18 * HOUR


def test_uk_spring_forward_and_fall_back(emea: BusinessCalendar) -> None:
    # BST starts Sun 30 Mar 2025 and ends Sun 26 Oct 2025.
    assert emea.add(utc(2025, 3, 28, 17), 2 * HOUR) == utc(2025, 3, 31, 9)  # Mon 10:00 BST
    assert emea.add(utc(2025, 10, 24, 16), 2 * HOUR) == utc(2025, 10, 27, 10)  # Mon 10:00 GMT


def test_round_the_clock_local_hours_count_real_time_across_dst() -> None:
    calendar = one_region(
        tz="America/New_York",
        days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        hours="00:00-24:00",
    )
    # Saturday midnight to Monday midnight local: 47 real hours in March, 49 in November.
    assert calendar.seconds_between(local(NY, 2025, 3, 8), local(NY, 2025, 3, 10)) == 47 * HOUR
    assert calendar.seconds_between(local(NY, 2025, 11, 1), local(NY, 2025, 11, 3)) == 49 * HOUR
    assert calendar.add(local(NY, 2025, 3, 9), 3 * HOUR) == utc(2025, 3, 9, 8)  # 04:00 EDT


def test_opening_time_that_does_not_exist_opens_when_the_clock_jumps() -> None:
    calendar = one_region(tz="America/New_York", days=[], sun="02:30-04:00")
    spring_sunday = local(NY, 2025, 3, 9)  # 02:00 EST -> 03:00 EDT
    next_day = local(NY, 2025, 3, 10)
    # Open from the jump (03:00 EDT = 07:00 UTC) to 04:00 EDT: one real hour.
    assert calendar.seconds_between(spring_sunday, next_day) == HOUR
    assert calendar.add(spring_sunday, 30 * 60) == utc(2025, 3, 9, 7, 30)
    assert not calendar.is_open(utc(2025, 3, 9, 6, 59))
    assert calendar.is_open(utc(2025, 3, 9, 7))
    # An ordinary Sunday has the full 90 minutes.
    assert calendar.seconds_between(local(NY, 2025, 3, 16), local(NY, 2025, 3, 17)) == 90 * 60


def test_interval_wholly_inside_the_gap_never_opens() -> None:
    calendar = one_region(tz="America/New_York", days=[], sun="02:00-02:45")
    assert calendar.seconds_between(local(NY, 2025, 3, 9), local(NY, 2025, 3, 10)) == 0
    # The next Sunday opens normally: 02:00 EDT = 06:00 UTC.
    assert calendar.add(local(NY, 2025, 3, 9), 60) == utc(2025, 3, 16, 6, 1)


def test_ambiguous_fall_back_time_means_its_first_occurrence() -> None:
    calendar = one_region(tz="America/New_York", days=[], sun="01:00-01:30")
    fall_back_sunday = local(NY, 2025, 11, 2)
    assert calendar.add(fall_back_sunday, 60) == utc(2025, 11, 2, 5, 1)  # 01:01 EDT
    assert calendar.seconds_between(fall_back_sunday, local(NY, 2025, 11, 3)) == 30 * 60


def test_add_and_seconds_between_agree_across_dst_and_holidays(
    shipped: dict[Region, BusinessCalendar],
) -> None:
    pauses = [(utc(2025, 3, 10, 15), utc(2025, 3, 11, 16))]
    for calendar in shipped.values():
        start = utc(2025, 3, 1)
        while start < utc(2025, 4, 25):
            for seconds in (60.0, 4 * HOUR, 24 * HOUR, 72 * HOUR):
                due = calendar.add(start, seconds)
                assert calendar.seconds_between(start, due) == seconds
                assert calendar.is_open(due - timedelta(seconds=1))
                paused_due = calendar.add(start, seconds, pauses)
                assert calendar.seconds_between(start, paused_due, pauses) == seconds
            start += timedelta(minutes=397)


# --- pauses --------------------------------------------------------------------------------


def test_pause_across_a_business_day_boundary(americas: BusinessCalendar) -> None:
    start = local(NY, 2025, 1, 10, 16)  # Friday
    pauses = [(local(NY, 2025, 1, 10, 17), local(NY, 2025, 1, 13, 10))]  # until Mon 10:00
    # 1 h Friday, paused until Monday 10:00, then 2 h.
    assert americas.add(start, 3 * HOUR, pauses) == utc(2025, 1, 13, 17)  # Mon 12:00 EST
    assert americas.add(start, 3 * HOUR) == utc(2025, 1, 13, 15)  # unpaused: Mon 10:00
    assert americas.seconds_between(start, local(NY, 2025, 1, 13, 12), pauses) == 3 * HOUR


def test_pause_in_closed_time_changes_nothing(americas: BusinessCalendar) -> None:
    start = local(NY, 2025, 1, 10, 17)
    weekend = [(local(NY, 2025, 1, 11, 8), local(NY, 2025, 1, 12, 20))]
    assert americas.add(start, 2 * HOUR, weekend) == americas.add(start, 2 * HOUR)


def test_pauses_may_overlap_and_come_unsorted(americas: BusinessCalendar) -> None:
    start = local(NY, 2025, 1, 7, 9)
    pauses = [
        (local(NY, 2025, 1, 7, 11), local(NY, 2025, 1, 7, 12)),
        (local(NY, 2025, 1, 7, 10), local(NY, 2025, 1, 7, 11, 30)),
    ]
    assert americas.add(start, 2 * HOUR, pauses) == utc(2025, 1, 7, 18)  # 13:00 EST


def test_pauses_on_a_24x7_clock_shift_the_due_time() -> None:
    always = BusinessCalendar.always_open()
    start = utc(2025, 1, 4, 22)
    pauses = [(utc(2025, 1, 4, 22, 30), utc(2025, 1, 5, 1))]
    assert always.add(start, HOUR) == utc(2025, 1, 4, 23)
    assert always.add(start, HOUR, pauses) == utc(2025, 1, 5, 1, 30)
    assert always.seconds_between(start, utc(2025, 1, 5, 2), pauses) == 90 * 60
    assert always.is_open(utc(2025, 12, 25, 3))


def test_open_pause_stops_the_clock(americas: BusinessCalendar) -> None:
    start = local(NY, 2025, 1, 7, 9)
    pending = [(local(NY, 2025, 1, 7, 10), None)]
    with pytest.raises(ValueError, match="paused since"):
        americas.add(start, 2 * HOUR, pending)
    assert americas.add(start, 30 * 60, pending) == utc(2025, 1, 7, 14, 30)
    assert americas.seconds_between(start, local(NY, 2025, 1, 9, 9), pending) == HOUR
    with pytest.raises(ValueError, match="paused since"):
        BusinessCalendar.always_open().add(start, 2 * HOUR, pending)


# --- refusals ------------------------------------------------------------------------------


def test_naive_datetimes_are_refused(americas: BusinessCalendar) -> None:
    naive = datetime(2025, 1, 7, 9)
    with pytest.raises(ValueError, match="timezone-aware"):
        americas.add(naive, HOUR)
    with pytest.raises(ValueError, match="timezone-aware"):
        americas.is_open(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        americas.seconds_between(utc(2025, 1, 7), naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        americas.add(utc(2025, 1, 7), HOUR, [(naive, None)])
    with pytest.raises(ValueError, match="timezone-aware"):
        BusinessCalendar.always_open().add(naive, HOUR)


def test_negative_or_endless_durations_are_refused(americas: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="seconds"):
        americas.add(utc(2025, 1, 7), -1)
    with pytest.raises(ValueError, match="seconds"):
        americas.add(utc(2025, 1, 7), float("inf"))


def test_seconds_between_is_zero_when_end_is_not_after_start(americas: BusinessCalendar) -> None:
    assert americas.seconds_between(utc(2025, 1, 7, 16), utc(2025, 1, 7, 15)) == 0


def test_add_gives_up_after_the_horizon() -> None:
    mondays = frozenset(date(2025, 1, 6) + timedelta(weeks=n) for n in range(200))
    calendar = BusinessCalendar(
        name="mondays only, all holidays",
        tz=ZoneInfo("UTC"),
        weekly={0: ((time(9), time(17)),)},
        holidays=mondays,
    )
    with pytest.raises(CalendarError, match="not enough business time"):
        calendar.add(utc(2025, 1, 1), HOUR)


def test_a_calendar_with_no_open_hours_is_refused() -> None:
    with pytest.raises(CalendarError, match="no open hours"):
        BusinessCalendar(name="never", tz=ZoneInfo("UTC"), weekly={}, holidays=frozenset())


# --- the TOML format -----------------------------------------------------------------------


def test_per_day_overrides_and_split_hours() -> None:
    calendar = one_region(
        tz="Europe/London",
        hours="09:00-12:00, 13:00-18:00",
        fri="09:00-12:00,13:00-17:00",
        sat="10:00-14:00",
        wed="closed",
        holidays=["2025-06-02"],
    )
    assert dict(calendar.weekly) == {
        0: ((time(9), time(12)), (time(13), time(18))),
        1: ((time(9), time(12)), (time(13), time(18))),
        3: ((time(9), time(12)), (time(13), time(18))),
        4: ((time(9), time(12)), (time(13), time(17))),
        5: ((time(10), time(14)),),
    }
    assert calendar.holidays == frozenset({date(2025, 6, 2)})
    # Tuesday 11:00 BST + 2 h: 1 h to lunch, then 13:00-14:00.
    assert calendar.add(local(LONDON, 2025, 6, 3, 11), 2 * HOUR) == utc(2025, 6, 3, 13)
    assert not calendar.is_open(local(LONDON, 2025, 6, 3, 12, 30))
    # Friday 16:30 + 2 h: 30 min Friday, then Saturday 10:00-11:30.
    assert calendar.add(local(LONDON, 2025, 6, 6, 16, 30), 2 * HOUR) == utc(2025, 6, 7, 10, 30)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"tz": "Europe/London", "hours": "9:00-25:00"},
            "business_hours.toml [EMEA] hours: '9:00-25:00' is not a time range",
        ),
        (
            {"tz": "Europe/London", "hours": "18:00-09:00"},
            "business_hours.toml [EMEA] hours: '18:00-09:00' is not a time range",
        ),
        (
            {"tz": "Europe/London", "hours": "22:00-00:00"},
            "business_hours.toml [EMEA] hours: '22:00-00:00' is not a time range",
        ),
        (
            {"tz": "Europe/London", "hours": "09:00"},
            "business_hours.toml [EMEA] hours: '09:00' is not a time range",
        ),
        (
            {"tz": "Europe/London", "hours": 9},
            "business_hours.toml [EMEA] hours: must be a string",
        ),
        (
            {"tz": "Europe/London", "hours": "09:00-13:00,12:00-18:00"},
            "business_hours.toml [EMEA] hours: '09:00-13:00,12:00-18:00' has overlapping",
        ),
        (
            {"tz": "Europe/London", "hours": "09:00-18:00", "fri": "13:00-12:00"},
            "business_hours.toml [EMEA] fri: '13:00-12:00' is not a time range",
        ),
        (
            {"tz": "Europe/Londn", "hours": "09:00-18:00"},
            "business_hours.toml [EMEA] tz: 'Europe/Londn' is not a known time zone",
        ),
        ({"hours": "09:00-18:00"}, "business_hours.toml [EMEA] tz: required"),
        (
            {"tz": "Europe/London", "hours": "09:00-18:00", "days": ["mon", "fryday"]},
            "business_hours.toml [EMEA] days: 'fryday' is not a day",
        ),
        (
            {"tz": "Europe/London", "hours": "09:00-18:00", "holidays": ["2025-13-01"]},
            "business_hours.toml [EMEA] holidays[0]: '2025-13-01' is not a date",
        ),
        (
            {
                "tz": "Europe/London",
                "hours": "09:00-18:00",
                "holidays": [date(2025, 1, 1), datetime(2025, 12, 25, 9)],
            },
            "business_hours.toml [EMEA] holidays[1]: 2025-12-25T09:00:00 is a date-time",
        ),
        (
            {"tz": "Europe/London", "hours": "09:00-18:00", "hollidays": []},
            "business_hours.toml [EMEA] hollidays: unknown key",
        ),
        ({"tz": "Europe/London"}, "business_hours.toml [EMEA] hours: required"),
        (
            {"tz": "Europe/London", "hours": "closed"},
            "business_hours.toml [EMEA]: no open hours in the week",
        ),
    ],
)
def test_bad_region_tables_name_the_key(table: dict[str, Any], message: str) -> None:
    with pytest.raises(CalendarError) as caught:
        one_region(**table)
    assert str(caught.value).startswith(message)


def test_unknown_and_missing_regions_are_named() -> None:
    good = {"tz": "UTC", "hours": "09:00-17:00"}
    with pytest.raises(CalendarError, match=r"business_hours.toml: unknown region \[Europe\]"):
        calendars_from_toml({"Americas": good, "EMEA": good, "APAC": good, "Europe": good})
    with pytest.raises(CalendarError, match=r"business_hours.toml: missing \[APAC\]"):
        calendars_from_toml({"Americas": good, "EMEA": good})
    with pytest.raises(CalendarError, match=r"custom.toml \[EMEA\]: must be a table"):
        calendars_from_toml({"Americas": good, "EMEA": "9-5", "APAC": good}, "custom.toml")
