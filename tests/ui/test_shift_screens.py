"""The shift screens in Pilot: the start checklist comes first with a failing automatic check
(the helpdesk down), items are ticked, then a ticket can be taken; the end lists blockers,
handovers resolve them, and the next agent sees the handovers first."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from textual.widgets import DataTable, Static

from agentdesk.app import make_app
from agentdesk.config import Settings
from agentdesk.core.ticket import Priority
from agentdesk.desk import shift as desk_shift
from agentdesk.desk import shift_checks
from agentdesk.screens.shift_end import ShiftEndScreen
from agentdesk.screens.shift_start import ShiftStartScreen
from agentdesk.sync.errors import Unreachable
from agentdesk.widgets.ticket_table import TicketTable
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import settle


def _rt_down(settings: Settings) -> Any:
    raise Unreachable("GET /queue/General: ConnectError")


@pytest.fixture
def shifts(demo: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Shifts on; the helpdesk unreachable; the durations fixed. (A demo's keyring check
    does not ask the keyring: it keeps nothing there.)"""
    monkeypatch.setattr("agentdesk.sync.runner.probe_helpdesk", _rt_down)
    ticks = iter(float(n) / 10 for n in range(10_000))
    real = shift_checks.run_check
    monkeypatch.setattr(
        shift_checks,
        "run_check",
        lambda desk, item_id, check, command: real(
            desk, item_id, check, command, timer=lambda: next(ticks) // 1
        ),
    )
    return replace(demo, shift=True)


def _missing(desk: Any) -> tuple[str, ...]:
    from agentdesk.desk import shift as desk_shift

    view = desk_shift.shift_status(desk)
    assert view is not None
    return view.missing


def _rows(screen: Any) -> list[list[str]]:
    table = screen.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def _start_ready(pilot: Any) -> ShiftStartScreen:
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ShiftStartScreen)
    return screen


