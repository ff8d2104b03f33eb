"""The dashboard's presence, shift state and adherence come from the team's shift records as
the pull writes them (team_shifts / team_shift_texts, through the sync port's
save_team_shift, the texts core.shift_record writes): a supervisor on their own machine sees
a remote agent on shift, on a break, ended, or not started. This store's own shift tables
(an agent's store watched with --db) still count, and the later shift wins."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from pathlib import Path

from agentdesk.core import shift_record as texts
from agentdesk.core.shift import Presence
from agentdesk.desk import shift as desk_shift
from agentdesk.desk.supervisor import open_supervisor_desk, team_board
from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import Store, open_store
from agentdesk.store.sync_port import SyncPort
from tests.conftest import FIXED_NOW
from tests.desk.queue_fixtures import local_settings, make_desk
from tests.store.factory import add_people

NOW = FIXED_NOW  # Monday 23 Nov 2026 14:00 UTC
MIN = timedelta(minutes=1)


def _pulled(store: Store, remote_id: str, handle: str, events: list[tuple[datetime, str]]) -> None:
    """A shift ticket of the helpdesk's shift queue as ShiftPuller stores it."""
    started = events[0][0]
    status = "resolved" if "agentdesk shift: ended" in events[-1][1] else "open"
    with SyncPort(store).write() as rows:
        rows.save_team_shift(
            remote_id,
            texts.shift_subject(handle, started),
            status,
            events[-1][0],
            [(n + 1, at, body) for n, (at, body) in enumerate(events)],
        )


Span = tuple[datetime, datetime]


def _opening(handle: str, started: datetime, plan: Span, *breaks: Span) -> tuple[datetime, str]:
    return started, texts.opening_text(handle, started, plan[0], plan[1], "", breaks)


def _team(tmp_path: Path) -> Store:
    store = open_store(tmp_path / "agentdesk.db", load_sla_policy())
    add_people(store, NOW)
    return store


def _board(tmp_path: Path, **settings: object) -> dict[str, object]:
    desk = open_supervisor_desk(
        dataclasses.replace(local_settings(tmp_path), **settings),  # type: ignore[arg-type]
        lambda: NOW,
    )
    try:
        board = team_board(desk)
    finally:
        desk.store.close()
    return {"totals": board.totals, **{line.handle: line for line in board.lines}}


def test_a_remote_agents_shift_from_the_helpdesk_on_a_break_with_adherence_so_far(
    tmp_path: Path,
) -> None:
    store = _team(tmp_path)
    # li.wei's shift yesterday (an older ticket of hers), then today's: planned 13:00-21:00
    # with a break 13:40-14:00, started on time, on a break since 13:45.
    day = timedelta(days=1)
    plan = (NOW - 60 * MIN, NOW + 7 * 60 * MIN)
    _pulled(
        store,
        "10",
        "li.wei",
        [
            _opening("li.wei", plan[0] - day, (plan[0] - day, plan[1] - day)),
            (plan[1] - day, texts.ended_text(plan[1] - day, 0.5)),
        ],
    )
    _pulled(
        store,
        "12",
        "li.wei",
        [
            _opening("li.wei", plan[0], plan, (NOW - 20 * MIN, NOW)),
            (NOW - 15 * MIN, texts.presence_text(Presence.BREAK, NOW - 15 * MIN)),
        ],
    )
    store.close()

    li = _board(tmp_path)["li.wei"]
    assert li.presence == "on break 15 min"  # type: ignore[attr-defined]
    assert li.shift == f"on shift since {plan[0]:%H:%M} (60 min)"  # type: ignore[attr-defined]
    # Planned time gone by: 60 min. Available 13:00-13:45 (5 of them in the planned break),
    # on the break 13:45-14:00 (inside it): 40 + 15 = 55 min adherent.
    assert li.adherence == f"{55 / 60:.1%} so far"  # type: ignore[attr-defined]
    assert _board(tmp_path)["totals"].shift == "1 on shift"  # type: ignore[attr-defined]


