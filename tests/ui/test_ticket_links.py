"""Pilot: linking a ticket to another from the ticket screen (K), merging a duplicate (M),
and the links shown on the History tab."""

from __future__ import annotations

import sqlite3
from typing import Any

from agentdesk.app import make_app
from agentdesk.config import Settings
from agentdesk.screens.choice_dialog import ChoiceDialog
from agentdesk.screens.ticket import TicketScreen
from agentdesk.widgets.conversation import Conversation
from agentdesk.widgets.link_list import LinkList
from agentdesk.widgets.tab_strip import TabStrip
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import open_ticket_screen as _open
from tests.ui.pilot_tools import settle

SIZE = (120, 40)


def _read(settings: Settings, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(settings.db_path) as connection:
        return connection.execute(sql, params).fetchall()


def _two_open(settings: Settings) -> tuple[int, int]:
    (first,), (second,) = _read(
        settings,
        "SELECT id FROM tickets WHERE status IN ('new', 'assigned', 'in_progress') "
        "ORDER BY id LIMIT 2",
    )
    return int(first), int(second)


async def test_shift_k_links_the_ticket_and_the_history_tab_lists_it(
    demo: Settings, clock: SteppedClock
) -> None:
    ticket, other = _two_open(demo)
    (subject,) = _read(demo, "SELECT subject FROM tickets WHERE id = ?", other)[0]
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, ticket)
        await pilot.press("K")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("down", "enter")  # depends on; then the other ticket's number
        await pilot.press(*"#abc", "enter")
        await settle(pilot)
        assert "is not a ticket number like #123" in screen.last_refusal
        assert _read(demo, "SELECT * FROM ticket_links") == []
        await pilot.press("K")
        await settle(pilot)
        await pilot.press("down", "enter", *f"#{other}", "enter")
        await settle(pilot)
        assert _read(demo, "SELECT ticket_id, other_ticket_id, kind FROM ticket_links") == [
            (ticket, other, "depends_on")
        ]
        assert _read(demo, "SELECT op FROM outbox WHERE ticket_id = ? AND op = 'link'", ticket)
        await pilot.press("4")
        await settle(pilot)
        shown = str(screen.query_one(LinkList).render())
        assert f"depends on #{other} {subject}" in shown
        assert screen.query_one(TabStrip).labels["tab-history"] == "History · 1 link"


async def test_m_merges_the_duplicate_and_closes_it(demo: Settings, clock: SteppedClock) -> None:
    target, duplicate = _two_open(demo)
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, duplicate)
        await pilot.press("M")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("enter", *str(target), "enter")
        await settle(pilot)
        assert _read(demo, "SELECT status FROM tickets WHERE id = ?", duplicate) == [("closed",)]
        assert screen.workspace.detail.status.value == "closed"
        # Closed now: M says why not instead of opening the dialog.
        await pilot.press("M")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        await pilot.press("escape")
        await settle(pilot)
        opened = await _open(app, pilot, target)
        bodies = {
            body
            for (body,) in _read(demo, "SELECT body FROM messages WHERE ticket_id = ?", duplicate)
        }
        shown = opened.query_one(Conversation)
        assert bodies and bodies <= {entry.message.body for entry in shown.entries}
