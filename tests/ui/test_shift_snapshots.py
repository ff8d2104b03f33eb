"""Snapshots of the shift screens: fixed clock, fixed check results and durations, the helpdesk
down (the start screen shows "working offline")."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from agentdesk.app import make_app
from agentdesk.config import Settings
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import settle
from tests.ui.test_shift_screens import shifts

__all__ = ["shifts"]  # the fixture


async def _start(pilot: Pilot[Any]) -> None:
    await settle(pilot)


async def _end(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("escape")
    await settle(pilot)
    pilot.app.queue_screen.action_shift_end()  # type: ignore[attr-defined]
    await settle(pilot)
    await _rows_shown(pilot)
    await pilot.press("e")
    await settle(pilot)
    await _rows_shown(pilot)
    await _blockers_shown(pilot)
    await settle(pilot)  # and laid out with them


async def _blockers_shown(pilot: Pilot[Any]) -> None:
    from textual.widgets import DataTable

    # The refusal arrives from the close's worker; on a loaded machine it could come after.
    for _ in range(200):
        blockers = pilot.app.screen.query("#shift-end-blockers")
        if blockers and blockers.first().display:
            # The table's header is drawn again with the column widths its rows gave it
            # (Textual may keep a header line drawn before the rows came).
            pilot.app.screen.query_one(DataTable).refresh()
            await pilot.pause()
            return
        await pilot.pause(0.05)


async def _rows_shown(pilot: Pilot[Any]) -> None:
    # The open tickets arrive from a worker: on a loaded machine the capture could come first.
    from textual.widgets import DataTable

    for _ in range(200):
        tables = pilot.app.screen.query(DataTable)
        if tables and tables.first().row_count:
            return
        await pilot.pause(0.05)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_shift_start(snap_compare: Any, shifts: Settings, clock: SteppedClock, size: Any) -> None:
    assert snap_compare(make_app(shifts, clock=clock), terminal_size=size, run_before=_start)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_shift_end(snap_compare: Any, shifts: Settings, clock: SteppedClock, size: Any) -> None:
    assert snap_compare(make_app(shifts, clock=clock), terminal_size=size, run_before=_end)
