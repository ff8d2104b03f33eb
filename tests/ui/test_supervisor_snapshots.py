"""Snapshots of monitoring mode's dashboard (issue 15) at 120x40 and 200x60, and of the
drill-down to an agent: the demo store with three agents on shift, fixed clock."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from agentdesk.app import make_app
from agentdesk.config import Settings
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import settle
from tests.ui.supervisor_fixtures import supervising


@pytest.fixture
def watching(demo: Settings) -> Settings:
    return supervising(demo)


async def _ready(pilot: Pilot[Any]) -> None:
    await settle(pilot)


async def _agent(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


@pytest.mark.parametrize("size", [(120, 40), (200, 60)], ids=["120x40", "200x60"])
def test_dashboard(snap_compare: Any, watching: Settings, clock: SteppedClock, size: Any) -> None:
    assert snap_compare(make_app(watching, clock=clock), terminal_size=size, run_before=_ready)


def test_agent_drill_down_120x40(
    snap_compare: Any, watching: Settings, clock: SteppedClock
) -> None:
    app = make_app(watching, clock=clock)
    assert snap_compare(app, terminal_size=(120, 40), run_before=_agent)
