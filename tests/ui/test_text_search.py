"""Pilot: a leading quote in the queue's search searches the conversations."""

from __future__ import annotations

import sqlite3

from agentdesk.app import make_app
from agentdesk.config import Settings
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import settle, shown_rows

SIZE = (120, 40)


async def test_a_quoted_order_number_finds_the_ticket_whose_conversation_holds_it(
    demo: Settings, clock: SteppedClock
) -> None:
    with sqlite3.connect(demo.db_path) as connection:
        number, owner = connection.execute(
            "SELECT substr(m.body, instr(m.body, 'ORD-'), 11), m.ticket_id FROM messages m "
            "JOIN tickets t ON t.id = m.ticket_id WHERE m.body LIKE '%ORD-_______%' "
            "AND t.subject NOT LIKE '%ORD-%' AND t.status NOT IN ('resolved', 'closed') "
            "ORDER BY m.id LIMIT 1"
        ).fetchone()
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *number)
        await settle(pilot)
        assert owner not in [row.id for row in shown_rows(app.queue_screen.table)]
        await pilot.press("home", '"')
        await settle(pilot)
        assert [row.id for row in shown_rows(app.queue_screen.table)] == [owner]
        await pilot.press("end", '"', "space", "(")  # stray syntax: still no error
        await settle(pilot)
        assert [row.id for row in shown_rows(app.queue_screen.table)] == [owner]
