"""Terminal bandwidth: an idle screen writes nothing while no value it shows changes, and a
change writes the cells that changed (agents work over 256 kbit/s SSH links).

Textual's headless driver writes nothing, so Wire renders each compositor update exactly as
the terminal driver would and keeps the text. The SLA timers are ticked by hand after the
stepped clock moves: the figures do not depend on when the real one-second timers fire.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from textual._compositor import CompositorUpdate
from textual.pilot import Pilot
from textual.screen import Screen

from agentdesk.app import AgentDeskApp, make_app
from agentdesk.config import Settings
from agentdesk.screens.ticket import TicketScreen
from agentdesk.store.types import to_db
from agentdesk.widgets.sla_badge import SlaBadge
from agentdesk.widgets.sla_clocks import SlaClocks
from agentdesk.widgets.ticket_cells import sla_cell
from tests.conftest import FIXED_NOW
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import settle

SIZE = (160, 48)
_MOVE = re.compile(r"\x1b\[(\d+);(\d+)H")


class Wire:
    """Every byte the app would have written to a real terminal since the last reset."""

    def __init__(self, app: AgentDeskApp, monkeypatch: pytest.MonkeyPatch) -> None:
        self.updates: list[str] = []
        display = app._display

        def counting(screen: Screen[Any], renderable: Any) -> None:
            if isinstance(renderable, CompositorUpdate):
                self.updates.append(renderable.render_segments(app.console))
            display(screen, renderable)

        monkeypatch.setattr(app, "_display", counting)

    @property
    def written(self) -> str:
        return "".join(self.updates)

    def cells_moved_to(self) -> set[tuple[int, int]]:
        """(row, column) of every cursor move, 0-based like Textual's regions."""
        return {(int(y) - 1, int(x) - 1) for y, x in _MOVE.findall(self.written)}

    def reset(self) -> None:
        self.updates.clear()


@asynccontextmanager
async def measured(
    demo: Settings, clock: SteppedClock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[AgentDeskApp, Pilot[Any], Wire]]:
    """The demo app at SIZE on the stepped clock, every byte it writes counted, settled."""
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        wire = Wire(app, monkeypatch)
        await settle(pilot)
        yield app, pilot, wire


def tick(app: AgentDeskApp) -> None:
    """What the one-second timers do: every live clock of every screen looks at the time."""
    app.queue_screen.table.refresh_sla()
    for screen in app.screen_stack:
        for clocks in screen.query(SlaClocks):
            clocks.tick()
        for badge in screen.query(SlaBadge):
            badge._tick()


async def step(app: AgentDeskApp, pilot: Pilot[Any], clock: SteppedClock, seconds: int) -> None:
    clock.advance(timedelta(seconds=seconds))
    tick(app)
    await settle(pilot)


def _working_p0(demo: Settings) -> int:
    """The demo's open P0, made an incident being worked (its update clock runs)."""
    last = FIXED_NOW - timedelta(minutes=10)
    with sqlite3.connect(demo.db_path) as connection:
        (ticket_id,) = connection.execute(
            "SELECT id FROM tickets WHERE priority = 'P0' AND status = 'new'"
        ).fetchone()
        connection.execute(
            "UPDATE tickets SET status = 'in_progress', first_response_at = ?, "
            "last_update_at = ? WHERE id = ?",
            (to_db(last), to_db(last), ticket_id),
        )
    return int(ticket_id)


