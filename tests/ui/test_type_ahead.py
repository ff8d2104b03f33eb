"""Typing ahead in dialogs: keys pressed in one burst land where the agent meant them, across
Tab, and a field's text is never selected on focus (so later typing cannot replace it)."""

from __future__ import annotations

import sqlite3

from textual.widgets import Input

from agentdesk.app import make_app
from agentdesk.config import Settings
from agentdesk.core.changes import TicketChange
from agentdesk.screens.confirm import ConfirmScreen
from agentdesk.screens.ticket import TicketScreen
from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import open_store
from agentdesk.store.writes import apply_change
from tests.store.factory import complete_note, verified
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import burst, settle

SIZE = (120, 40)


def keys(text: str) -> list[str]:
    return ["space" if char == " " else char for char in text]


def _worked_ticket(demo: Settings, clock: SteppedClock) -> int:
    with sqlite3.connect(demo.db_path) as connection:
        (ticket_id,) = connection.execute(
            "SELECT id FROM tickets WHERE status = 'in_progress' AND priority != 'P0' "
            "ORDER BY id LIMIT 1"
        ).fetchone()
    store = open_store(demo.db_path, load_sla_policy())
    try:
        verified(store, ticket_id, clock())
        apply_change(
            store,
            ticket_id,
            TicketChange("note", note=complete_note(), note_author="Amara"),
            actor="amara.okafor",
            now=clock(),
        )
    finally:
        store.close()
    return int(ticket_id)


async def test_a_burst_across_tab_fills_solution_and_etr(
    demo: Settings, clock: SteppedClock
) -> None:
    ticket_id = _worked_ticket(demo, clock)
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.queue_screen.open_ticket(ticket_id)
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        await pilot.press("c")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        await pilot.press("enter")  # the restated issue, as prefilled
        await settle(pilot)
        assert dialog.step == "propose"
        # One burst, no pause: solution, Tab, ETR.
        await burst(pilot, *keys("Open a trace"), "tab", *keys("2h"))
        await settle(pilot)
        assert dialog.query_one("#confirm-text", Input).value == "Open a trace"
        assert dialog.query_one("#confirm-etr", Input).value == "2h"
        # Back with shift+tab and on typing: the solution is added to, not replaced; the
        # field's own keys (backspace) apply in the order typed, among the letters.
        await burst(pilot, "shift+tab", *keys(" now"), "tab", "backspace", "backspace", "1", "h")
        await settle(pilot)
        assert dialog.query_one("#confirm-text", Input).value == "Open a trace now"
        assert dialog.query_one("#confirm-etr", Input).value == "1h"
        await pilot.press("enter")
        await settle(pilot)
        assert dialog.step == "agree" and dialog.solution == "Open a trace now"
