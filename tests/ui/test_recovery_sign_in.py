"""A recovery code leads to enrolling the new phone (issue 16); an agent who quits at the
enrol screen (ctrl+q, the app closed) is asked at the next start for another recovery code,
and the lost phone's codes are refused until a new phone is enrolled. Real demo store with
sign-in on, in-memory keyring, stepped clock."""

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
from agentdesk.screens.queue import QueueScreen
from agentdesk.screens.sign_in import SignInScreen
from agentdesk.security import totp
from tests.security.memory_keyring import MemoryKeyring, keyring_of
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import settle

OLD = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # the lost phone's secret
NEW = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"  # the new phone's


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    with keyring_of(MemoryKeyring()) as backend:
        assert isinstance(backend, MemoryKeyring)
        yield backend


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first enrolment gets OLD, every later one NEW; recovery codes ABCDE-000nn."""
    made = iter([OLD])
    monkeypatch.setattr(totp, "new_secret", lambda: next(made, NEW))
    numbers = iter(range(100))
    monkeypatch.setattr(totp, "_recovery_code", lambda: f"ABCDE-{next(numbers):05d}")


@pytest.fixture
def enrolled(demo: Settings, clock: SteppedClock, memory: MemoryKeyring, secrets: None) -> Settings:
    """The demo store with sign-in on, enrolled with OLD; the clock a step on."""
    from agentdesk.desk.session import close_desk, open_desk
    from agentdesk.desk.sign_in import begin_enrolment, finish_enrolment

    signed = replace(demo, sign_in=True)
    desk = open_desk(signed, clock)
    assert finish_enrolment(desk, begin_enrolment(desk), _code(OLD, clock)).ok
    close_desk(desk)
    clock.advance(timedelta(seconds=30))
    return signed


def _code(secret: str, clock: SteppedClock) -> str:
    return totp.code_at(secret, totp.step_of(clock()))


async def _type(pilot: Any, selector: str, text: str) -> None:
    field = pilot.app.screen.query_one(selector, Input)
    field.value = text
    await field.action_submit()
    await settle(pilot)


def _said(app: Any) -> str:
    return str(app.screen.query_one("#sign-in-message").render())


async def test_quitting_the_re_enrolment_leaves_the_new_phone_owed_at_the_next_start(
    enrolled: Settings, clock: SteppedClock, memory: MemoryKeyring
) -> None:
    app = make_app(enrolled, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _type(pilot, "#sign-in-code", "ABCDE-00000")
        assert isinstance(app.screen, EnrolScreen)
        await pilot.press("ctrl+q")  # quits at the enrol screen, no new phone
        await settle(pilot)
    assert app.return_code == 0 and not app.is_running

    clock.advance(timedelta(seconds=60))
    app = make_app(enrolled, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert "no new phone was enrolled" in _said(app)
        await _type(pilot, "#sign-in-code", _code(OLD, clock))  # the lost phone's code
        assert isinstance(app.screen, SignInScreen)
        assert "old phone's codes no longer sign in" in _said(app)
        await _type(pilot, "#sign-in-code", "ABCDE-00000")  # spent
        assert isinstance(app.screen, SignInScreen)
        await _type(pilot, "#sign-in-code", "ABCDE-00001")
        assert isinstance(app.screen, EnrolScreen)
        await _type(pilot, "#enrol-code", _code(NEW, clock))
        await pilot.click("#enrol-done")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    assert memory.items[("agentdesk", "totp/demo")] == NEW

    clock.advance(timedelta(seconds=30))  # the new phone signs in; the old one never again
    app = make_app(enrolled, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert _said(app) == ""
        await _type(pilot, "#sign-in-code", _code(OLD, clock))
        assert "Wrong code" in _said(app)
        await _type(pilot, "#sign-in-code", _code(NEW, clock))
        assert isinstance(app.screen, QueueScreen)
