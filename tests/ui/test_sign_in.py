"""Sign-in, enrolment and the idle lock in the app (issue 16), with an in-memory keyring and
a stepped clock. The queue (customer data) shows only after the code."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from textual.widgets import Input

from agentdesk.app import make_app
from agentdesk.config import Settings
from agentdesk.screens.enrol import EnrolScreen
from agentdesk.screens.lock import LockScreen
from agentdesk.screens.queue import QueueScreen
from agentdesk.screens.sign_in import SignInScreen
from agentdesk.security import totp
from tests.security.memory_keyring import MemoryKeyring, keyring_of
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import settle

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # fixed, so the QR and URI snapshot is stable
CODES = iter(())


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    with keyring_of(MemoryKeyring()) as backend:
        assert isinstance(backend, MemoryKeyring)
        yield backend


@pytest.fixture
def fixed_enrolment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(totp, "new_secret", lambda: SECRET)
    numbers = iter(range(100))
    monkeypatch.setattr(totp, "_recovery_code", lambda: f"ABCDE-{next(numbers):05d}")


@pytest.fixture
def signed(demo: Settings) -> Settings:
    """The demo store with sign-in on, as a real profile has it."""
    return replace(demo, sign_in=True)


def _now_code(clock: SteppedClock, steps: int = 0) -> str:
    return totp.code_at(SECRET, totp.step_of(clock()) + steps)


async def _type(pilot: Any, selector: str, text: str) -> None:
    field = pilot.app.screen.query_one(selector, Input)
    field.value = text
    await field.action_submit()
    await settle(pilot)


async def test_first_start_enrols_and_the_next_start_asks_for_the_code(
    signed: Settings, clock: SteppedClock, memory: MemoryKeyring, fixed_enrolment: None
) -> None:
    app = make_app(signed, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, EnrolScreen)
        assert app.desk is not None  # the workspace opened behind it
        await _type(pilot, "#enrol-code", "000000" if _now_code(clock) != "000000" else "111111")
        assert "does not match" in str(app.screen.query_one("#enrol-message").render())
        await _type(pilot, "#enrol-code", _now_code(clock))
        assert "ABCDE-00000" in str(app.screen.query_one("#enrol-recovery").render())
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    assert memory.items[("agentdesk", "totp/demo")] == SECRET

    clock.advance(timedelta(seconds=30))
    app = make_app(signed, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        await _type(pilot, "#sign-in-code", _now_code(clock, -1))  # the enrolment's: a replay
        assert isinstance(app.screen, SignInScreen)
        assert "already used" in str(app.screen.query_one("#sign-in-message").render())
        await _type(pilot, "#sign-in-code", _now_code(clock))
        assert isinstance(app.screen, QueueScreen)


def test_enrol_80x24(
    snap_compare: Any,
    signed: Settings,
    clock: SteppedClock,
    memory: MemoryKeyring,
    fixed_enrolment: None,
) -> None:
    async def ready(pilot: Any) -> None:
        await settle(pilot)
        pilot.app.screen.query_one("#enrol-code", Input).cursor_blink = False

    assert snap_compare(make_app(signed, clock=clock), terminal_size=(80, 24), run_before=ready)


def test_sign_in_80x24(
    snap_compare: Any,
    signed: Settings,
    clock: SteppedClock,
    memory: MemoryKeyring,
    fixed_enrolment: None,
) -> None:
    from agentdesk.desk.session import close_desk, open_desk
    from agentdesk.desk.sign_in import begin_enrolment, finish_enrolment

    desk = open_desk(signed, clock)
    finish_enrolment(desk, begin_enrolment(desk), _now_code(clock))
    close_desk(desk)
    clock.advance(timedelta(seconds=30))

    async def ready(pilot: Any) -> None:
        await settle(pilot)
        pilot.app.screen.query_one("#sign-in-code", Input).cursor_blink = False

    assert snap_compare(make_app(signed, clock=clock), terminal_size=(80, 24), run_before=ready)


async def test_the_idle_lock_comes_at_fifteen_minutes_and_a_key_unlocks(
    demo: Settings, clock: SteppedClock
) -> None:
    app = make_app(demo, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.idle_lock.touch(clock())
        clock.advance(timedelta(minutes=14, seconds=59))
        app.lock_if_idle()
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        clock.advance(timedelta(seconds=1))
        app.lock_if_idle()
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)


def test_locked_80x24(snap_compare: Any, demo: Settings, clock: SteppedClock) -> None:
    async def lock(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("down", "enter")  # an open ticket, with its customer, underneath
        await settle(pilot)
        clock.advance(timedelta(minutes=15))
        pilot.app.lock_if_idle()
        await settle(pilot)

    assert snap_compare(make_app(demo, clock=clock), terminal_size=(80, 24), run_before=lock)


async def test_sync_keeps_running_while_locked(demo: Settings, clock: SteppedClock) -> None:
    from agentdesk.widgets.sync_driver import SyncDriver

    app = make_app(demo, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        heard: list[object] = []
        app.sync_events.subscribe(app, heard.append)
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        driver = app.queue_screen.query_one(SyncDriver)
        # Its interval timer is not paused by the lock (only the hidden screen's repaint is).
        assert driver._timers and all(timer._active.is_set() for timer in driver._timers)
        driver.sync_now()
        await settle(pilot)
        assert heard and isinstance(app.screen, LockScreen)


async def test_no_command_palette_from_the_lock_screen(demo: Settings, clock: SteppedClock) -> None:
    from textual.command import CommandPalette

    app = make_app(demo, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+l")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert not CommandPalette.is_open(app)
        assert isinstance(app.screen, LockScreen)


async def test_an_enrolled_profile_whose_store_was_lost_asks_the_code_not_an_enrolment(
    signed: Settings, clock: SteppedClock, memory: MemoryKeyring
) -> None:
    """The keyring holds the profile's secret, the store (fresh) no sign-in state: the sign-in
    screen, saying why; the current code opens the queue and the secret stays."""
    memory.items[("agentdesk", "totp/demo")] = SECRET
    app = make_app(signed, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        message = str(app.screen.query_one("#sign-in-message").render())
        assert "holds no sign-in state" in message and "tell your supervisor" in message
        await _type(pilot, "#sign-in-code", _now_code(clock))
        assert isinstance(app.screen, QueueScreen)
    assert memory.items[("agentdesk", "totp/demo")] == SECRET
