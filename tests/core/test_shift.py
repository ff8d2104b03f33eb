"""core.shift: the checklist gate, adherence on hand-computed shifts, the end of shift, and the
shift files' file:line errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from agentdesk.core import actions
from agentdesk.core.actions import Action
from agentdesk.core.changes import ChangeRefused, TicketChange, TicketSnapshot, plan_change
from agentdesk.core.shift import (
    NO_SHIFT,
    ChecklistItem,
    Interval,
    ItemState,
    Phase,
    PlannedShift,
    Presence,
    ShiftGate,
    adherence,
    missing_required,
    time_in_states,
)
from agentdesk.core.shift_end import (
    Disposition,
    EndTicket,
    Handover,
    end_review,
    handover_body,
    parse_handover,
)
from agentdesk.core.shift_files import (
    ShiftFileError,
    announcements_from_text,
    checklist_from_text,
    roster_from_text,
)
from agentdesk.core.shift_roster import (
    RosterEntry,
    describe_offset,
    planned_on,
    planned_shift_for,
    start_offset,
)
from agentdesk.core.ticket import Priority, Region, Status, Tier
from agentdesk.core.verification import VerificationStatus
from agentdesk.shipped import load_sla_policy

AT = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def _at(hours: float, day: datetime = AT) -> datetime:
    return day + timedelta(hours=hours)


# -- the checklist and the gate ----------------------------------------------------------

TOOLS = ChecklistItem("tools", Phase.START, "Tools logged in")
KEYRING = ChecklistItem("keyring", Phase.START, "Keyring usable", "keyring", required=False)
HELPDESK = ChecklistItem("helpdesk", Phase.START, "Helpdesk reachable", "helpdesk")


def test_required_items_not_done_are_missing_advisory_ones_never() -> None:
    states = [ItemState(TOOLS), ItemState(KEYRING, passed=False), ItemState(HELPDESK)]
    assert missing_required(states, Phase.START) == ("Tools logged in", "Helpdesk reachable")
    states = [
        ItemState(TOOLS, done_at=AT),
        ItemState(KEYRING, passed=False),  # failed, but advisory
        ItemState(HELPDESK, done_at=AT, passed=True),
    ]
    assert missing_required(states, Phase.START) == ()
    # An automatic item is done by its result, not by having run.
    assert missing_required([ItemState(HELPDESK, done_at=AT, passed=False)], Phase.START) == (
        "Helpdesk reachable",
    )


def _snapshot(status: Status = Status.NEW) -> TicketSnapshot:
    return TicketSnapshot(
        id=7,
        subject="s",
        priority=Priority.P2,
        status=status,
        region=Region.EMEA,
        tier=Tier.L1,
        assignee_id=None,
        created_at=AT - timedelta(hours=1),
    )


UNVERIFIED = VerificationStatus(
    verified_until=None, failures=0, locked=False, last_failed_step=None
)


@pytest.mark.parametrize("action", [Action.ASSIGN_TO_ME, Action.START_WORK])
def test_taking_a_ticket_waits_for_the_required_items_and_names_them(action: Action) -> None:
    gate = ShiftGate(True, True, ("Tools logged in", "Announcements read"))
    why = actions.why_not(action, _snapshot(), Tier.L1, UNVERIFIED, gate)
    assert why == "the start checklist is not done; required: Tools logged in, Announcements read"
    assert actions.why_not(action, _snapshot(), Tier.L1, UNVERIFIED, ShiftGate(True)) == NO_SHIFT
    assert actions.why_not(action, _snapshot(), Tier.L1, UNVERIFIED, ShiftGate(True, True)) is None
    assert actions.why_not(action, _snapshot(), Tier.L1, UNVERIFIED, None) is None
    # Other actions do not wait for the shift.
    assert actions.why_not(Action.INTERNAL_NOTE, _snapshot(), Tier.L1, UNVERIFIED, gate) is None


def test_plan_change_gives_the_same_refusal_as_the_keys() -> None:
    gate = ShiftGate(True, True, ("Tools logged in",))
    change = TicketChange("assign", status=Status.ASSIGNED, assignee_id=1)
    with pytest.raises(ChangeRefused) as refused:
        plan_change(_snapshot(), change, now=AT, policy=load_sla_policy(), shift=gate)
    why = actions.why_not(Action.ASSIGN_TO_ME, _snapshot(), Tier.L1, UNVERIFIED, gate)
    assert str(refused.value) == f"#7: {why}"
    plan = plan_change(
        _snapshot(), change, now=AT, policy=load_sla_policy(), shift=ShiftGate(True, True)
    )
    assert plan.after.assignee_id == 1


# -- adherence -----------------------------------------------------------------------------

# 08:00-16:00 UTC planned, a planned break 12:00-12:30: 480 minutes of planned shift time.
PLAN = PlannedShift(_at(0), _at(8), ((_at(4), _at(4.5)),))


def _worked(*spans: tuple[float, float, Presence]) -> list[Interval]:
    return [Interval(state, _at(a), _at(b)) for a, b, state in spans]


def test_a_day_as_planned_is_fully_adherent() -> None:
    day = _worked(
        (0, 4, Presence.AVAILABLE), (4, 4.5, Presence.BREAK), (4.5, 8, Presence.AVAILABLE)
    )
    assert adherence(PLAN, day, _at(9)) == 1.0


def test_late_start() -> None:
    # Started 08:15: 15 of 480 minutes not adherent -> 465/480.
    day = _worked(
        (0.25, 4, Presence.AVAILABLE), (4, 4.5, Presence.BREAK), (4.5, 8, Presence.AVAILABLE)
    )
    assert adherence(PLAN, day, _at(9)) == pytest.approx(465 / 480)


def test_long_break() -> None:
    # Break 12:00-13:00 for a planned 12:00-12:30: the extra 30 minutes -> 450/480.
    day = _worked((0, 4, Presence.AVAILABLE), (4, 5, Presence.BREAK), (5, 8, Presence.AVAILABLE))
    assert adherence(PLAN, day, _at(9)) == pytest.approx(450 / 480)


def test_training_and_wrap_up_count_and_signed_off_during_the_break_counts() -> None:
    # Training 09:00-10:00, signed off over the planned break, wrap-up in the last 15 min.
    day = _worked(
        (0, 1, Presence.AVAILABLE),
        (1, 2, Presence.TRAINING),
        (2, 4, Presence.AVAILABLE),
        (4.5, 7.75, Presence.AVAILABLE),
        (7.75, 8, Presence.WRAP_UP),
    )
    assert adherence(PLAN, day, _at(9)) == 1.0


def test_a_shift_across_midnight() -> None:
    entry = RosterEntry("diego.ramos", "UTC", time(22, 0), time(6, 0), ((time(2, 0), time(2, 30)),))
    plan = planned_on(entry, date(2026, 11, 23))
    night = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
    assert (plan.start, plan.end) == (night, night + timedelta(hours=8))
    assert plan.breaks == ((night + timedelta(hours=4), night + timedelta(hours=4.5)),)
    # Worked 22:00-02:00, break 02:00-02:30, then until 05:30: the last 30 min missing.
    day = _worked(
        (0, 4, Presence.AVAILABLE), (4, 4.5, Presence.BREAK), (4.5, 7.5, Presence.AVAILABLE)
    )
    day = [Interval(i.state, i.start + timedelta(hours=14), i.end) for i in day]
    day = [
        Interval(i.state, i.start, None if i.end is None else i.end + timedelta(hours=14))
        for i in day
    ]
    assert adherence(plan, day, night + timedelta(hours=12)) == pytest.approx(450 / 480)
    # At 01:00 the running shift is the one that started the evening before.
    assert planned_shift_for(entry, night + timedelta(hours=3)) == plan


def test_a_dst_day_has_a_seven_hour_shift_in_london() -> None:
    # 29 March 2026: at 01:00 GMT London's clocks go to 02:00 BST.
    london = ZoneInfo("Europe/London")
    entry = RosterEntry("amara.okafor", "Europe/London", time(0, 0), time(8, 0))
    plan = planned_on(entry, date(2026, 3, 29))
    assert plan.start == datetime(2026, 3, 29, 0, 0, tzinfo=UTC)
    assert plan.end == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # 08:00 BST
    assert plan.length == timedelta(hours=7)
    assert plan.end.astimezone(london).hour == 8
    # Started 00:30 local (00:30 UTC), worked to the end: 6.5 of 7 hours.
    day = [Interval(Presence.AVAILABLE, plan.start + timedelta(minutes=30), plan.end)]
    assert adherence(plan, day, plan.end) == pytest.approx(6.5 / 7)


def test_time_in_each_state_and_the_open_interval_runs_to_now() -> None:
    day = [
        Interval(Presence.AVAILABLE, _at(0), _at(1)),
        Interval(Presence.BREAK, _at(1), None),
    ]
    totals = time_in_states(day, _at(1.25))
    assert totals[Presence.AVAILABLE] == timedelta(hours=1)
    assert totals[Presence.BREAK] == timedelta(minutes=15)
    assert totals[Presence.TRAINING] == timedelta(0)


def test_starting_late_or_early_is_recorded_as_an_offset() -> None:
    assert describe_offset(start_offset(PLAN, _at(0.25))) == "15 min late"
    assert describe_offset(start_offset(PLAN, _at(-0.1))) == "6 min early"
    assert describe_offset(start_offset(None, _at(0))) == "no planned shift in the roster"


# -- the end of the shift -----------------------------------------------------------------

END_ITEMS = (
    ChecklistItem("dispositions", Phase.END, "Follow-ups marked", "dispositions"),
    ChecklistItem("handovers", Phase.END, "P0/P1 handed over", "handovers"),
    ChecklistItem("wrap_up", Phase.END, "Wrap-up notes written", "wrap_up"),
)


def test_the_end_lists_every_blocker_and_a_handover_resolves_each() -> None:
    tickets = [
        EndTicket(1, "Outage", Priority.P0, True),
        EndTicket(2, "Refund", Priority.P3, True, unsent_drafts=("composer",)),
        EndTicket(3, "Login", Priority.P2, False, note_missing=("Next steps",)),
    ]
    review = end_review(tickets, END_ITEMS, "", AT)
    assert review.blockers == (
        "#1: P0 with no handover",
        "#2: unsent draft (composer)",
        "#3: structured note incomplete (missing Next steps)",
        "end checklist: Follow-ups marked",
        "end checklist: P0/P1 handed over",
        "end checklist: Wrap-up notes written",
    )
    handed = [
        EndTicket(
            t.id,
            t.subject,
            t.priority,
            t.assigned_to_me,
            t.unsent_drafts,
            t.note_missing,
            Disposition.HANDOVER,
        )
        for t in tickets
    ]
    review = end_review(handed, END_ITEMS, "Quiet day; #1 needs the L3 update at 18:00", AT)
    assert review.may_close and review.blockers == ()


def test_a_follow_up_marks_a_ticket_but_a_p1_still_needs_a_handover() -> None:
    tickets = [
        EndTicket(1, "a", Priority.P1, True, disposition=Disposition.FOLLOW_UP),
        EndTicket(2, "b", Priority.P3, True, disposition=Disposition.LEFT),
    ]
    review = end_review(tickets, END_ITEMS, "done", AT)
    assert review.blockers == ("#1: P1 with no handover", "end checklist: P0/P1 handed over")


def test_a_handover_note_round_trips() -> None:
    to_agent = Handover("amara.okafor", to_agent="li.wei", note="Customer calls back at 9.")
    assert parse_handover(handover_body(to_agent)) == to_agent
    to_queue = Handover("amara.okafor", to_queue="General", note="Waiting on billing.")
    parsed = parse_handover(handover_body(to_queue))
    assert parsed == to_queue and parsed.addressed_to("anyone")
    assert not to_agent.addressed_to("ben.k")
    assert parse_handover("Issue summary: Handover from x to @y") is None


# -- the files -----------------------------------------------------------------------------


def test_the_shipped_files_load() -> None:
    from agentdesk.core.shift_files import ANNOUNCEMENTS, CHECKLISTS, ROSTER
    from agentdesk.shipped import load_shift_data

    checklist = load_shift_data(CHECKLISTS)
    assert {i.id for i in checklist.start} >= {"helpdesk", "announcements", "priority_queue"}
    assert "amara.okafor" in load_shift_data(ROSTER)
    assert load_shift_data(ANNOUNCEMENTS)


def test_a_checklist_problem_names_file_and_line() -> None:
    text = (
        '[[start]]\nid = "tools"\nlabel = "Tools"\n\n'
        '[[start]]\nid = "x"\nlabel = "X"\ncheck = "vpn"\n'
    )
    with pytest.raises(ShiftFileError) as error:
        checklist_from_text(text, "team/checklists.toml")
    assert str(error.value).startswith("team/checklists.toml:8: check 'vpn' is not known")
    with pytest.raises(ShiftFileError) as error:
        checklist_from_text("[[start]\n", "c.toml")
    assert str(error.value).startswith("c.toml:1: TOML syntax error")


def test_a_roster_problem_names_file_and_line() -> None:
    text = '[agents."a.b"]\ntime_zone = "Mars/Olympus"\nstart = "9:00"\nend = "17:00"\n'
    with pytest.raises(ShiftFileError) as error:
        roster_from_text(text, "roster.toml")
    assert str(error.value).splitlines() == [
        "roster.toml:2: time_zone = 'Mars/Olympus' is not a time zone such as Europe/London",
        "roster.toml:3: start = '9:00' is not a time HH:MM",
    ]


def test_announcements_are_current_within_their_dates() -> None:
    text = (
        '[[announcement]]\nid = "a"\ntitle = "A"\nbody = ""\nfrom = 2026-11-01\n'
        "until = 2026-11-30\n"
    )
    (found,) = announcements_from_text(text)
    assert found.current(date(2026, 11, 30)) and not found.current(date(2026, 12, 1))
    with pytest.raises(ShiftFileError) as error:
        announcements_from_text(text.replace("until = 2026-11-30", 'until = "soon"'), "a.toml")
    assert str(error.value) == "a.toml:6: until must be a date such as 2026-11-01"
