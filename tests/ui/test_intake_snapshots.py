"""Snapshots of the intake screen (issue 14): a customer found and chosen, a priority with
its SOP meaning, a subject; at 80x24 and 160x48."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from agentdesk.app import make_app
from agentdesk.config import Settings
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import settle
from tests.ui.test_intake import shows_matches_for


def _run_before(account: str) -> Any:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("N")
        await settle(pilot)
        screen = pilot.app.screen
        for field in screen.query(Input):
            field.cursor_blink = False
        screen.query_one(TextArea).cursor_blink = False
        await pilot.press(*account[:7])  # part of an account ID: several match
        await shows_matches_for(pilot, account[:7])
        await pilot.press("enter", "enter", "down", "enter", "tab", "right", "enter")
        await pilot.press("tab", *"Charged twice for one order")
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_intake(
    snap_compare: Any, demo: Settings, clock: SteppedClock, size: tuple[int, int]
) -> None:
    with sqlite3.connect(demo.db_path) as connection:
        (account,) = connection.execute(
            "SELECT account_id FROM customers ORDER BY id LIMIT 1"
        ).fetchone()
    app = make_app(demo, clock=clock)
    assert snap_compare(app, terminal_size=size, run_before=_run_before(str(account)))