def test_a_remote_shift_that_ended_and_one_that_is_available(tmp_path: Path) -> None:
    store = _team(tmp_path)
    plan = (NOW - 6 * 60 * MIN, NOW - 30 * MIN)
    _pulled(
        store,
        "20",
        "amara.okafor",
        [
            _opening("amara.okafor", plan[0], plan),
            (plan[1], texts.ended_text(plan[1], 0.95)),
        ],
    )
    _pulled(store, "21", "li.wei", [_opening("li.wei", NOW - 25 * MIN, (NOW - 30 * MIN, NOW))])
    store.close()

    board = _board(tmp_path)
    amara, li = board["amara.okafor"], board["li.wei"]
    assert (amara.presence, amara.shift, amara.adherence) == (  # type: ignore[attr-defined]
        "",
        f"ended {plan[1]:%H:%M}",
        "95.0%",  # as her agentdesk computed it at the end
    )
    # Started without a presence text: agentdesk opens a shift available.
    assert li.presence == "available 25 min"  # type: ignore[attr-defined]
    assert li.adherence == f"{25 / 30:.1%} so far"  # type: ignore[attr-defined]
    assert board["totals"].shift == "1 on shift"  # type: ignore[attr-defined]


def test_an_agent_with_no_shift_is_not_started_and_late_by_the_roster(tmp_path: Path) -> None:
    _team(tmp_path).close()
    # The shipped roster: amara.okafor 08:00-16:30 Europe/London (UTC in November).
    board = _board(tmp_path, shift=True)
    amara = board["amara.okafor"]
    assert amara.shift == "not started, planned 08:00, 360 min late"  # type: ignore[attr-defined]
    assert (amara.presence, amara.adherence) == ("", "")  # type: ignore[attr-defined]
    assert board["li.wei"].shift.startswith("not started")  # type: ignore[attr-defined]


def test_a_watched_agents_own_newer_shift_wins_over_the_pulled_one(tmp_path: Path) -> None:
    """An agent's store (--db): its own shift tables hold today's shift, the pull brought an
    older one of hers; the later start is shown."""
    store = _team(tmp_path)
    _pulled(
        store,
        "30",
        "amara.okafor",
        [_opening("amara.okafor", NOW - 26 * 60 * MIN, (NOW - 26 * 60 * MIN, NOW - 18 * 60 * MIN))],
    )
    working = make_desk(store, tmp_path)
    working.clock = lambda: NOW - 30 * MIN
    desk_shift.start_shift(working)
    working.clock = lambda: NOW - 5 * MIN
    desk_shift.set_presence(working, Presence.TRAINING)
    store.close()

    amara = _board(tmp_path)["amara.okafor"]
    assert amara.presence == "in training/meeting 5 min"  # type: ignore[attr-defined]
    assert amara.shift == f"on shift since {NOW - 30 * MIN:%H:%M} (30 min)"  # type: ignore[attr-defined]


def test_a_shift_left_open_past_the_window_is_shown_open_not_as_not_started(
    tmp_path: Path,
) -> None:
    """The board reads only the shift tickets changed in the last 48 h, and those still open
    whatever their age: amara forgot to end Friday's shift (no change in RT since), and li's
    last shift ended three days ago, so li has not started one."""
    store = _team(tmp_path)
    friday = NOW - (3 * 24 + 6) * 60 * MIN  # Friday 08:00
    _pulled(
        store,
        "60",
        "amara.okafor",
        [_opening("amara.okafor", friday, (friday, friday + 8 * 60 * MIN))],
    )
    _pulled(
        store,
        "61",
        "li.wei",
        [
            _opening("li.wei", friday, (friday, friday + 8 * 60 * MIN)),
            (friday + 8 * 60 * MIN, texts.ended_text(friday + 8 * 60 * MIN, 1.0)),
        ],
    )
    store.close()

    board = _board(tmp_path)
    amara, li = board["amara.okafor"], board["li.wei"]
    assert amara.shift == f"shift open since {friday:%d %b %H:%M} (3 d 6 h), not ended"  # type: ignore[attr-defined]
    assert (amara.presence, amara.adherence) == ("", "")  # type: ignore[attr-defined]
    assert li.shift == "not started"  # type: ignore[attr-defined]
    # Nobody is counted on shift: a shift open for days is not someone at work.
    assert board["totals"].shift == "0 on shift"  # type: ignore[attr-defined]


def test_an_overnight_shift_open_since_yesterday_is_on_shift(tmp_path: Path) -> None:
    store = _team(tmp_path)
    started = NOW - 20 * 60 * MIN  # yesterday 18:00, a 24-hour shift planned
    _pulled(
        store, "70", "li.wei", [_opening("li.wei", started, (started, started + 24 * 60 * MIN))]
    )
    store.close()

    board = _board(tmp_path)
    assert board["li.wei"].shift == f"on shift since {started:%d %b %H:%M} (1200 min)"  # type: ignore[attr-defined]
    assert board["totals"].shift == "1 on shift"  # type: ignore[attr-defined]