async def test_start_with_the_helpdesk_down_tick_items_then_take_a_ticket(
    shifts: Settings, clock: SteppedClock
) -> None:
    app = make_app(shifts, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _start_ready(pilot)
        rows = {row[1]: row for row in _rows(screen)}
        helpdesk = rows["Helpdesk reachable, token accepted"]
        assert helpdesk[0] == "!"  # a warning, not a pass: working offline
        assert helpdesk[3].startswith("working offline (no good sync yet): GET /queue/General")
        assert rows["Clock within 30 s of the helpdesk"][3].startswith("working offline")
        assert rows["Tools logged in (phone, chat, knowledge base)"][0] == "·"
        assert screen.view is not None and len(screen.view.missing) == 3

        # The queue is reachable, but taking a ticket names what is missing.
        from agentdesk.core.actions import Action
        from agentdesk.desk import ticket_work
        from agentdesk.desk.queue import open_queue
        from agentdesk.store.rows import QueueFilter

        desk = app.desk
        assert desk is not None
        first = open_queue(desk, QueueFilter(), 1).first_page[0]
        opened = ticket_work.read_ticket(desk, first.id)
        assert opened is not None
        why = ticket_work.actions_now(desk, opened.workspace.snapshot)[Action.ASSIGN_TO_ME]
        assert why is not None and "Tools logged in" in why

        await pilot.press("a", "a")  # both announcements
        await settle(pilot)
        table = screen.query_one(DataTable)
        table.move_cursor(row=4)
        await pilot.press("enter")  # tools
        await settle(pilot)
        table.move_cursor(row=6)
        # A short terminal: the P0/P1 tickets do not fit on one screen of the queue.
        await pilot.resize_terminal(120, 7)
        await pilot.press("enter")  # the queue, filtered to the open P0/P1 tickets
        await settle(pilot)
        queue = app.queue_screen
        assert app.screen is queue
        assert queue.queue_filter.priorities == {Priority.P0, Priority.P1}
        wanted = {t.id for t in desk_shift.priority_queue(desk)}
        tickets = queue.query_one(TicketTable)
        assert tickets.total == len(wanted) > tickets.size.height - 1  # more than one screen
        # The review looks at the rows on screen (a timer; called here to stay deterministic).
        queue._look_at_rows()
        await settle(pilot)
        assert _missing(desk) == ("Priority queue reviewed (P0/P1 first)",)
        seen = set(tickets.visible_ids())
        while not wanted <= seen:
            await pilot.press("pagedown")
            await settle(pilot)
            seen |= set(tickets.visible_ids())
            queue._look_at_rows()
            await settle(pilot)
        assert _missing(desk) == ()
        assert "Priority queue reviewed: the checklist item is ticked." in [
            n.message for n in app._notifications
        ]
        await pilot.resize_terminal(120, 40)
        assert ticket_work.actions_now(desk, opened.workspace.snapshot)[Action.ASSIGN_TO_ME] is None
        ticket_work.assign_to_me(desk, opened.workspace.snapshot)


async def test_break_key_and_header(shifts: Settings, clock: SteppedClock) -> None:
    from datetime import timedelta

    from agentdesk.widgets.queue_header import QueueHeader

    app = make_app(shifts, clock=clock)
    async with app.run_test(size=(160, 40)) as pilot:
        await _start_ready(pilot)
        await pilot.press("escape")
        await settle(pilot)
        header = app.queue_screen.query_one(QueueHeader)
        assert header.presence == "available"
        await pilot.press("b")
        await settle(pilot)
        clock.advance(timedelta(minutes=4, seconds=12))
        app.queue_screen._tick_presence()
        assert header.presence == "on break 04:12 (b: back)"
        await pilot.press("b")
        await settle(pilot)
        assert header.presence == "available"


async def test_end_with_handovers_and_the_next_agent_sees_them_first(
    shifts: Settings, clock: SteppedClock
) -> None:
    import sqlite3

    from agentdesk.desk import shift as desk_shift

    with sqlite3.connect(shifts.db_path) as connection:
        (next_agent,) = connection.execute(
            "SELECT handle FROM agents WHERE handle != 'amara.okafor' ORDER BY id LIMIT 1"
        ).fetchone()
    app = make_app(shifts, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await _start_ready(pilot)
        await pilot.press("escape")
        await settle(pilot)
        app.queue_screen.action_shift_end()
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ShiftEndScreen)
        tickets = screen.review.tickets if screen.review else ()
        assert tickets, "the demo agent holds open tickets"
        await pilot.press("e")
        await settle(pilot)
        blockers = str(screen.query_one("#shift-end-blockers", Static).render())
        assert "The shift cannot close yet" in blockers
        assert "end checklist: Wrap-up notes written" in blockers
        # Hand every ticket over to the next agent through the dialog, then wrap up and close.
        for index in range(len(tickets)):
            screen.query_one(DataTable).move_cursor(row=index)
            await pilot.press("h")
            await settle(pilot)
            await pilot.press(*next_agent, "tab", *"Call back after 9", "enter")
            await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        await pilot.press(*"Quiet shift", "enter")
        await settle(pilot)
        notes = [n.message for n in app._notifications]
        assert screen.review is not None and screen.review.may_close, notes
        await pilot.press("e")
        await settle(pilot)
        assert app.screen is app.queue_screen
        desk = app.desk
        assert desk is not None
        assert desk_shift.shift_status(desk) is None

    # The next agent's profile on the same store sees the handovers first.
    app = make_app(replace(shifts, agent_handle=next_agent), clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        start = await _start_ready(pilot)
        assert start.view is not None and len(start.view.handovers) == len(tickets)
        shown = str(start.query_one("#shift-handovers", Static).render())
        assert shown.startswith(f"Handovers for you ({len(tickets)})")
        assert f"from amara.okafor to @{next_agent}: Call back after 9" in shown
        await pilot.press("a")
        await settle(pilot)
        assert len(start.view.handovers) == len(tickets) - 1


async def test_the_end_screen_blockers_scroll_at_80x24(
    shifts: Settings, clock: SteppedClock
) -> None:
    from textual.containers import VerticalScroll

    app = make_app(shifts, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start_ready(pilot)
        await pilot.press("escape")
        await settle(pilot)
        app.queue_screen.action_shift_end()
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ShiftEndScreen)
        await pilot.press("e")
        await settle(pilot)
        await pilot.pause()
        notes = screen.query_one("#shift-end-notes", VerticalScroll)
        blockers = screen.query_one("#shift-end-blockers", Static)
        # More than fits: the list starts at its first line and scrolls to its last.
        assert notes.max_scroll_y > 0
        assert notes.scroll_offset.y == 0
        assert blockers.region.y >= notes.region.y
        await pilot.press("tab", "end")
        await settle(pilot)
        await pilot.pause()
        assert notes.scroll_offset.y == notes.max_scroll_y
        last = blockers.region.y + blockers.region.height
        assert last <= notes.region.y + notes.region.height
