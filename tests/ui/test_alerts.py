"""Pilot: alerts reach the agent while a search is open, once per ticket per state change.

A ticket arrives by sync (written to the store as a pull writes it), the sync run is
broadcast on the app's sync_events signal, and a notification says so over the search; the
next sync announces nothing again. A ticket turning at risk as the clock moves is announced
once, and its breach once more."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

from agentdesk.app import make_app
from agentdesk.config import Settings
from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import open_store
from agentdesk.store.types import from_db
from agentdesk.sync.protocol import SyncSummary
from agentdesk.widgets.search_bar import SearchBar
from tests.store.factory import add_ticket
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import settle

SIZE = (100, 30)


def _read(settings: Settings, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(settings.db_path) as connection:
        return connection.execute(sql, params).fetchall()


def _pulled_ticket(settings: Settings, clock: SteppedClock) -> int:
    """A New ticket as a pull writes it: no 'create' op in the outbox."""
    (top,) = _read(settings, "SELECT max(id) FROM tickets")[0]
    store = open_store(settings.db_path, load_sla_policy())
    try:
        add_ticket(store, top + 1, created_at=clock(), subject="Arrived by sync: refund")
    finally:
        store.close()
    return int(top + 1)


async def test_an_alert_while_searching_and_no_duplicate_on_the_next_sync(
    demo: Settings, clock: SteppedClock
) -> None:
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert app.alerts is not None
        before = len(app.alerts.shown)
        # The New tickets already there at the first look are not news.
        assert not any(n.title == "New ticket" for n in app.alerts.shown)
        await pilot.press("slash", *"refund")
        await settle(pilot)
        search = app.query_one(SearchBar)
        assert app.focused is search

        ticket_id = _pulled_ticket(demo, clock)
        app.sync_events.publish(SyncSummary(backend="local", pulled=1))
        await settle(pilot)
        news = app.alerts.shown[before:]
        assert [n.message for n in news] == [f"New ticket #{ticket_id} P2: Arrived by sync: refund"]
        assert any(f"#{ticket_id}" in n.message for n in app._notifications)
        # Still searching: the notification did not take the focus or the query.
        assert app.focused is search and search.value == "refund"

        app.sync_events.publish(SyncSummary(backend="local", pulled=1, messages=1))
        await settle(pilot)
        assert app.alerts.shown[before:] == news  # the next sync: nothing again


async def test_turning_at_risk_then_breached_is_told_once_each(
    demo: Settings, clock: SteppedClock
) -> None:
    (ticket_id, at_risk_at, due_at) = _read(
        demo,
        "SELECT id, sla_at_risk_at, sla_due_at FROM tickets WHERE status = 'new' "
        "AND assignee_id IS NULL AND tier = 'L1' AND sla_at_risk_at > ? ORDER BY sla_at_risk_at "
        "LIMIT 1",
        clock().strftime("%Y-%m-%dT%H:%M:%S"),
    )[0]
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert app.alerts is not None

        def told() -> list[str]:
            return [n.message for n in app.alerts.shown if n.message.startswith(f"#{ticket_id} ")]

        assert told() == []
        clock.now = from_db(at_risk_at) + timedelta(seconds=1)
        app.alerts.check()  # the minute's check
        await settle(pilot)
        assert len(told()) == 1 and "at risk" in told()[0]
        app.sync_events.publish(SyncSummary(backend="local", pulled=1))
        await settle(pilot)
        assert len(told()) == 1
        clock.now = from_db(due_at) + timedelta(seconds=1)
        app.alerts.check()
        await settle(pilot)
        assert len(told()) == 2 and "breached" in told()[1]
        app.alerts.check()
        await settle(pilot)
        assert len(told()) == 2
