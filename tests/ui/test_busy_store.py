"""`a` on a database another process is writing: "busy" at once, in words (issue 12, 16)."""

from __future__ import annotations

import sqlite3

from agentdesk.app import make_app
from agentdesk.config import Settings
from agentdesk.core.errors import BUSY
from agentdesk.store.engine import INTERACTIVE_BUSY_TIMEOUT_MS
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import settle
from tests.ui.test_ticket import SIZE, _one, _open


async def test_assign_on_a_locked_database_says_busy(demo: Settings, clock: SteppedClock) -> None:
    ticket_id = int(
        _one(demo, "SELECT id FROM tickets WHERE status = 'new' AND priority = 'P3' LIMIT 1")
    )
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, ticket_id)
        assert app.desk is not None
        with app.desk.store.read() as connection:
            wait = connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one()
        assert wait == INTERACTIVE_BUSY_TIMEOUT_MS  # not the 10 s of `agentdesk sync`
        holder = sqlite3.connect(demo.db_path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            await pilot.press("a")
            for _ in range(200):  # until the worker has answered (event-driven, no timing)
                if screen.last_refusal:
                    break
                await app.workers.wait_for_complete()
                await settle(pilot, rounds=2)
            assert screen.last_refusal == BUSY
            notes = [n.message for n in app._notifications]
            assert BUSY in notes and not any("sqlalche" in n or "SQL:" in n for n in notes)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert _one(demo, "SELECT status FROM tickets WHERE id = ?", ticket_id) == "new"
