"""Snapshots of each screen: fixed clock, fixed seed, fixed terminal size.

After a deliberate change to the look: pytest tests/ui --snapshot-update, then look at the
SVGs in tests/ui/__snapshots__/ before committing them.
"""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from agentdesk.app import make_app
from agentdesk.config import Settings
from agentdesk.widgets.search_bar import SearchBar
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import settle


async def _ready(pilot: Pilot[Any]) -> None:
    await settle(pilot)


async def _open_third_ticket(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("down", "down", "enter")
    await settle(pilot)


async def _search(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    pilot.app.query_one(SearchBar).cursor_blink = False
    await pilot.press("slash", *"refund")
    await settle(pilot)


async def _macro_picker(pilot: Pilot[Any]) -> None:
    await _open_third_ticket(pilot)
    await pilot.press("m")
    await settle(pilot)
    pilot.app.screen.query_one("#macro-query", Input).cursor_blink = False
    await pilot.press(*"refund")
    await settle(pilot)


async def _filters(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("f")
    await settle(pilot)


def test_queue_80x24(snap_compare: Any, demo: Settings, clock: SteppedClock) -> None:
    assert snap_compare(make_app(demo, clock=clock), terminal_size=(80, 24), run_before=_ready)


def test_queue_160x48(snap_compare: Any, demo: Settings, clock: SteppedClock) -> None:
    assert snap_compare(make_app(demo, clock=clock), terminal_size=(160, 48), run_before=_ready)


def test_ticket_detail_80x24(snap_compare: Any, demo: Settings, clock: SteppedClock) -> None:
    app = make_app(demo, clock=clock)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_open_third_ticket)


def test_search_80x24(snap_compare: Any, demo: Settings, clock: SteppedClock) -> None:
    assert snap_compare(make_app(demo, clock=clock), terminal_size=(80, 24), run_before=_search)


def test_filters_80x24(snap_compare: Any, demo: Settings, clock: SteppedClock) -> None:
    assert snap_compare(make_app(demo, clock=clock), terminal_size=(80, 24), run_before=_filters)


def test_macro_picker_100x32(snap_compare: Any, demo: Settings, clock: SteppedClock) -> None:
    app = make_app(demo, clock=clock)
    assert snap_compare(app, terminal_size=(100, 32), run_before=_macro_picker)
