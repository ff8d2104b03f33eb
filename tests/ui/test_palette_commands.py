"""Textual's own palette commands (issue 15's "no write action is offered in the palette",
issue 16's rules on screenshots): only those that write nothing are offered, Screenshot in no
mode at all (an SVG of the screen, customers and all, into a file). In monitoring mode the
palette of every screen lists no write and no screenshot, running every entry it has leaves
the store's bytes as they were, and the screenshot action itself saves nothing."""

from __future__ import annotations

from typing import Any

import pytest
from textual.app import App
from textual.command import CommandPalette
from textual.system_commands import SystemCommandsProvider

from agentdesk.app import make_app
from agentdesk.app_security import TEXTUAL_COMMANDS_KEPT
from agentdesk.config import Settings
from agentdesk.screens.kpi_board import KpiBoardScreen
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import settle
from tests.ui.supervisor_fixtures import store_digest, supervising
from tests.ui.test_supervisor import _go

SIZE = (160, 48)
OURS = {"Lock the screen (ctrl+l)"}


async def _system_titles(screen: Any) -> list[str]:
    """What the palette shows from the system commands provider, as Textual builds it."""
    return [str(hit.text) async for hit in SystemCommandsProvider(screen, None).discover()]  # type: ignore[arg-type]


@pytest.fixture
def no_saving(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    saved: list[object] = []

    def save_screenshot(self: App[object], *args: object, **kwargs: object) -> str:
        saved.append(args)
        return "saved"

    monkeypatch.setattr(App, "save_screenshot", save_screenshot)
    return saved


@pytest.mark.parametrize("depth", [0, 1, 2, 3], ids=["dashboard", "agent", "ticket", "kpis"])
async def test_monitoring_mode_palette_has_no_write_and_no_screenshot(
    demo: Settings, clock: SteppedClock, depth: int, no_saving: list[object]
) -> None:
    watching = supervising(demo)
    before = store_digest(watching.db_path)
    app = make_app(watching, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)

        async def here() -> Any:
            if depth == 3:
                screen = await _go(pilot, 0)
                screen.action_kpis()
                await settle(pilot)
                assert isinstance(app.screen, KpiBoardScreen)
                return app.screen
            return await _go(pilot, depth)

        screen = await here()
        titles = await _system_titles(screen)
        assert "Screenshot" not in titles
        assert set(titles) <= TEXTUAL_COMMANDS_KEPT | OURS, titles
        assert {"Theme", "Quit", "Keys"} <= set(titles)
        # Typed into the real palette, a screenshot is not found.
        await pilot.press("ctrl+p")
        await settle(pilot)
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        await pilot.press(*"screenshot")
        await settle(pilot)
        shown = [str(o.prompt) for o in palette.query_one("CommandList").options]  # type: ignore[attr-defined]
        assert not any("Screenshot" in text for text in shown), shown
        await pilot.press("escape")
        await settle(pilot)
        # Every entry but Quit runs (Lock locks; Keys opens a panel; Theme opens a picker).
        for title in titles:
            if title == "Quit":
                continue
            screen = await here()
            (hit,) = [
                h
                async for h in SystemCommandsProvider(screen, None).discover()  # type: ignore[arg-type]
                if str(h.text) == title
            ]
            result = hit.command()
            if hasattr(result, "__await__"):
                await result
            await settle(pilot)
            while not isinstance(app.screen, type(screen)) and len(app.screen_stack) > 1:
                app.pop_screen()
                await settle(pilot)
        # The screenshot action itself, however reached, saves nothing.
        await app.run_action("screenshot")
        assert app.deliver_screenshot() is None
        await settle(pilot)
    assert no_saving == []
    assert store_digest(watching.db_path) == before


async def test_an_agent_is_not_offered_a_screenshot_either(
    demo: Settings, clock: SteppedClock, no_saving: list[object]
) -> None:
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = await _system_titles(app.screen)
        assert "Screenshot" not in titles
        assert set(titles) <= TEXTUAL_COMMANDS_KEPT | OURS
        await app.run_action("screenshot")
        await settle(pilot)
    assert no_saving == []
