"""desk.shift on a real temp SQLite: the start checklist gates taking tickets, checks are
stored with their reason and duration, presence, the end of shift refuses with its blockers, a
handover reassigns through the outbox, and the next agent sees it first."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from agentdesk.core.errors import BadInput, Refused
from agentdesk.core.shift import Phase, Presence
from agentdesk.desk import Desk, ticket_work
from agentdesk.desk import shift as desk_shift
from agentdesk.desk.shift_checks import (
    NOTHING_IN_THE_KEYRING,
    CheckResult,
    clock_verdict,
    run_check,
)
from agentdesk.session import Session
from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import Store, open_store
from agentdesk.store.queries import agent_by_handle
from agentdesk.store.writes import load_snapshot
from tests.conftest import FIXED_NOW
from tests.desk.queue_fixtures import fill, local_settings


class Clock:
    def __init__(self) -> None:
        self.now = FIXED_NOW

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = open_store(tmp_path / "agentdesk.db", load_sla_policy())
    fill(store)
    yield store  # type: ignore[misc]
    store.close()


def _desk(store: Store, folder: Path, handle: str, clock: Clock, **settings: object) -> Desk:
    with store.read() as connection:
        agent = agent_by_handle(connection, handle)
    config = replace(local_settings(folder), agent_handle=handle, shift=True, **settings)  # type: ignore[arg-type]
    return Desk(Session(settings=config, store=store, agent=agent), clock)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def amara(store: Store, tmp_path: Path, clock: Clock) -> Desk:
    return _desk(store, tmp_path, "amara.okafor", clock)


def _ready(desk: Desk) -> None:
    """Everything required at the start, the way an agent does it."""
    view = desk_shift.shift_status(desk)
    assert view is not None
    for announcement, _ in view.announcements:
        desk_shift.acknowledge_announcement(desk, announcement.id)
    desk_shift.tick(desk, "tools")
    desk_shift.priority_reviewed(desk, {t.id for t in desk_shift.priority_queue(desk)})
    desk_shift.run_checks(desk)


def test_no_shift_no_tickets_then_the_refusal_names_each_missing_item(amara: Desk) -> None:
    ticket = load_snapshot_of(amara, 2)
    with pytest.raises(Refused) as refused:
        ticket_work.assign_to_me(amara, ticket)
    assert "no shift is open" in str(refused.value)

    view = desk_shift.start_shift(amara)
    # 14:00 UTC Monday: Amara's 08:00-16:30 London shift started 6 h ago.
    assert desk_shift.lateness(view) == "360 min late"
    assert view.planned is not None and view.planned.length == timedelta(hours=8, minutes=30)
    actions = ticket_work.actions_now(amara, ticket)
    from agentdesk.core.actions import Action

    why = actions[Action.ASSIGN_TO_ME]
    assert why is not None and why.startswith("the start checklist is not done; required: ")
    for label in ("Helpdesk reachable", "Tools logged in", "Announcements read", "Priority queue"):
        assert label in why
    with pytest.raises(Refused) as refused:
        ticket_work.assign_to_me(amara, ticket)
    assert str(refused.value) == f"#2: {why}"

    _ready(amara)
    assert desk_shift.shift_gate(amara) is not None
    assert desk_shift.shift_gate(amara).missing == ()  # type: ignore[union-attr]
    ticket_work.assign_to_me(amara, ticket)
    assert load_snapshot_of(amara, 2).assignee_id == 1


def load_snapshot_of(desk: Desk, ticket_id: int):  # type: ignore[no-untyped-def]
    with desk.store.read() as connection:
        return load_snapshot(connection, ticket_id)


def test_announcements_must_each_be_acknowledged_once(amara: Desk) -> None:
    view = desk_shift.start_shift(amara)
    assert [acked for _, acked in view.announcements] == [False, False]
    with pytest.raises(Refused) as refused:
        desk_shift.tick(amara, "announcements")
    assert "Holiday refund window extended" in str(refused.value)
    first, second = (a.id for a, _ in view.announcements)
    desk_shift.acknowledge_announcement(amara, first)
    view = desk_shift.acknowledge_announcement(amara, second)
    state = next(s for s in view.items if s.item.id == "announcements")
    assert state.done and state.done_at == FIXED_NOW
    with amara.store.read() as connection:
        count = connection.execute(text("SELECT count(*) FROM shift_acks")).scalar()
    assert count == 2


def test_each_check_is_stored_with_pass_fail_reason_and_duration(amara: Desk) -> None:
    desk_shift.start_shift(amara)
    ticks = iter([10.0, 10.25])
    result = run_check(amara, "outbox", "outbox", None, timer=lambda: next(ticks))
    # The fixture left an unsent edit and an open conflict.
    assert result == CheckResult(
        "outbox", False, "1 unsent outbox item, 1 open conflict (C) from the last shift", 0.25
    )
    view = desk_shift.record_check(amara, result)
    state = next(s for s in view.items if s.item.id == "outbox")
    assert (state.passed, state.seconds, state.mark) == (False, 0.25, "✗")
    helpdesk = run_check(amara, "helpdesk", "helpdesk", None)
    assert helpdesk.passed and helpdesk.reason.startswith("local backend")


def test_the_clock_check_allows_thirty_seconds() -> None:
    assert clock_verdict(FIXED_NOW, FIXED_NOW - timedelta(seconds=30))[0]
    passed, reason = clock_verdict(FIXED_NOW, FIXED_NOW + timedelta(seconds=31))
    assert not passed and reason.startswith("local clock 31 s behind the helpdesk")


def test_a_team_command_and_its_exit_status(tmp_path: Path, store: Store, clock: Clock) -> None:
    team = tmp_path / "team"
    team.mkdir()
    (team / "checklists.toml").write_text(
        '[[start]]\nid = "vpn"\nlabel = "VPN up"\ncheck = "command"\n\n'
        '[command]\nrun = ["sh", "-c", "echo tunnel down; exit 3"]\ntimeout = 20\n'
    )
    desk = _desk(store, tmp_path, "amara.okafor", clock, shift_folder=team)
    view = desk_shift.start_shift(desk)
    assert [s.item.id for s in view.items] == ["vpn"]  # the team's file replaced the shipped
    view = desk_shift.run_checks(desk)
    (state,) = view.items
    assert (state.passed, state.reason) == (False, "exit status 3: tunnel down")
    assert view.missing == ("VPN up",)


def test_a_command_that_hangs_is_stopped_at_its_timeout(tmp_path: Path, amara: Desk) -> None:
    from agentdesk.core.shift import TeamCommand

    result = run_check(amara, "vpn", "command", TeamCommand(("sleep", "600"), 0.2))
    assert (result.passed, result.reason) == (False, "sleep gave no answer in 0.2 s")


def test_presence_intervals_and_a_break(amara: Desk, clock: Clock) -> None:
    desk_shift.start_shift(amara)
    clock.now += timedelta(minutes=30)
    desk_shift.set_presence(amara, Presence.BREAK)
    clock.now += timedelta(minutes=15)
    view = desk_shift.set_presence(amara, Presence.AVAILABLE)
    assert [(i.state, i.start, i.end) for i in view.intervals] == [
        (Presence.AVAILABLE, FIXED_NOW, FIXED_NOW + timedelta(minutes=30)),
        (Presence.BREAK, FIXED_NOW + timedelta(minutes=30), FIXED_NOW + timedelta(minutes=45)),
        (Presence.AVAILABLE, FIXED_NOW + timedelta(minutes=45), None),
    ]
    assert view.presence is not None and view.presence.state is Presence.AVAILABLE


def test_the_end_refuses_listing_blockers_and_a_handover_resolves_them(
    store: Store, tmp_path: Path, amara: Desk, clock: Clock
) -> None:
    desk_shift.start_shift(amara)
    _ready(amara)
    # Ticket 1 is a P1: Amara takes it and starts a reply she does not send.
    ticket_work.assign_to_me(amara, load_snapshot_of(amara, 1))
    ticket_work.save_draft(amara, 3, "composer", "reply", "Hello, about your")
    with pytest.raises(Refused) as refused:
        desk_shift.end_shift(amara)
    assert refused.value.missing == (
        "#1: P1 with no handover",
        "#3: unsent draft (composer)",
        "end checklist: Follow-ups marked: every open ticket has a follow-up, handover or reason",
        "end checklist: P0/P1 tickets handed over to the next shift",
        "end checklist: Wrap-up notes written",
    )
    with pytest.raises(Refused):
        desk_shift.hand_over(amara, 1, "  ", to_agent="li.wei")
    with pytest.raises(BadInput):
        desk_shift.hand_over(amara, 1, "note", to_agent="nobody.here")
    desk_shift.hand_over(
        amara, 1, "Customer calls back at 09:00 about the refund.", to_agent="li.wei"
    )
    desk_shift.hand_over(
        amara, 3, "Reply half written; billing confirms first.", to_queue="General"
    )
    review = desk_shift.write_wrap_up(amara, "Quiet afternoon. #1 waits on the customer.")
    assert review.may_close, review.blockers
    closed = desk_shift.end_shift(amara)
    assert closed.ended_at == FIXED_NOW

    with store.read() as connection:
        assert load_snapshot(connection, 1).assignee_id == 2
        assert load_snapshot(connection, 3).assignee_id is None
        op = connection.execute(
            text("SELECT op, payload FROM outbox WHERE ticket_id = 1 ORDER BY id DESC LIMIT 1")
        ).one()
        audit = connection.execute(
            text("SELECT field, new_value FROM audit WHERE ticket_id = 1 AND action = 'shift_end'")
        ).all()
    payload = json.loads(op.payload)
    assert op.op == "handover"
    assert payload["fields"]["assignee_id"] == {"from": "1", "to": "2"}
    assert payload["message"]["kind"] == "internal_note"
    assert payload["message"]["body"].startswith("Handover from amara.okafor to @li.wei\n\n")
    assert audit == [("handover", "Customer calls back at 09:00 about the refund.")]

    # The next agent sees both (one to them, one to the queue) first, and acknowledges them.
    clock.now += timedelta(hours=1)
    li = _desk(store, tmp_path, "li.wei", clock)
    view = desk_shift.start_shift(li)
    assert [(h.ticket_id, h.handover.target) for h in view.handovers] == [
        (3, "queue General"),
        (1, "@li.wei"),
    ]
    left = desk_shift.acknowledge_handover(li, view.handovers[0].message_id)
    assert [h.ticket_id for h in left] == [1]
    assert desk_shift.handovers_for_me(amara) == ()  # her own handovers are not for her


def test_follow_up_and_leave_assigned(amara: Desk) -> None:
    desk_shift.start_shift(amara)
    review = desk_shift.review_end(amara)
    assert [t.id for t in review.tickets] == [3]  # assigned to Amara in the fixture
    with pytest.raises(Refused):
        desk_shift.leave_assigned(amara, 3, " ")
    review = desk_shift.mark_follow_up(amara, 3, FIXED_NOW + timedelta(days=1), "call back")
    assert review.tickets[0].disposition is not None
    state = {s.item.id: s for s in review.items}
    assert state["dispositions"].done and not state["wrap_up"].done


def test_the_shift_record_keeps_each_item_and_when(amara: Desk, clock: Clock) -> None:
    desk_shift.start_shift(amara)
    clock.now += timedelta(minutes=3)
    view = desk_shift.tick(amara, "tools")
    tools = next(s for s in view.items if s.item.id == "tools")
    assert tools.done_at == FIXED_NOW + timedelta(minutes=3)
    assert {s.item.phase for s in view.items} == {Phase.START, Phase.END}


def test_the_keyring_check_asks_the_keyring_of_a_real_profile_whatever_sign_in_says(
    store: Store, tmp_path: Path, clock: Clock
) -> None:
    """Its verifier key lives only there (tests run on keyring's fail backend)."""
    for sign_in in (False, True):
        desk = _desk(store, tmp_path, "amara.okafor", clock, sign_in=sign_in)
        result = run_check(desk, "keyring", "keyring", None)
        assert not result.passed and result.reason.startswith("no usable keyring")


def test_the_keyring_check_passes_a_demo_that_keeps_nothing_there(
    store: Store, tmp_path: Path, clock: Clock
) -> None:
    demo = _desk(store, tmp_path, "amara.okafor", clock, demo=True)
    result = run_check(demo, "keyring", "keyring", None)
    assert result.passed and result.reason == NOTHING_IN_THE_KEYRING
    # A demo with sign-in on, or one syncing a helpdesk, keeps a secret there: it is asked.
    for settings in ({"sign_in": True}, {"backend": "rt"}):
        desk = _desk(store, tmp_path, "amara.okafor", clock, demo=True, **settings)
        assert not run_check(desk, "keyring", "keyring", None).passed
