"""Issue 17: the screens shown at start find their rules already read with the app's.

Textual reads a screen's own CSS_PATH when the screen is first shown and then parses every
rule of the app again (Stylesheet.reparse); the sign-in (a real profile's default) and the
idle lock come from the app's CSS_PATH instead, so showing them parses nothing again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from textual.css.stylesheet import Stylesheet

from agentdesk.app import make_app
from agentdesk.config import Settings
from agentdesk.screens.enrol import EnrolScreen
from agentdesk.screens.lock import LockScreen
from agentdesk.screens.queue import QueueScreen
from tests.security.memory_keyring import MemoryKeyring, keyring_of
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import settle


@pytest.fixture
def reparses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every full parse of the app's rules."""
    seen: list[str] = []
    original = Stylesheet.reparse

    def counted(self: Stylesheet) -> None:
        seen.append("reparse")
        original(self)

    monkeypatch.setattr(Stylesheet, "reparse", counted)
    return seen


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    with keyring_of(MemoryKeyring()) as backend:
        assert isinstance(backend, MemoryKeyring)
        yield backend


async def test_the_sign_in_at_start_parses_no_rule_again(
    demo: Settings, clock: SteppedClock, memory: MemoryKeyring, reparses: list[str]
) -> None:
    app = make_app(replace(demo, sign_in=True), clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, EnrolScreen)  # a first start: enrolment, same rules
        assert app.screen.styles.align_horizontal == "center"  # security.tcss applies
        assert reparses == []


async def test_the_first_lock_parses_no_rule_again(
    demo: Settings, clock: SteppedClock, reparses: list[str]
) -> None:
    app = make_app(demo, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        assert app.screen.styles.align_vertical == "middle"
        assert reparses == []
