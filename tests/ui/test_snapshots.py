"""Snapshots of each screen: fixed clock, fixed seed, fixed terminal size.

After a deliberate change to the look: pytest tests/ui --snapshot-update, then look at the
SVGs in tests/ui/__snapshots__/ before committing them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from agentdesk.app import make_app
from agentdesk.config import Settings
from agentdesk.store.types import to_db
from agentdesk.widgets.search_bar import SearchBar
from tests.conftest import FIXED_NOW
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


def test_ticket_from_the_queue_80x24(
    snap_compare: Any, demo: Settings, clock: SteppedClock
) -> None:
    app = make_app(demo, clock=clock)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_open_third_ticket)


def _p0_in_progress(settings: Settings) -> int:
    """The demo's open P0, made an incident being worked: last public update 25 min ago, so
    the next one is at risk (the screen warns)."""
    stamp = to_db(FIXED_NOW - timedelta(minutes=25))
    with sqlite3.connect(settings.db_path) as connection:
        (ticket_id,) = connection.execute(
            "SELECT id FROM tickets WHERE priority = 'P0' AND status = 'new' LIMIT 1"
        ).fetchone()
        connection.execute(
            "UPDATE tickets SET status = 'in_progress', assignee_id = 1, first_response_at = ?, "
            "last_update_at = ? WHERE id = ?",
            (stamp, stamp, ticket_id),
        )
    return int(ticket_id)


def _resolved(settings: Settings) -> int:
    with sqlite3.connect(settings.db_path) as connection:
        (ticket_id,) = connection.execute(
            "SELECT id FROM tickets WHERE status = 'resolved' ORDER BY id LIMIT 1"
        ).fetchone()
    return int(ticket_id)


def _open(ticket_id: int) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.app.queue_screen.open_ticket(ticket_id)  # type: ignore[attr-defined]
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_ticket_p0(
    snap_compare: Any, demo: Settings, clock: SteppedClock, size: tuple[int, int]
) -> None:
    run_before = _open(_p0_in_progress(demo))
    assert snap_compare(make_app(demo, clock=clock), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_ticket_resolved(
    snap_compare: Any, demo: Settings, clock: SteppedClock, size: tuple[int, int]
) -> None:
    run_before = _open(_resolved(demo))
    assert snap_compare(make_app(demo, clock=clock), terminal_size=size, run_before=run_before)


def test_search_80x24(snap_compare: Any, demo: Settings, clock: SteppedClock) -> None:
    assert snap_compare(make_app(demo, clock=clock), terminal_size=(80, 24), run_before=_search)


def test_filters_80x24(snap_compare: Any, demo: Settings, clock: SteppedClock) -> None:
    assert snap_compare(make_app(demo, clock=clock), terminal_size=(80, 24), run_before=_filters)


def test_macro_picker_100x32(snap_compare: Any, demo: Settings, clock: SteppedClock) -> None:
    app = make_app(demo, clock=clock)
    assert snap_compare(app, terminal_size=(100, 32), run_before=_macro_picker)


def _wizard_at(step: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """The verification wizard on the first in-progress L1 ticket, at the given step."""

    async def run_before(pilot: Pilot[Any]) -> None:
        from textual.widgets import Input

        from agentdesk.core.verification import Factor
        from agentdesk.demo import demo_answers

        app = pilot.app
        settings = app.settings  # type: ignore[attr-defined]
        with sqlite3.connect(settings.db_path) as connection:
            ticket_id, account = connection.execute(
                "SELECT t.id, c.account_id FROM tickets t JOIN customers c "
                "ON c.id = t.customer_id WHERE t.status = 'in_progress' AND t.tier = 'L1' "
                "ORDER BY t.id LIMIT 1"
            ).fetchone()
        answers = demo_answers(account)
        await _open(int(ticket_id))(pilot)
        await pilot.press("v")
        await settle(pilot)
        field = app.screen.query_one("#verify-input", Input)
        field.cursor_blink = False
        if step == "account":
            return  # empty: nothing the caller must say is pre-filled
        field.value = account
        await pilot.press("enter")
        await settle(pilot)
        if step == "last4":
            field.value = "12"  # masked on screen
            return
        if step == "locked":
            for _ in range(3):
                field.value = "0000" if answers[Factor.PAYMENT_LAST4] != "0000" else "1111"
                await pilot.press("enter")
                await settle(pilot)
                if app.screen.query_one("#verify-input", Input).display:
                    field.value = account  # the account ID again
                    await pilot.press("enter")
                    await settle(pilot)
            return
        field.value = answers[Factor.PAYMENT_LAST4]
        await pilot.press("enter")
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("step", ["account", "last4", "dob_or_pin", "locked"])
def test_verify_wizard_80x24(
    snap_compare: Any, demo: Settings, clock: SteppedClock, step: str
) -> None:
    app = make_app(demo, clock=clock)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_wizard_at(step))


def _help_on_a_ticket(pilot_ticket: int) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _open(pilot_ticket)(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_ticket_help(
    snap_compare: Any, demo: Settings, clock: SteppedClock, size: tuple[int, int]
) -> None:
    run_before = _help_on_a_ticket(_p0_in_progress(demo))
    assert snap_compare(make_app(demo, clock=clock), terminal_size=size, run_before=run_before)


def _at_risk_ticket(settings: Settings) -> int:
    """An open ticket whose SLA is at risk at the fixed clock (not yet breached)."""
    now = to_db(FIXED_NOW)
    with sqlite3.connect(settings.db_path) as connection:
        (ticket_id,) = connection.execute(
            "SELECT id FROM tickets WHERE status IN ('new', 'assigned', 'in_progress') "
            "AND sla_at_risk_at <= ? AND sla_due_at > ? ORDER BY id LIMIT 1",
            (now, now),
        ).fetchone()
    return int(ticket_id)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_at_risk_path(
    snap_compare: Any, demo: Settings, clock: SteppedClock, size: tuple[int, int]
) -> None:
    ticket_id = _at_risk_ticket(demo)

    async def open_path(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.app.queue_screen.open_ticket(ticket_id)  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("X")
        await settle(pilot)
        pilot.app.screen.query_one("#notify-name", Input).cursor_blink = False

    app = make_app(demo, clock=clock)
    assert snap_compare(app, terminal_size=size, run_before=open_path)
