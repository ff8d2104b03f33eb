"""Monitoring mode with sign-in on (issue 16 on issue 15): the code before the dashboard,
and the idle lock unlocked with the code, not a key. The ticket data stays as it was."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from textual.widgets import Input

from agentdesk.app import make_app
from agentdesk.config import Settings
from agentdesk.desk.security_desk import close_security_store
from agentdesk.desk.sign_in import begin_enrolment, finish_enrolment
from agentdesk.desk.supervisor import open_supervisor_desk
from agentdesk.screens.lock import LockScreen
from agentdesk.screens.sign_in import SignInScreen
from agentdesk.screens.supervisor import SupervisorScreen
from agentdesk.security import totp
from tests.security.memory_keyring import MemoryKeyring, keyring_of
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import settle
from tests.ui.supervisor_fixtures import security_rows, store_digest, supervising

SIZE = (120, 40)


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    with keyring_of(MemoryKeyring()) as backend:
        assert isinstance(backend, MemoryKeyring)
        yield backend


@pytest.fixture
def enrolled(demo: Settings, clock: SteppedClock, memory: MemoryKeyring) -> tuple[Settings, str]:
    """A supervisor profile with sign-in on, enrolled a step ago; returns its secret."""
    settings = replace(supervising(demo), sign_in=True)
    desk = open_supervisor_desk(settings, clock)
    try:
        enrolment = begin_enrolment(desk)
        code = totp.code_at(enrolment.secret, totp.step_of(clock()))
        assert finish_enrolment(desk, enrolment, code).ok
    finally:
        close_security_store(desk)
        desk.store.close()
    clock.advance(timedelta(seconds=30))
    return settings, enrolment.secret


async def _type(pilot: Any, selector: str, text: str) -> None:
    field = pilot.app.screen.query_one(selector, Input)
    field.value = text
    await field.action_submit()
    await settle(pilot)


async def test_the_dashboard_comes_after_the_code_and_the_lock_wants_it_again(
    enrolled: tuple[Settings, str], clock: SteppedClock
) -> None:
    settings, secret = enrolled
    before = store_digest(settings.db_path)
    app = make_app(settings, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        step = totp.step_of(clock())
        code = totp.code_at(secret, step)
        near = {totp.code_at(secret, step + d) for d in (-1, 0, 1)}
        await _type(
            pilot,
            "#sign-in-code",
            next(c for c in ("000000", "111111", "222222", "333333") if c not in near),
        )
        assert isinstance(app.screen, SignInScreen)
        assert "Wrong code" in str(app.screen.query_one("#sign-in-message").render())
        await _type(pilot, "#sign-in-code", code)
        assert isinstance(app.screen, SupervisorScreen)

        await pilot.press("ctrl+l")
        await settle(pilot)
        lock = app.screen
        assert isinstance(lock, LockScreen) and lock.needs_code
        await pilot.press("x")  # a key no longer unlocks monitoring mode
        await settle(pilot)
        assert app.screen is lock
        await _type(pilot, "#sign-in-code", code)  # the sign-in's code: a replay
        assert app.screen is lock
        assert "already used" in str(lock.query_one("#sign-in-message").render())
        clock.advance(timedelta(seconds=30))
        await _type(pilot, "#sign-in-code", totp.code_at(secret, totp.step_of(clock())))
        assert isinstance(app.screen, SupervisorScreen)
    assert store_digest(settings.db_path) == before
    events = [event for event, _actor, _resource in security_rows(settings.db_path)]
    assert events[-5:] == ["sign_in", "sign_in", "lock", "unlock", "unlock"]


def test_the_qa_role_and_a_supervisor_are_asked_like_an_agent(demo: Settings) -> None:
    for settings in (
        replace(demo, sign_in=True, extra={"role": "qa"}),
        replace(demo, sign_in=True, supervisor=True),
    ):
        assert make_app(settings).sign_in_screen is not None