async def test_an_idle_open_ticket_writes_nothing_until_a_clock_changes(
    demo: Settings, clock: SteppedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket_id = _working_p0(demo)
    async with measured(demo, clock, monkeypatch) as (app, pilot, wire):
        await app.queue_screen.open_ticket(ticket_id)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        clocks = screen.query_one(SlaClocks)
        # A minute passes: the countdowns on the ticket (and on the queue below) change.
        await step(app, pilot, clock, 60)
        changes = 0
        for _ in range(90):
            shown = clocks.render().plain
            wire.reset()
            await step(app, pilot, clock, 1)
            if clocks.render().plain == shown:
                # Nothing the agent sees changed this second: not a byte.
                assert wire.written == ""
            else:
                # A countdown moved on: the clocks line is redrawn, nothing else.
                changes += 1
                lines = range(clocks.region.y, clocks.region.bottom)
                assert wire.written
                assert {y for y, _ in wire.cells_moved_to()} <= set(lines)
        assert changes in (1, 2)  # minute resolution: once a minute


async def test_the_queue_redraws_only_the_sla_cells_that_changed(
    demo: Settings, clock: SteppedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with measured(demo, clock, monkeypatch) as (app, pilot, wire):
        table = app.queue_screen.table
        rows = [table.row_at(i) for i in range(table.size.height - 1)]
        sla_x = (
            table.region.x + table.render_line(0).text.index("SLA left") - 3
        )  # right-aligned in 11 cells
        changes = 0
        for _ in range(61):
            shown = [sla_cell(row, clock()) for row in rows if row is not None]
            wire.reset()
            await step(app, pilot, clock, 1)
            changed = [
                n for n, row in enumerate(rows) if row and sla_cell(row, clock()) != shown[n]
            ]
            if not changed:
                assert wire.written == ""
                continue
            changes += 1
            # Each changed countdown is written from its own first cell: no id, subject or
            # customer goes over the wire again.
            moves = wire.cells_moved_to()
            assert {x for _, x in moves} == {sla_x}
            assert {y for y, _ in moves} == {table.region.y + 1 + n for n in changed}
            for row in rows:
                assert row is not None and row.subject[:20] not in wire.written
        assert changes


async def test_a_periodic_reread_resends_no_unchanged_row(
    demo: Settings, clock: SteppedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with measured(demo, clock, monkeypatch) as (app, pilot, wire):
        wire.reset()
        app.queue_screen.reload(keep_cursor=True)
        await settle(pilot)
        assert wire.written == ""


async def test_a_cursor_move_redraws_the_two_rows_it_touches(
    demo: Settings, clock: SteppedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with measured(demo, clock, monkeypatch) as (app, pilot, wire):
        table = app.queue_screen.table
        wire.reset()
        await pilot.press("down")
        await settle(pilot)
        first = table.region.y + 1  # under the header line
        assert {y for y, _ in wire.cells_moved_to()} == {first, first + 1}


async def test_a_dialog_over_the_queue_writes_nothing_when_a_minute_passes(
    demo: Settings, clock: SteppedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with measured(demo, clock, monkeypatch) as (app, pilot, wire):
        await pilot.press("f")
        await settle(pilot)
        assert app.screen is not app.queue_screen
        wire.reset()
        # Countdowns below the dialog wait for it to close: a change below repaints the
        # whole dialog screen (Textual), every second it happens.
        await step(app, pilot, clock, 60)
        await step(app, pilot, clock, 1)
        assert wire.written == ""
        await pilot.press("escape")
        await settle(pilot)
        await step(app, pilot, clock, 1)
        # Back on top: the next tick has caught up with every countdown on screen.
        table = app.queue_screen.table
        for index in range(table.size.height - 1):
            row = table.row_at(index)
            assert row is not None and table._sla_shown[index] == sla_cell(row, clock())


async def test_a_focused_text_field_keeps_a_steady_cursor(
    demo: Settings, clock: SteppedClock
) -> None:
    from textual.widgets import Input, TextArea

    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")  # the queue's search field
        await settle(pilot)
        search = app.focused
        assert isinstance(search, Input) and not search.cursor_blink
        await pilot.press("escape", "enter")  # an open ticket: its reply box
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        composer = app.focused
        # Each blink would redraw the whole field, twice a second.
        assert isinstance(composer, TextArea) and not composer.cursor_blink


async def _sync_run(app: AgentDeskApp, pilot: Pilot[Any]) -> None:
    """One background sync run, as the 30-second timer starts it (the demo's local backend:
    it pulls nothing, so nothing shown changes)."""
    from agentdesk.widgets.sync_driver import SyncDriver

    app.queue_screen.query_one(SyncDriver).sync_now()
    await settle(pilot)


async def test_a_sync_run_that_changed_nothing_repaints_nothing_on_an_open_ticket(
    demo: Settings, clock: SteppedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket_id = _working_p0(demo)
    async with measured(demo, clock, monkeypatch) as (app, pilot, wire):
        await _sync_run(app, pilot)  # the first run may say something; the next ones do not
        await app.queue_screen.open_ticket(ticket_id)
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        for _ in range(3):
            wire.reset()
            await _sync_run(app, pilot)
            assert wire.written == ""


async def test_a_sync_run_that_changed_nothing_repaints_nothing_under_a_dialog(
    demo: Settings, clock: SteppedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with measured(demo, clock, monkeypatch) as (app, pilot, wire):
        await _sync_run(app, pilot)
        await pilot.press("f")  # the filters dialog over the queue
        await settle(pilot)
        assert app.screen is not app.queue_screen
        for _ in range(3):
            wire.reset()
            await _sync_run(app, pilot)
            assert wire.written == ""


async def test_a_queue_change_under_an_open_ticket_repaints_nothing(
    demo: Settings, clock: SteppedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentdesk.sync.protocol import SyncSummary
    from agentdesk.widgets.sync_driver import SyncDriver

    ticket_id = _working_p0(demo)
    async with measured(demo, clock, monkeypatch) as (app, pilot, wire):
        table = app.queue_screen.table
        other = next(
            row
            for row in (table.row_at(i) for i in range(table.size.height - 1))
            if row is not None and row.id != ticket_id
        )
        await app.queue_screen.open_ticket(ticket_id)
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        # A pull changed another ticket's subject: the queue below reads itself again.
        with sqlite3.connect(demo.db_path) as connection:
            connection.execute(
                "UPDATE tickets SET subject = 'Pulled while the ticket was open' WHERE id = ?",
                (other.id,),
            )
        wire.reset()
        driver = app.queue_screen.query_one(SyncDriver)
        driver.post_message(
            SyncDriver.Synced(SyncSummary(backend="rt", changed_tickets=(other.id,)))
        )
        await settle(pilot)
        # The ticket screen covers the queue: nothing of it reaches the terminal.
        assert wire.written == ""
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is app.queue_screen
        assert "Pulled while the ticket was open" in wire.written


async def test_the_minute_reread_waits_under_a_dialog(
    demo: Settings, clock: SteppedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentdesk.screens.queue import QueueScreen

    async with measured(demo, clock, monkeypatch) as (app, pilot, wire):
        table = app.queue_screen.table
        first = table.row_at(0)
        assert first is not None
        await pilot.press("f")
        await settle(pilot)
        # A minute on, a breach: the first row's ticket is now resolved in the store.
        with sqlite3.connect(demo.db_path) as connection:
            connection.execute("UPDATE tickets SET status = 'resolved' WHERE id = ?", (first.id,))
        wire.reset()
        app.queue_screen.post_message(QueueScreen.BreachesRecorded())
        await settle(pilot)
        assert wire.written == ""  # the queue seen through the dialog is not re-read yet
        await pilot.press("escape")
        await settle(pilot)
        row = table.row_at(0)
        assert row is not None and row.id != first.id  # read again once back on top
